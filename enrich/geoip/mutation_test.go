package geoip

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"
)

// Structured mutations (overwrites with extreme integers, insertions,
// deletions, duplicated runs) of a good database: each open-and-lookup must
// end promptly with an error or a result, never hang or panic.
func TestMutationsEndPromptly(t *testing.T) {
	good := fixture(t)
	r := rand.New(rand.NewPCG(1, 9))
	for i := 0; i < 20000; i++ {
		b := bytes.Clone(good)
		for range 1 + r.IntN(3) {
			p := r.IntN(len(b) - 8)
			switch r.IntN(8) {
			case 5:
				b = append(b[:p:p], b[p+1+r.IntN(7):]...)
			case 6:
				b = append(b[:p:p], append(bytes.Repeat([]byte{byte(r.IntN(256))}, 1+r.IntN(16)), b[p:]...)...)
			case 7:
				q := r.IntN(len(b) - 8)
				b = append(b[:p:p], append(bytes.Clone(b[q:q+1+r.IntN(7)]), b[p:]...)...)
			case 0:
				b[p] = byte(r.IntN(256))
			case 1:
				binary.BigEndian.PutUint32(b[p:], 0xffffffff)
			case 2:
				binary.BigEndian.PutUint32(b[p:], uint32(r.IntN(1<<20)))
			case 3:
				b[p] = 0xff
				b[p+1] = 0xff
			case 4:
				binary.BigEndian.PutUint16(b[p:], uint16(r.IntN(1<<16)))
			}
		}
		start := time.Now()
		db, err := Open(b, testDigest, "m")
		if err == nil {
			db.Lookup(netip.MustParseAddr("203.0.113.9"), time.Time{})
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("mutation %d took %v (err %v)", i, d, err)
			for j := range b {
				if b[j] != good[j] {
					t.Logf("  byte %d: %02x -> %02x", j, good[j], b[j])
				}
			}
			return
		}
	}
}
