package intake

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/parse"
)

// Twin names the artefact already in the case that a new one repeats.
type Twin struct {
	Artefact evidence.Digest `json:"artefact"`
	Name     string          `json:"name"`  // as first recorded
	Entry    uint64          `json:"entry"` // its first ingest entry
	How      string          `json:"how"`   // what is the same, in words
}

// Warning says it for the examiner.
func (t *Twin) Warning() string {
	return fmt.Sprintf("the same content as %q (entry #%d, %s): %s", t.Name, t.Entry, t.Artefact, t.How)
}

// plainInfo is what an artefact holds once decompressed: the SHA-256 and
// size of its decompressed bytes, or its own when it is not gzip.
type plainInfo struct {
	digest evidence.Digest
	size   int64
	gzip   bool
}

// findTwin looks for an artefact of the case, other than the new one,
// with the same decompressed bytes, then (for Zeek logs) with the same
// events.
func (s *Service) findTwin(ctx context.Context, res *evidence.IngestResult, req Request) (*Twin, error) {
	s.twin.Lock() // one search at a time: it reads the shared index
	defer s.twin.Unlock()
	idx, err := s.artefacts()
	if err != nil {
		return nil, err
	}
	mine, err := s.plainOf(res.Digest)
	if err != nil {
		return nil, err
	}
	for _, a := range idx.All() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if a.Digest == res.Digest {
			continue
		}
		if mine.gzip && a.Digest == mine.digest {
			return twinOf(a, "decompressed, this file is that one byte for byte"), nil
		}
		if !s.maybeGzipOf(a.Digest, mine.size) {
			continue
		}
		theirs, err := s.plainOf(a.Digest)
		if err != nil {
			return nil, err
		}
		if theirs.gzip && theirs.digest == mine.digest {
			how := "that one is this file gzip-compressed"
			if mine.gzip {
				how = "both decompress to the same bytes"
			}
			return twinOf(a, how), nil
		}
	}
	return s.eventTwin(ctx, res, req, idx)
}

// artefacts brings the service's artefact index up to date, reading only
// the entries appended since it last did, and returns it. The caller
// holds s.twin.
func (s *Service) artefacts() (*evidence.ArtefactIndex, error) {
	for e, err := range s.c.Walk(s.indexed, 0) {
		if err != nil {
			return nil, err
		}
		s.index.Add(e) // a bad entry is verification's to report
		s.indexed = e.Index + 1
	}
	return s.index, nil
}

func twinOf(a *evidence.IndexedArtefact, how string) *Twin {
	return &Twin{Artefact: a.Digest, Name: a.First().Name, Entry: a.First().Entry, How: how}
}

// maybeGzipOf is a cheap test that artefact d may be gzip of size bytes:
// it starts with the gzip magic and its trailer's ISIZE (the size mod
// 2^32) matches.
func (s *Service) maybeGzipOf(d evidence.Digest, size int64) bool {
	s.mu.Lock()
	p, ok := s.plain[d]
	s.mu.Unlock()
	if ok {
		return p.gzip && p.size == size
	}
	ar, err := s.c.OpenArtefact(d)
	if err != nil || ar.Size() < 18 {
		return false
	}
	var head [2]byte
	var tail [4]byte
	if _, err := ar.ReadAt(head[:], 0); err != nil || head != [2]byte{0x1f, 0x8b} {
		return false
	}
	if _, err := ar.ReadAt(tail[:], ar.Size()-4); err != nil {
		return false
	}
	return binary.LittleEndian.Uint32(tail[:]) == uint32(size)
}

// plainOf returns artefact d's decompressed digest and size (its own when
// it is not gzip), computing it once.
func (s *Service) plainOf(d evidence.Digest) (plainInfo, error) {
	s.mu.Lock()
	p, ok := s.plain[d]
	s.mu.Unlock()
	if ok {
		return p, nil
	}
	ar, err := s.c.OpenArtefact(d)
	if err != nil {
		return p, err
	}
	p = plainInfo{digest: d, size: ar.Size()}
	var head [2]byte
	if n, _ := ar.ReadAt(head[:], 0); n == 2 && head == [2]byte{0x1f, 0x8b} {
		if zr, err := gzip.NewReader(ar); err == nil {
			h := sha256.New()
			if n, err := io.Copy(h, zr); err == nil {
				p = plainInfo{digest: evidence.Digest(h.Sum(nil)), size: n, gzip: true}
			}
		}
		// A damaged gzip stream is no twin of anything: it stays itself.
	}
	s.mu.Lock()
	s.plain[d] = p
	s.mu.Unlock()
	return p, nil
}

// eventTwin compares a new Zeek log's events with those of the Zeek logs
// of the same name (ssh.log, ssh.json, ssh.log.gz) already parsed: Zeek
// writes the same records as TSV or JSON, and the events Casefile reads
// from both are the same but for the fields only one format carries.
func (s *Service) eventTwin(ctx context.Context, res *evidence.IngestResult, req Request, idx *evidence.ArtefactIndex) (*Twin, error) {
	stem := zeekStem(req.Meta.Name)
	if stem == "" || req.Parse.Format != "" && req.Parse.Format != "auto" && req.Parse.Format != "zeek" {
		return nil, nil
	}
	runs, err := s.events.Current()
	if err != nil {
		return nil, err
	}
	var cands []*eventstore.Run
	for _, r := range runs {
		d, err := evidence.ParseDigest(r.Artefact)
		if err != nil || d == res.Digest || r.Parser != "zeek" || idx.Get(d) == nil {
			continue
		}
		if zeekStem(r.Name) == stem || zeekStem(idx.Get(d).First().Name) == stem {
			cands = append(cands, r)
		}
	}
	if len(cands) == 0 {
		return nil, nil
	}
	mine, n, err := s.dryDigest(res.Digest, req)
	if err != nil || n == 0 {
		return nil, err // not a Zeek log after all: the parse says so
	}
	for _, r := range cands {
		if r.Events != n {
			continue
		}
		d, _ := evidence.ParseDigest(r.Artefact)
		theirs, err := s.storedDigest(ctx, d)
		if err != nil {
			return nil, err
		}
		if theirs == mine {
			return twinOf(idx.Get(d), fmt.Sprintf("the same %d events, written in another Zeek format", n)), nil
		}
	}
	return nil, nil
}

// zeekStem is the log name a Zeek file is written under ("ssh" for
// ssh.log, ssh.json.gz, ssh.2018-03-24.log), "" for other names.
func zeekStem(name string) string {
	n := strings.ToLower(name)
	n = strings.TrimSuffix(n, ".gz")
	if !strings.HasSuffix(n, ".log") && !strings.HasSuffix(n, ".json") {
		return ""
	}
	stem, _, _ := strings.Cut(n, ".")
	return stem
}

// normSink hashes the events it is given, in order, by the fields both of
// Zeek's formats carry (NormalEvent).
type normSink struct {
	h    io.Writer
	n    int64
	line []byte
}

func (s *normSink) Event(e parse.Event) error {
	s.line = appendNormal(s.line[:0], &e)
	s.h.Write(s.line)
	s.n++
	return nil
}
func (s *normSink) Malformed(parse.Malformed) {}

// appendNormal writes what makes an event the same event whatever format
// it was read from: its instant, kind, action, outcome, endpoints and
// user; not its citation (which file, which line) nor its raw fields.
func appendNormal(b []byte, e *parse.Event) []byte {
	b = strconv.AppendInt(b, e.Time.UnixNano(), 10)
	for _, f := range []string{e.Kind, e.Action, e.Outcome, e.Src, strconv.Itoa(e.SrcPort), e.Dst, strconv.Itoa(e.DstPort), e.User} {
		b = append(b, 0)
		b = append(b, f...)
	}
	return append(b, '\n')
}

// dryDigest parses artefact d as Zeek without recording anything and
// returns the digest of its normalised events and their number.
func (s *Service) dryDigest(d evidence.Digest, req Request) (string, int64, error) {
	ar, err := s.c.OpenArtefact(d)
	if err != nil {
		return "", 0, err
	}
	h := sha256.New()
	sink := &normSink{h: h}
	_, err = parse.Run(ar, "zeek", parse.Options{Artefact: d.String(), Name: req.Meta.Name, Location: req.Parse.Location}, sink)
	if err != nil {
		return "", 0, nil // not readable as Zeek: no twin
	}
	return hex.EncodeToString(h.Sum(nil)), sink.n, nil
}

// storedDigest is the digest of the normalised events already stored for
// artefact d, computed once.
func (s *Service) storedDigest(ctx context.Context, d evidence.Digest) (string, error) {
	s.mu.Lock()
	v, ok := s.norm[d]
	s.mu.Unlock()
	if ok {
		return v, nil
	}
	h := sha256.New()
	sink := &normSink{h: h}
	err := s.events.Events(eventstore.Query{Artefact: d.String()}, func(e *parse.Event) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return sink.Event(*e)
	})
	if err != nil {
		return "", err
	}
	v = hex.EncodeToString(h.Sum(nil))
	s.mu.Lock()
	s.norm[d] = v
	s.mu.Unlock()
	return v, nil
}
