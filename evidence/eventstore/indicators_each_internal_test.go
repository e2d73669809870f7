package eventstore

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/casefile/casefile/enrich/indicator"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/memstore"
)

// TestEachIndicatorSpills: the indicators listed through temporary files
// (a budget of one byte: a run per summary) are those, in the order, that
// one map of every indicator gives (the rule Indicators had before it
// streamed, kept here as the reference), over two artefacts naming
// the same addresses, one parsed twice.
func TestEachIndicatorSpills(t *testing.T) {
	skey, vkey, _ := note.GenerateKey(rand.Reader, "casefile.invalid/case/t")
	sg, _ := note.NewSigner(skey)
	v, _ := note.NewVerifier(vkey)
	c, err := evidence.Open(memstore.New(), evidence.Config{Signer: sg, Verifier: v})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Create(ctx, "T", evidence.CaseInfo{Title: "t"}); err != nil {
		t.Fatal(err)
	}
	s := New(c)
	for k, year := range []int{2025, 2026, 2026} {
		var log strings.Builder
		for i := range 300 + 100*k {
			fmt.Fprintf(&log, "Nov 20 09:%02d:%02d web01 sshd[1]: Failed password for user%d from 10.0.%d.%d port 22 ssh2\n", i/60%60, i%60, i%7, k, 1+i%(40+k*13))
		}
		res, err := c.Ingest(ctx, strings.NewReader(log.String()), evidence.ArtefactMeta{Name: fmt.Sprint("auth", k)}, evidence.IngestOptions{Actor: "T"})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Parse(ctx, res.Digest, ParseOptions{Year: year}); err != nil {
			t.Fatal(err)
		}
	}
	want, err := indicatorsInMemory(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, budget := range []int{1, 2000, math.MaxInt} {
		t.Setenv("TMPDIR", t.TempDir())
		var got []*Summary
		if err := s.eachIndicator(budget, func(x *Summary) error { got = append(got, x); return nil }); err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(got)
		b, _ := json.Marshal(want)
		if string(a) != string(b) || len(want) < 50 {
			t.Errorf("budget %d: %d indicators differ from the %d of one map", budget, len(got), len(want))
		}
	}
}

func indicatorsInMemory(s *Store) ([]*Summary, error) {
	runs, err := s.Current()
	if err != nil {
		return nil, err
	}
	committed := map[[8]byte]*Run{}
	for _, r := range runs {
		committed[r.id()] = r
	}
	var out []*Summary
	byKey := map[string]*Summary{}
	scan := func(prefix []byte, split func([]byte) (indicator.Type, string, [8]byte, bool)) error {
		return s.c.Derived().Scan(prefix, nil, func(k, v []byte) error {
			typ, val, id, ok := split(k)
			r := committed[id]
			if !ok || r == nil {
				return nil // a run interrupted before its entry was committed
			}
			p, err := decodePosting(v, false)
			if err != nil {
				return fmt.Errorf("indicator %s %q: %w", typ, val, err)
			}
			cur := byKey[string(typ)+"\x00"+val]
			if cur == nil {
				cur = &Summary{Type: typ, Value: val}
				if typ == indicator.TypeIP {
					if a, ok := indicator.NormalizeIP(val); ok {
						cur.Special = indicator.Special(a)
					}
				}
				byKey[string(typ)+"\x00"+val] = cur
				out = append(out, cur)
			}
			cur.Count += p.count
			if p.first != 0 {
				if f := time.Unix(0, p.first).UTC(); cur.FirstSeen.IsZero() || f.Before(cur.FirstSeen) {
					cur.FirstSeen = f
				}
				if l := time.Unix(0, p.last).UTC(); l.After(cur.LastSeen) {
					cur.LastSeen = l
				}
			}
			if !contains(cur.Artefacts, r.Artefact) {
				cur.Artefacts = append(cur.Artefacts, r.Artefact)
			}
			return nil
		})
	}
	err = scan(prefixPosting, splitPostingKey)
	if err == nil {
		err = scan(prefixPart, splitPartKey)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Type < out[j].Type || out[i].Type == out[j].Type && out[i].Value < out[j].Value
	})
	return out, err
}
