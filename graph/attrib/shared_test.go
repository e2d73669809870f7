package attrib

import (
	"fmt"
	"testing"
)

// Who shares an account with whom: those who guessed a password and failed
// never shared it with the one who holds it; a second source that got in
// did, and then nothing tells the holder apart without a key of its own.
func TestMarkShared(t *testing.T) {
	const id = 1
	use := func(tm int64, src uint32, ok bool, mat uint32) idRec {
		return idRec{t: tm, id: id, src: src, success: ok, attempt: true, mat: mat}
	}
	for _, c := range []struct {
		name string
		run  []idRec
		want string // the sources marked, in order
	}{
		{"customer first, stuffers fail later", []idRec{use(1, 0, true, 0), use(2, 1, false, 0), use(3, 2, false, 0)}, "[1 2]"},
		{"stuffers first, then one gets in", []idRec{use(1, 1, false, 0), use(2, 2, false, 0), use(3, 0, true, 0)}, "[0 1 2]"},
		{"holder first, an attacker gets in later", []idRec{use(1, 0, true, 0), use(2, 1, false, 0), use(3, 1, true, 0)}, "[0 1]"},
		{"holder's own key, the attacker's password", []idRec{use(1, 0, true, 7), use(3, 1, true, 0)}, "[1]"},
		{"one source alone", []idRec{use(1, 0, true, 0), use(2, 0, false, 0)}, "[]"},
	} {
		out := map[int32]bool{}
		markShared(c.run, out)
		var got []int32
		for src := int32(0); src < 3; src++ {
			if out[src] {
				got = append(got, src)
			}
		}
		if s := fmt.Sprint(got); s != c.want && !(c.want == "[]" && len(got) == 0) {
			t.Errorf("%s: marked %s, want %s", c.name, s, c.want)
		}
	}
}
