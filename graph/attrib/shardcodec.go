package attrib

import (
	"encoding/binary"
	"errors"
	"math"
	"time"
)

// A sharded assessment writes each judged source to its shard's temporary
// file and reads it back in the order of Result.Sources (shard.go), and
// the workbench keeps the sources it shows in a temporary file too.
// Through encoding/json that round trip cost some 40 µs a source, a third
// of the assessment of a million enriched sources; this form costs a
// fraction of it. It keeps every value exactly as judged (nil and empty
// lists apart, unrounded floats, times with their offset), so the merge
// gives what one pass gives. TestSourceCodecRoundTrip fills every field of
// Source by reflection, so a field added to Source and forgotten here
// fails it.

// AppendSource appends a binary form of s to b, for the process that
// wrote it to read back with ReadSource: it is no file format, and must
// not outlive the process (a later version may read it otherwise).
func AppendSource(b []byte, s *Source) []byte {
	e := srcEnc{b}
	e.str(s.Indicator)
	e.str(s.Type)
	e.str(s.Role)
	e.f64(s.Probability)
	e.str(s.Words)
	e.str(s.Confidence)
	e.f64(s.CollateralRisk)
	e.roles(&s.Hypotheses)
	e.count(len(s.Factors), s.Factors == nil)
	for i := range s.Factors {
		e.factor(&s.Factors[i])
	}
	e.str(s.Recommendation)
	e.strs(s.WouldChange)
	e.str(s.Campaign)
	e.str(s.Special)
	e.i64(s.Events)
	e.timePtr(s.FirstSeen)
	e.timePtr(s.LastSeen)
	e.count(len(s.Logins), s.Logins == nil)
	for i := range s.Logins {
		l := &s.Logins[i]
		e.str(l.Account)
		e.timePtr(l.First)
		e.i64(l.Count)
		e.str(l.Evidence)
	}
	e.bool(s.LoginsOver)
	e.bool(s.Refused)
	e.bool(s.ThirdPartyRisk)
	e.str(s.Because)
	e.bool(s.Examiner != nil)
	if x := s.Examiner; x != nil {
		e.str(x.Role)
		e.str(x.Rationale)
		e.strs(x.Cites)
		e.str(x.Actor)
		e.time(x.Time)
		e.i64(x.Entry)
		e.str(x.ModelRole)
	}
	return e.b
}

func (e *srcEnc) factor(f *Factor) {
	e.str(f.ID)
	e.i64(int64(f.N))
	e.str(f.Text)
	e.roles(&f.Nats)
	e.roles(&f.Shadowed)
	e.f64(f.Rho)
	e.f64(f.Staleness)
	e.str(f.RhoWhy)
	e.str(f.Source)
	e.strs(f.Evidence)
	e.i64(f.EvidenceN)
	e.bool(f.Diagnostic)
	e.str(f.Family)
	e.count(len(f.Rules), f.Rules == nil)
	for i := range f.Rules {
		r := &f.Rules[i]
		e.str(r.ID)
		e.str(r.Title)
		e.str(r.Level)
		e.strs(r.Tags)
		e.str(r.File)
		e.i64(r.Events)
		e.str(r.Detail)
	}
}

type srcEnc struct{ b []byte }

func (e *srcEnc) str(s string) {
	e.b = binary.AppendUvarint(e.b, uint64(len(s)))
	e.b = append(e.b, s...)
}

func (e *srcEnc) i64(v int64)   { e.b = binary.AppendVarint(e.b, v) }
func (e *srcEnc) f64(v float64) { e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(v)) }

func (e *srcEnc) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

// count writes a list's length, 0 for a nil list and n+1 otherwise.
func (e *srcEnc) count(n int, isNil bool) {
	if isNil {
		e.b = append(e.b, 0)
		return
	}
	e.b = binary.AppendUvarint(e.b, uint64(n)+1)
}

func (e *srcEnc) strs(l []string) {
	e.count(len(l), l == nil)
	for _, s := range l {
		e.str(s)
	}
}

func (e *srcEnc) roles(v *RoleValues) {
	for _, f := range v {
		e.f64(f)
	}
}

func (e *srcEnc) time(t time.Time) {
	b, err := t.MarshalBinary()
	if err != nil { // a zone offset time cannot hold: not one a case's times have
		panic("attrib: " + err.Error())
	}
	e.b = append(e.b, byte(len(b)))
	e.b = append(e.b, b...)
}

func (e *srcEnc) timePtr(t *time.Time) {
	e.bool(t != nil)
	if t != nil {
		e.time(*t)
	}
}

// errDamaged says a temporary file of the assessment (judged sources,
// events for the shards) did not hold what was written to it.
var errDamaged = errors.New("attrib: a temporary file of the assessment does not read back as written (damaged)")

// binReader reads the varints of the process-local forms (AppendSource's,
// eventcodec.go's); a short or malformed input sets err and reads as
// zeros from then on.
type binReader struct {
	b   []byte
	err error
}

func (d *binReader) fail() { d.err, d.b = errDamaged, nil }

func (d *binReader) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *binReader) i64() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

// srcDec reads what AppendSource wrote.
type srcDec struct{ binReader }

// ReadSource reads one source AppendSource wrote.
func ReadSource(b []byte) (Source, error) {
	d := srcDec{binReader{b: b}}
	var s Source
	s.Indicator = d.str()
	s.Type = d.str()
	s.Role = d.str()
	s.Probability = d.f64()
	s.Words = d.str()
	s.Confidence = d.str()
	s.CollateralRisk = d.f64()
	d.roles(&s.Hypotheses)
	if n, ok := d.count(); ok {
		s.Factors = make([]Factor, n)
		for i := range s.Factors {
			d.factor(&s.Factors[i])
		}
	}
	s.Recommendation = d.str()
	s.WouldChange = d.strs()
	s.Campaign = d.str()
	s.Special = d.str()
	s.Events = d.i64()
	s.FirstSeen = d.timePtr()
	s.LastSeen = d.timePtr()
	if n, ok := d.count(); ok {
		s.Logins = make([]Login, n)
		for i := range s.Logins {
			l := &s.Logins[i]
			l.Account = d.str()
			l.First = d.timePtr()
			l.Count = d.i64()
			l.Evidence = d.str()
		}
	}
	s.LoginsOver = d.bool()
	s.Refused = d.bool()
	s.ThirdPartyRisk = d.bool()
	s.Because = d.str()
	if d.bool() {
		s.Examiner = &Examiner{Role: d.str(), Rationale: d.str(), Cites: d.strs(), Actor: d.str(), Time: d.time(), Entry: d.i64(), ModelRole: d.str()}
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail()
	}
	return s, d.err
}

func (d *srcDec) factor(f *Factor) {
	f.ID = d.str()
	f.N = int(d.i64())
	f.Text = d.str()
	d.roles(&f.Nats)
	d.roles(&f.Shadowed)
	f.Rho = d.f64()
	f.Staleness = d.f64()
	f.RhoWhy = d.str()
	f.Source = d.str()
	f.Evidence = d.strs()
	f.EvidenceN = d.i64()
	f.Diagnostic = d.bool()
	f.Family = d.str()
	if n, ok := d.count(); ok {
		f.Rules = make([]RuleRef, n)
		for i := range f.Rules {
			r := &f.Rules[i]
			r.ID, r.Title, r.Level, r.Tags, r.File, r.Events, r.Detail = d.str(), d.str(), d.str(), d.strs(), d.str(), d.i64(), d.str()
		}
	}
}

func (d *srcDec) str() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *srcDec) f64() float64 {
	if len(d.b) < 8 {
		d.fail()
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
	d.b = d.b[8:]
	return v
}

func (d *srcDec) bool() bool {
	if len(d.b) < 1 || d.b[0] > 1 {
		d.fail()
		return false
	}
	v := d.b[0] == 1
	d.b = d.b[1:]
	return v
}

// count reads a list's length; ok is false for a nil list (or an error).
func (d *srcDec) count() (int, bool) {
	n := d.uvarint()
	if n == 0 || n-1 > uint64(len(d.b)) { // every element takes a byte at least
		if n != 0 {
			d.fail()
		}
		return 0, false
	}
	return int(n - 1), true
}

func (d *srcDec) strs() []string {
	n, ok := d.count()
	if !ok {
		return nil
	}
	l := make([]string, n)
	for i := range l {
		l[i] = d.str()
	}
	return l
}

func (d *srcDec) roles(v *RoleValues) {
	for i := range v {
		v[i] = d.f64()
	}
}

func (d *srcDec) time() time.Time {
	if len(d.b) < 1 || int(d.b[0]) > len(d.b)-1 {
		d.fail()
		return time.Time{}
	}
	n := int(d.b[0])
	var t time.Time
	if err := t.UnmarshalBinary(d.b[1 : 1+n]); err != nil {
		d.fail()
		return time.Time{}
	}
	d.b = d.b[1+n:]
	return t
}

func (d *srcDec) timePtr() *time.Time {
	if !d.bool() {
		return nil
	}
	t := d.time()
	return &t
}
