package eventstore

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/klauspost/compress/s2"

	"github.com/casefile/casefile/enrich/indicator"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/parse"
	"github.com/casefile/casefile/evidence/rawtext"
)

// errStop ends a scan early without an error.
var errStop = errors.New("stop")

// Query selects events. The zero value selects every event.
type Query struct {
	Indicator string    // an indicator value as typed (normalised here)
	Artefact  string    // "sha256:<hex>" or hex
	Kind      string    // event kind
	Outcome   string    // success, failure, unknown
	From, To  time.Time // inclusive bounds on the event time
	Offset    int       // skip this many matching events
	Limit     int       // stop after this many (0: no limit)
}

func (q Query) match(e *parse.Event) bool {
	if q.Kind != "" && e.Kind != q.Kind || q.Outcome != "" && e.Outcome != q.Outcome {
		return false
	}
	if !q.From.IsZero() && e.Time.Before(q.From) || !q.To.IsZero() && e.Time.After(q.To) {
		return false
	}
	return true
}

// Events calls fn for every event q selects, in the order the artefacts
// were parsed and, within one, in input order. Only each artefact's current
// run counts.
func (s *Store) Events(q Query, fn func(*parse.Event) error) error {
	runs, err := s.Current()
	if err != nil {
		return err
	}
	if q.Artefact != "" {
		d, err := evidence.ParseDigest(q.Artefact)
		if err != nil {
			return err
		}
		runs = filterRuns(runs, func(r *Run) bool { return r.Artefact == d.String() })
	}
	skipped, sent := 0, 0
	emit := func(e *parse.Event) error {
		if !q.match(e) {
			return nil
		}
		if skipped < q.Offset {
			skipped++
			return nil
		}
		if err := fn(e); err != nil {
			return err
		}
		sent++
		if q.Limit > 0 && sent >= q.Limit {
			return errStop
		}
		return nil
	}
	if q.Indicator == "" {
		plain := q.Kind == "" && q.Outcome == "" && q.From.IsZero() && q.To.IsZero()
		for _, r := range runs {
			skip := 0
			if plain && skipped < q.Offset {
				// Unfiltered: whole runs and blocks are skipped by count.
				if int64(q.Offset-skipped) >= r.Events {
					skipped += int(r.Events)
					continue
				}
				skip = q.Offset - skipped
				skipped = q.Offset
			}
			if err := s.scanRun(r, skip, q, emit); err != nil {
				return stopOK(err)
			}
		}
		return nil
	}
	keys := s.resolve(q.Indicator)
	for _, r := range runs {
		id := r.id()
		for _, k := range keys {
			if r.parted() {
				err := s.c.Derived().Scan(partPrefix(k.Type, k.Value, id), nil, func(_, v []byte) error {
					p, err := decodePosting(v, true)
					if err != nil {
						return err
					}
					return s.pick(id, p.seqs, emit)
				})
				if err != nil {
					return stopOK(err)
				}
				continue
			}
			raw, err := s.c.Derived().Get(postingKey(k.Type, k.Value, id))
			if errors.Is(err, evidence.ErrNotFound) {
				continue
			} else if err != nil {
				return err
			}
			p, err := decodePosting(raw, true)
			if err != nil {
				return err
			}
			if err := s.pick(id, p.seqs, emit); err != nil {
				return stopOK(err)
			}
		}
	}
	return nil
}

func stopOK(err error) error {
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

func filterRuns(runs []*Run, keep func(*Run) bool) []*Run {
	var out []*Run
	for _, r := range runs {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// resolve turns a typed value into the indicators it can be: an address is
// normalised; anything else is looked up as written and in lower case, in
// each stored form it may stand for (rawtext.Forms: the bytes as typed, or
// the \xHH form that events and indicators show).
func (s *Store) resolve(v string) []indicator.Indicator {
	if a, ok := indicator.NormalizeIP(v); ok {
		return []indicator.Indicator{{Type: indicator.TypeIP, Value: a.String()}}
	}
	var out []indicator.Indicator
	cands := indicatorForms(v)
	for _, t := range []indicator.Type{indicator.TypeDomain, indicator.TypeURL, indicator.TypeEmail, indicator.TypeUser,
		indicator.TypeSSHKey, indicator.TypeUserAgent, indicator.TypeHash, indicator.TypeService} {
		for _, c := range cands {
			found := false
			for _, prefix := range [][]byte{postingKey(t, c, [8]byte{}), partPrefix(t, c, [8]byte{})} {
				s.c.Derived().Keys(prefix[:len(prefix)-8], nil, func([]byte) error { found = true; return errStop })
			}
			if found {
				out = append(out, indicator.Indicator{Type: t, Value: c})
				break
			}
		}
	}
	return out
}

// indicatorForms are the values a typed non-address indicator is looked
// up as: as written and in lower case, in each stored form.
func indicatorForms(v string) []string {
	var cands []string
	for _, f := range rawtext.Forms(v) {
		for _, c := range []string{f, strings.ToLower(f)} {
			if !contains(cands, c) {
				cands = append(cands, c)
			}
		}
	}
	return cands
}

// scanRun emits the events of one run, skipping the first skip without
// decoding them, and decoding only lines that can match q's kind and
// outcome.
func (s *Store) scanRun(r *Run, skip int, q Query, fn func(*parse.Event) error) error {
	id := r.id()
	start := blockKey(prefixBlock, id, uint32(skip/blockEvents))
	skip %= blockEvents
	var kind, outcome []byte
	if q.Kind != "" {
		kind = []byte(`"kind":"` + q.Kind + `"`)
	}
	if q.Outcome != "" {
		outcome = []byte(`"outcome":"` + q.Outcome + `"`)
	}
	dec := parse.NewEventDecoder()
	return s.c.Derived().Scan(append(bytes.Clone(prefixBlock), id[:]...), start, func(_, v []byte) error {
		lines, err := blockLines(v)
		if err != nil {
			return err
		}
		if skip > 0 {
			lines = lines[min(skip, len(lines)):]
			skip = 0
		}
		for _, line := range lines {
			if kind != nil && !bytes.Contains(line, kind) || outcome != nil && !bytes.Contains(line, outcome) {
				continue
			}
			var e parse.Event
			if err := dec.Decode(line, &e); err != nil {
				return fmt.Errorf("event block: %w", err)
			}
			if err := fn(&e); err != nil {
				return err
			}
		}
		return nil
	})
}

// pick emits the events with the given sequence numbers of one run,
// decoding only those lines (each block is decompressed once, into one
// reused buffer, and the line found by its newlines).
func (s *Store) pick(id [8]byte, seqs []uint32, fn func(*parse.Event) error) error {
	var cur = ^uint32(0)
	var raw []byte
	pos, at := 0, 0 // raw[pos:] starts line at
	dec := parse.NewEventDecoder()
	for _, seq := range seqs {
		b := seq / blockEvents
		i := int(seq % blockEvents)
		if b != cur || i < at {
			v, err := s.c.Derived().Get(blockKey(prefixBlock, id, b))
			if err != nil {
				return fmt.Errorf("event block %d of run %x: %w", b, id, err)
			}
			if raw, err = s2.Decode(raw[:cap(raw)], v); err != nil {
				return fmt.Errorf("event block: %w", err)
			}
			cur, pos, at = b, 0, 0
		}
		for at < i && pos < len(raw) {
			nl := bytes.IndexByte(raw[pos:], '\n')
			if nl < 0 {
				pos = len(raw)
				break
			}
			pos += nl + 1
			at++
		}
		end := bytes.IndexByte(raw[pos:], '\n')
		if at != i || pos >= len(raw) || end <= 0 {
			return fmt.Errorf("event %d of run %x is missing", seq, id)
		}
		var e parse.Event
		if err := dec.Decode(raw[pos:pos+end], &e); err != nil {
			return fmt.Errorf("event block: %w", err)
		}
		if err := fn(&e); err != nil {
			return err
		}
	}
	return nil
}

// blockLines decompresses a block and splits it into its JSON lines.
func blockLines(v []byte) ([][]byte, error) {
	raw, err := s2.Decode(nil, v)
	if err != nil {
		return nil, fmt.Errorf("event block: %w", err)
	}
	var lines [][]byte
	eachLine(raw, func(line []byte) error {
		lines = append(lines, line)
		return nil
	})
	return lines, nil
}

// eachLine gives fn each line of a decompressed block: the lines between
// its newlines, the block's last newline ending the last one.
func eachLine(raw []byte, fn func(line []byte) error) error {
	body := bytes.TrimSuffix(raw, []byte("\n"))
	if len(body) == 0 {
		return nil
	}
	for {
		nl := bytes.IndexByte(body, '\n')
		if nl < 0 {
			return fn(body)
		}
		if err := fn(body[:nl]); err != nil {
			return err
		}
		body = body[nl+1:]
	}
}

// Summary is what the case knows about one indicator, merged over every
// committed parse run.
type Summary struct {
	Type      indicator.Type `json:"type"`
	Value     string         `json:"value"`
	Count     int64          `json:"count"`
	FirstSeen time.Time      `json:"first_seen,omitzero"`
	LastSeen  time.Time      `json:"last_seen,omitzero"`
	Special   string         `json:"special"`
	Artefacts []string       `json:"artefacts"`
}

// Indicators returns every indicator of the case, most frequent first
// (EachIndicator, all held at once).
func (s *Store) Indicators() ([]*Summary, error) {
	var out []*Summary
	err := s.eachIndicator(math.MaxInt, func(x *Summary) error {
		out = append(out, x)
		return nil
	})
	return out, err
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
