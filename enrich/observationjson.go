package enrich

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/casefile/casefile/evidence"
)

// AppendJSON appends the observation's JSON encoding to dst: byte for byte
// what encoding/json writes for it with HTML escaping off, without
// reflection for the value types sources put in Fields (strings, booleans,
// integers, floats, string lists, nested lists and maps). Any other value is
// handed to encoding/json. A test and a fuzz target check the two agree.
//
// It fails only where encoding/json fails (a time outside years 0–9999, a
// NaN, a value that cannot be encoded).
func (o *Observation) AppendJSON(dst []byte) ([]byte, error) {
	if !jsonTimeOK(o.DatasetDate) || !o.ValidAt.IsZero() && !jsonTimeOK(o.ValidAt) {
		return stdAppend(dst, o)
	}
	dst = append(dst, `{"dataset":`...)
	dst = evidence.AppendJSONString(dst, o.Dataset)
	dst = append(dst, `,"dataset_date":`...)
	dst = evidence.AppendJSONTime(dst, o.DatasetDate)
	if len(o.Fields) > 0 {
		dst = append(dst, `,"fields":`...)
		var err error
		if dst, err = appendMap(dst, o.Fields, 0); err != nil {
			return dst, err
		}
	}
	dst = append(dst, `,"indicator":`...)
	dst = evidence.AppendJSONString(dst, o.Indicator)
	if o.Network != "" {
		dst = append(dst, `,"network":`...)
		dst = evidence.AppendJSONString(dst, o.Network)
	}
	dst = append(dst, `,"reliability":`...)
	dst = evidence.AppendJSONString(dst, o.Reliability)
	dst = append(dst, `,"source":`...)
	dst = evidence.AppendJSONString(dst, o.Source)
	dst = append(dst, `,"source_type":`...)
	dst = evidence.AppendJSONString(dst, o.SourceType)
	if !o.ValidAt.IsZero() {
		dst = append(dst, `,"valid_at":`...)
		dst = evidence.AppendJSONTime(dst, o.ValidAt)
	}
	return append(dst, '}'), nil
}

func jsonTimeOK(t time.Time) bool {
	y := t.Year()
	return y >= 0 && y <= 9999
}

// maxDepth matches the nesting encoding/json would follow without a cycle
// check mattering; deeper values go to encoding/json itself.
const maxDepth = 32

func appendMap(dst []byte, m map[string]any, depth int) ([]byte, error) {
	if m == nil {
		return append(dst, "null"...), nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = evidence.AppendJSONString(dst, k)
		dst = append(dst, ':')
		var err error
		if dst, err = appendValue(dst, m[k], depth+1); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

func appendValue(dst []byte, v any, depth int) ([]byte, error) {
	if depth > maxDepth {
		return stdAppend(dst, v)
	}
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return evidence.AppendJSONString(dst, v), nil
	case bool:
		return strconv.AppendBool(dst, v), nil
	case int:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(dst, v, 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case uint:
		return strconv.AppendUint(dst, uint64(v), 10), nil
	case uint64:
		return strconv.AppendUint(dst, v, 10), nil
	case uint32:
		return strconv.AppendUint(dst, uint64(v), 10), nil
	case float64:
		return appendFloat(dst, v, 64)
	case float32:
		return appendFloat(dst, float64(v), 32)
	case []string:
		if v == nil {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '[')
		for i, s := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = evidence.AppendJSONString(dst, s)
		}
		return append(dst, ']'), nil
	case []any:
		if v == nil {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendValue(dst, e, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case map[string]any:
		return appendMap(dst, v, depth)
	}
	return stdAppend(dst, v)
}

// appendFloat writes f as encoding/json does: shortest representation,
// exponent form only for very small or large magnitudes, "e-07" cleaned to
// "e-7".
func appendFloat(dst []byte, f float64, bits int) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return stdAppend(dst, f) // encoding/json's error
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, format, -1, bits)
	if format == 'e' {
		if n := len(dst) - start; n >= 4 && dst[len(dst)-4] == 'e' && dst[len(dst)-3] == '-' && dst[len(dst)-2] == '0' {
			dst[len(dst)-2] = dst[len(dst)-1]
			dst = dst[:len(dst)-1]
		}
	}
	return dst, nil
}

// stdAppend hands v to encoding/json (HTML escaping off).
func stdAppend(dst []byte, v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return dst, err
	}
	return append(dst, bytes.TrimSuffix(b.Bytes(), []byte("\n"))...), nil
}
