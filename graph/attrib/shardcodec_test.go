package attrib

import (
	"reflect"
	"testing"
	"time"
)

// fill sets every field v holds, recursively, to a value other than its
// zero value (lists get two elements), so that a field the codec forgets
// shows as a difference.
func fill(t *testing.T, v reflect.Value, seed int) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("s" + string(rune('a'+seed%26)) + "é")
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(-3 - seed))
	case reflect.Float64:
		v.SetFloat(0.1 + float64(seed))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Array:
		for i := range v.Len() {
			fill(t, v.Index(i), seed+i)
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(t, v.Index(i), seed+i+1)
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(t, v.Elem(), seed+1)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			// UTC, as the assessment makes them, or a zone of another
			// offset than the machine's (a zone's name is not kept).
			when := time.Date(2026, 11, 20, 9, 2, 19, 120000000+seed, time.UTC)
			if seed%2 == 1 {
				off := 3600 * (1 + seed%5)
				if _, local := when.In(time.Local).Zone(); off == local {
					off += 1800
				}
				when = when.In(time.FixedZone("", off))
			}
			v.Set(reflect.ValueOf(when))
			return
		}
		for i := range v.NumField() {
			fill(t, v.Field(i), seed+i)
		}
	default:
		t.Fatalf("fill: no value for a %s (%s): teach fill and the codec", v.Kind(), v.Type())
	}
}

func TestSourceCodecRoundTrip(t *testing.T) {
	var full Source
	fill(t, reflect.ValueOf(&full).Elem(), 0)
	empty := Source{Factors: []Factor{{Evidence: []string{}, Rules: []RuleRef{{}}}}, WouldChange: []string{}, Logins: []Login{}}
	for name, s := range map[string]Source{"every field": full, "zero": {}, "empty lists": empty} {
		b := AppendSource(nil, &s)
		got, err := ReadSource(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, s) {
			t.Errorf("%s: read back\n%+v\nwant\n%+v", name, got, s)
		}
		for cut := range len(b) {
			if _, err := ReadSource(b[:cut]); err == nil {
				t.Fatalf("%s: cut to %d of %d bytes, read without error", name, cut, len(b))
			}
		}
		if _, err := ReadSource(append(b, 0)); err == nil {
			t.Errorf("%s: a byte too many read without error", name)
		}
	}
}

// FuzzDecodeSource: whatever a damaged temporary file holds gives a source
// or an error, never a panic.
func FuzzDecodeSource(f *testing.F) {
	var full Source
	fill(&testing.T{}, reflect.ValueOf(&full).Elem(), 0)
	f.Add(AppendSource(nil, &full))
	f.Add(AppendSource(nil, &Source{}))
	f.Fuzz(func(t *testing.T, b []byte) {
		ReadSource(b)
	})
}
