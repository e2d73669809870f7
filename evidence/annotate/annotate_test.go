package annotate_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/annotate"
	"github.com/casefile/casefile/evidence/memstore"
	"github.com/casefile/casefile/evidence/parse"
)

const actor = "Ann Analyst <ann@example.org>"

func newCase(t *testing.T) (*evidence.Case, evidence.Digest) {
	t.Helper()
	ctx := context.Background()
	c, err := memstore.NewCase(ctx, "T", actor)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Ingest(ctx, strings.NewReader("Nov 20 09:02:19 web01 sshd[1]: Failed password for root from 185.220.101.4\n"),
		evidence.ArtefactMeta{Name: "auth.log"}, evidence.IngestOptions{Actor: actor})
	if err != nil {
		t.Fatal(err)
	}
	return c, res.Digest
}

func record(t *testing.T, c *evidence.Case, st *annotate.State, ch annotate.Change, err error) *evidence.Entry {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	e, err := annotate.Record(context.Background(), c, actor, ch)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CatchUp(c); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestParseTarget(t *testing.T) {
	h := strings.Repeat("ab", 32)
	for in, want := range map[string]annotate.Target{
		"185.220.101.4":                {Type: "source", Ref: "185.220.101.4"},
		"source:2001:DB8::0001":        {Type: "source", Ref: "2001:db8::1"},
		"evil.example":                 {Type: "source", Ref: "evil.example"},
		"SHA256:" + strings.ToUpper(h): {Type: "artefact", Ref: "sha256:" + h},
		"sha256:" + h + "#L12":         {Type: "event", Ref: "sha256:" + h + "#L12"},
		"sha256:" + h + "#R3":          {Type: "event", Ref: "sha256:" + h + "#R3"},
		"sha256:" + h + "#B0":          {Type: "event", Ref: "sha256:" + h + "#B0"},
		"entry:0012":                   {Type: "entry", Ref: "entry:12"},
	} {
		got, err := annotate.ParseTarget(in)
		if err != nil || got.Type != want.Type || got.Ref != want.Ref {
			t.Errorf("ParseTarget(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "  ", "sha256:abc", "sha256:" + h + "#L0", "sha256:" + h + "#X1", "sha256:" + h + "#L-1", "entry:x", "a\x1bb", strings.Repeat("a", 600)} {
		if _, err := annotate.ParseTarget(bad); !errors.Is(err, annotate.ErrRefused) {
			t.Errorf("ParseTarget(%q): err %v, want ErrRefused", bad, err)
		}
	}
	ev := annotate.EventTarget(parse.Citation{Artefact: "sha256:" + h, Offset: 77, Line: 3})
	if ev.Ref != "sha256:"+h+"#L3" || ev.Offset != 77 {
		t.Errorf("EventTarget = %+v", ev)
	}
	if ev := annotate.EventTarget(parse.Citation{Artefact: "sha256:" + h, Offset: 77}); ev.Ref != "sha256:"+h+"#B77" {
		t.Errorf("EventTarget without line = %+v", ev)
	}
}

func TestMarksNotesIOCs(t *testing.T) {
	c, d := newCase(t)
	st, err := annotate.Read(c)
	if err != nil {
		t.Fatal(err)
	}
	ev, _ := annotate.ParseTarget(d.String() + "#L1")
	src, _ := annotate.ParseTarget("185.220.101.4")
	if err := annotate.Check(c, ev); err != nil {
		t.Fatal(err)
	}
	other, _ := annotate.ParseTarget("sha256:" + strings.Repeat("00", 32))
	if err := annotate.Check(c, other); !errors.Is(err, annotate.ErrRefused) {
		t.Errorf("Check of an unknown artefact: %v", err)
	}
	ch, err := st.PlanTag(ev, "brute-force")
	tag := record(t, c, st, ch, err)
	if _, err := st.PlanTag(ev, " brute-force "); !errors.Is(err, annotate.ErrRefused) {
		t.Errorf("second identical tag: %v", err)
	}
	ch, err = st.PlanStar(src)
	record(t, c, st, ch, err)
	ch, err = st.PlanComment(src, "Tor exit; see the list of 2026-11-20")
	record(t, c, st, ch, err)
	if got := st.Marks(src.Ref); len(got) != 2 || got[0].Mark != "star" || got[1].Text == "" {
		t.Errorf("marks on the source: %+v", got)
	}
	ch, err = st.PlanUntag(ev, "brute-force")
	un := record(t, c, st, ch, err)
	if len(st.Marks(ev.Ref)) != 0 || st.SupersededBy(tag.Index) != un.Index {
		t.Errorf("after untag: %+v, superseded by %d", st.Marks(ev.Ref), st.SupersededBy(tag.Index))
	}

	ch, err = st.PlanNote(annotate.NoteDraft{Title: "Login", Body: "The **one** success.", Cites: []string{ev.Ref, "entry:1", ev.Ref}})
	n1 := record(t, c, st, ch, err)
	ch, err = st.PlanNote(annotate.NoteDraft{Title: "Login (rev)", Body: "Two.", ForReport: true, Supersedes: n1.Index})
	n2 := record(t, c, st, ch, err)
	if _, err := st.PlanNote(annotate.NoteDraft{Title: "x", Body: "y", Supersedes: n1.Index}); !errors.Is(err, annotate.ErrRefused) {
		t.Errorf("revising a superseded version: %v", err)
	}
	notes := st.Notes()
	if len(notes) != 1 || notes[0].Entry != n2.Index || notes[0].First != n1.Index || !notes[0].ForReport || len(notes[0].Versions) != 2 {
		t.Fatalf("notes: %+v", notes)
	}
	if n := st.Note(n1.Index); n == nil || n.Entry != n2.Index {
		t.Errorf("Note(first version) = %+v", n)
	}
	var p annotate.NotePayload
	if err := n1.DecodePayload(&p); err != nil || len(p.Cites) != 2 {
		t.Errorf("note cites deduplicated: %+v %v", p.Cites, err)
	}

	ch, err = st.PlanIOC(annotate.IOCDraft{Indicator: "185.220.101.4", TLP: "GREEN", Comment: "Tor exit"})
	i1 := record(t, c, st, ch, err)
	if _, err := st.PlanIOC(annotate.IOCDraft{Indicator: "185.220.101.4", TLP: "green", Comment: "Tor exit"}); !errors.Is(err, annotate.ErrRefused) {
		t.Errorf("listing unchanged: %v", err)
	}
	ch, err = st.PlanIOC(annotate.IOCDraft{Indicator: "185.220.101.4", TLP: "white"})
	i2 := record(t, c, st, ch, err)
	if x := st.IOC("185.220.101.4"); x == nil || x.Entry != i2.Index || x.TLP != "clear" || x.Type != "ip" || st.SupersededBy(i1.Index) != i2.Index {
		t.Errorf("IOC after change: %+v", x)
	}
	for _, d := range []annotate.IOCDraft{{Indicator: "nothing like it"}, {Indicator: "1.2.3.4", TLP: "purple"}, {Indicator: "x.example", Type: "ip"}} {
		if _, err := st.PlanIOC(d); !errors.Is(err, annotate.ErrRefused) {
			t.Errorf("PlanIOC(%+v): %v", d, err)
		}
	}
	ch, err = st.PlanIOC(annotate.IOCDraft{Indicator: "Evil.Example.", Comment: "C2"})
	record(t, c, st, ch, err)
	if x := st.IOC("evil.example"); x == nil || x.Type != "domain" || x.TLP != "amber" {
		t.Errorf("domain IOC: %+v", x)
	}
	ch, err = st.PlanUnlistIOC("185.220.101.4")
	record(t, c, st, ch, err)
	if got := st.IOCs(); len(got) != 1 || got[0].Indicator != "evil.example" {
		t.Errorf("IOCs after removal: %+v", got)
	}
	if _, err := st.PlanWithdraw(i2.Index); !errors.Is(err, annotate.ErrRefused) {
		t.Errorf("withdrawing twice: %v", err)
	}
}

// TestAnnotationsNeverChangeEarlierEntries records random sequences of
// annotations and withdrawals and checks, after each, that every earlier
// entry keeps its bytes and the chain its links, that exactly one entry was
// added, and that the fold is the same read at once, read again, and
// caught up step by step.
func TestAnnotationsNeverChangeEarlierEntries(t *testing.T) {
	for seed := range uint64(20) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 14))
			c, d := newCase(t)
			st := &annotate.State{}
			if err := st.CatchUp(c); err != nil {
				t.Fatal(err)
			}
			var raws [][]byte
			snapshot := func() {
				raws = raws[:0]
				if err := c.Entries(0, func(e *evidence.Entry) error { raws = append(raws, bytes.Clone(e.Raw)); return nil }); err != nil {
					t.Fatal(err)
				}
			}
			snapshot()
			targets := []string{"185.220.101.4", "evil.example", d.String(), d.String() + "#L1", d.String() + "#B0", "entry:1"}
			for step := range 60 {
				ch, err := randomChange(rng, st, targets)
				if err != nil {
					if !errors.Is(err, annotate.ErrRefused) {
						t.Fatalf("step %d: %v", step, err)
					}
					continue
				}
				before := c.Log().Size()
				record(t, c, st, ch, nil)
				if c.Log().Size() != before+1 {
					t.Fatalf("step %d: %d entries added", step, c.Log().Size()-before)
				}
				var prev [32]byte
				i := 0
				err = c.Entries(0, func(e *evidence.Entry) error {
					if i < len(raws) && !bytes.Equal(e.Raw, raws[i]) {
						return fmt.Errorf("entry %d changed", i)
					}
					if i > 0 && e.Prev != hex.EncodeToString(prev[:]) {
						return fmt.Errorf("entry %d does not link to entry %d", i, i-1)
					}
					prev = e.Hash()
					i++
					return nil
				})
				if err != nil {
					t.Fatalf("step %d: %v", step, err)
				}
				snapshot()
			}
			a, err := annotate.Read(c)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := annotate.Read(c)
			if x, y, z := dump(a), dump(b), dump(st); x != y || x != z {
				t.Fatalf("folds differ:\n%s\n%s\n%s", x, y, z)
			}
			r, err := c.Verify(context.Background(), evidence.VerifyOptions{})
			if err != nil || !r.OK {
				t.Fatalf("verify: %v %+v", err, r)
			}
		})
	}
}

func randomChange(rng *rand.Rand, st *annotate.State, targets []string) (annotate.Change, error) {
	tg, _ := annotate.ParseTarget(targets[rng.IntN(len(targets))])
	tags := []string{"tor", "brute-force", "the login", "✓ checked"}
	switch rng.IntN(10) {
	case 0:
		return st.PlanTag(tg, tags[rng.IntN(len(tags))])
	case 1:
		return st.PlanUntag(tg, tags[rng.IntN(len(tags))])
	case 2:
		return st.PlanStar(tg)
	case 3:
		return st.PlanUnstar(tg)
	case 4:
		return st.PlanComment(tg, fmt.Sprintf("comment %d\nsecond line", rng.IntN(1000)))
	case 5:
		return st.PlanWithdraw(uint64(rng.IntN(int(st.Size()))))
	case 6:
		var sup uint64
		if ns := st.Notes(); len(ns) > 0 && rng.IntN(2) == 0 {
			sup = ns[rng.IntN(len(ns))].Entry
		}
		return st.PlanNote(annotate.NoteDraft{Title: fmt.Sprintf("note %d", rng.IntN(100)), Body: "# Finding\n\n<script>x</script>", Cites: targets[:rng.IntN(len(targets))], ForReport: rng.IntN(2) == 0, Supersedes: sup})
	case 7, 8:
		inds := []string{"185.220.101.4", "evil.example", "https://evil.example/x", strings.Repeat("a", 64)}
		return st.PlanIOC(annotate.IOCDraft{Indicator: inds[rng.IntN(len(inds))], TLP: annotate.TLPLevels[rng.IntN(len(annotate.TLPLevels))], Comment: fmt.Sprint(rng.IntN(3))})
	default:
		inds := []string{"185.220.101.4", "evil.example"}
		return st.PlanUnlistIOC(inds[rng.IntN(len(inds))])
	}
}

func dump(s *annotate.State) string {
	b, _ := json.Marshal(map[string]any{"marks": s.Marks(""), "notes": s.Notes(), "iocs": s.IOCs(), "size": s.Size()})
	return string(b)
}
