package eventstore

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/s2"

	"github.com/casefile/casefile/enrich/indicator"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/parse"
)

// posting is what one run says about one indicator.
type posting struct {
	count       int64
	first, last int64 // unix ns, 0 when unknown
	// While a run is written or verified: the events mentioning it as
	// uvarint deltas, as encodePosting stores them (a byte or two per
	// event, not four), and the last of them.
	deltas  []byte
	lastSeq uint32
	seqs    []uint32 // when read back: the events mentioning it, ascending
}

// runWriter is the parse.Sink of a run: it encodes events into blocks,
// hashes them, and collects the indicator postings of each part of
// partEvents events in memory, writing them when the part is complete.
type runWriter struct {
	ctx      context.Context
	c        *evidence.Case
	id       [8]byte
	artefact evidence.Digest

	seq      uint32
	block    uint32
	buf      bytes.Buffer
	enc      []byte // the compressed block, reused: WriteDerived has copied it when it returns
	digest   hash.Hash
	mal      bytes.Buffer
	malBlock uint32
	malKept  int
	malCount int64
	first    []parse.Malformed
	postings map[string]*posting // type \x00 value, of the current part
	part     uint32
	distinct map[[16]byte]struct{} // every indicator of the run, hashed
	tmin     time.Time
	tmax     time.Time
	err      error

	// Events are encoded on every core while the parser goes on (see
	// encode.go): batch collects them, jobs hands them to the encoders,
	// order to the goroutine that stores them in sequence.
	batch   []parse.Event
	jobs    chan encodeJob
	order   chan chan *encodedBatch
	done    chan error
	failed  atomic.Bool
	stopped bool

	// The search index is built from the same batches in another
	// goroutine (the parse, the encoding and the index share the cores).
	search *searchWriter
	swork  chan []parse.Event
	sdone  chan error
}

const pipelineBatch = 256

func newRunWriter(ctx context.Context, c *evidence.Case, id [8]byte, d evidence.Digest) *runWriter {
	w := &runWriter{ctx: ctx, c: c, id: id, artefact: d, digest: sha256.New(), postings: map[string]*posting{}, distinct: map[[16]byte]struct{}{}}
	w.startEncoders()
	w.search = &searchWriter{c: c, id: id}
	w.swork, w.sdone = make(chan []parse.Event, 4), make(chan error, 1)
	go func() {
		var err error
		for b := range w.swork {
			for i := range b {
				if err == nil {
					if err = w.search.add(&b[i]); err != nil {
						w.failed.Store(true)
					}
				}
			}
		}
		w.sdone <- err
	}()
	return w
}

// Event implements parse.Sink.
func (w *runWriter) Event(e parse.Event) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	if w.failed.Load() {
		return errors.New("storing events failed")
	}
	w.batch = append(w.batch, e)
	if len(w.batch) == pipelineBatch {
		w.dispatch(w.batch)
		w.swork <- w.batch
		w.batch = make([]parse.Event, 0, pipelineBatch)
	}
	return nil
}

// stop ends the encoding goroutines and returns their error.
func (w *runWriter) stop() error {
	if w.stopped {
		return nil
	}
	w.stopped = true
	if len(w.batch) > 0 {
		w.dispatch(w.batch)
		w.swork <- w.batch
		w.batch = nil
	}
	close(w.jobs)
	close(w.order)
	close(w.swork)
	err, serr := <-w.done, <-w.sdone
	if err == nil {
		err = serr
	}
	return err
}

// store adds one encoded batch to the run in sequence: the lines to the
// current block, the postings, the time range.
func (w *runWriter) store(b *encodedBatch) error {
	line, key := 0, 0
	for i := range b.evs {
		w.buf.Write(b.lines[line:b.lineEnds[i]])
		line = b.lineEnds[i]
		var ts int64
		if t := b.evs[i].Time; !t.IsZero() {
			ts = t.UnixNano()
			if w.tmin.IsZero() || t.Before(w.tmin) {
				w.tmin = t
			}
			if t.After(w.tmax) {
				w.tmax = t
			}
		}
		for ; key < b.eventKeys[i]; key++ {
			from := 0
			if key > 0 {
				from = b.keyEnds[key-1]
			}
			notePosting(w.postings, b.keys[from:b.keyEnds[key]], w.seq, ts)
		}
		w.seq++
		if w.seq%partEvents == 0 {
			if err := w.writePart(false); err != nil {
				return err
			}
		}
		if w.seq%blockEvents == 0 {
			if err := w.flushBlock(); err != nil {
				return err
			}
		}
	}
	return nil
}

// EventIndicators lists the indicators an event mentions: those of its
// source, user and fields, and its destination address.
func EventIndicators(e *parse.Event) []indicator.Indicator {
	var x indicator.Extractor
	return eventIndicators(&x, e)
}

// eventIndicators is EventIndicators with x's memory of hosts.
func eventIndicators(x *indicator.Extractor, e *parse.Event) []indicator.Indicator {
	inds := x.FromFields(e.Src, e.SrcService, e.User, e.Fields)
	if e.Dst != "" {
		if a, ok := indicator.NormalizeIP(e.Dst); ok {
			v := a.String()
			if !slices.Contains(inds, indicator.Indicator{Type: indicator.TypeIP, Value: v}) {
				inds = append(inds, indicator.Indicator{Type: indicator.TypeIP, Value: v})
			}
		}
	}
	return inds
}

// notePostings adds event seq to the postings of every indicator e
// mentions (what Verify recomputes; the writer does the same from the keys
// its encoders prepared).
func notePostings(postings map[string]*posting, e *parse.Event, seq uint32) {
	var ts int64
	if !e.Time.IsZero() {
		ts = e.Time.UnixNano()
	}
	var k []byte
	for _, ind := range EventIndicators(e) {
		k = appendIndicatorKey(k[:0], ind)
		notePosting(postings, k, seq, ts)
	}
}

// appendIndicatorKey appends the postings key of ind: type \x00 value.
func appendIndicatorKey(dst []byte, ind indicator.Indicator) []byte {
	dst = append(dst, ind.Type...)
	dst = append(dst, 0)
	return append(dst, ind.Value...)
}

// notePosting adds event seq, at ts (unix ns, 0 when unknown), to the
// posting of the indicator keyed k.
func notePosting(postings map[string]*posting, k []byte, seq uint32, ts int64) {
	p := postings[string(k)]
	if p == nil {
		p = &posting{}
		postings[string(k)] = p
	}
	p.deltas = binary.AppendUvarint(p.deltas, uint64(seq-p.lastSeq))
	p.count++
	p.lastSeq = seq
	if ts != 0 {
		if p.first == 0 || ts < p.first {
			p.first = ts
		}
		p.last = max(p.last, ts)
	}
}

// Malformed implements parse.Sink.
func (w *runWriter) Malformed(m parse.Malformed) {
	w.malCount++
	if len(w.first) < firstReported {
		w.first = append(w.first, m)
	}
	if w.malKept >= maxMalformed || w.err != nil {
		return
	}
	w.malKept++
	b, _ := json.Marshal(m)
	w.mal.Write(b)
	w.mal.WriteByte('\n')
	if w.malKept%blockEvents == 0 {
		w.err = w.writeMalformed()
	}
}

func (w *runWriter) writeMalformed() error {
	if w.mal.Len() == 0 {
		return nil
	}
	err := w.c.WriteDerived([]evidence.Op{{Key: blockKey(prefixMalformed, w.id, w.malBlock), Value: bytes.Clone(w.mal.Bytes()), Bulk: true}}, false)
	w.malBlock++
	w.mal.Reset()
	return err
}

func (w *runWriter) flushBlock() error {
	if w.buf.Len() == 0 {
		return nil
	}
	w.digest.Write(w.buf.Bytes()) // the digest is of every line in order: a block at a time
	w.enc = s2.Encode(w.enc[:cap(w.enc)], w.buf.Bytes())
	err := w.c.WriteDerived([]evidence.Op{{Key: blockKey(prefixBlock, w.id, w.block), Value: w.enc, Bulk: true}}, false)
	w.block++
	w.buf.Reset()
	return err
}

// flush writes the last blocks and makes everything durable.
func (w *runWriter) flush() error {
	if err := w.stop(); err != nil {
		return err
	}
	if w.err != nil {
		return w.err
	}
	if err := w.flushBlock(); err != nil {
		return err
	}
	if err := w.writeMalformed(); err != nil {
		return err
	}
	return w.c.WriteDerived(nil, true)
}

// writePostings stores the last part of the run's postings and makes
// them all durable.
func (w *runWriter) writePostings() error { return w.writePart(true) }

// writePart stores the postings of the current part, one key per
// indicator, in batches, and starts the next part.
func (w *runWriter) writePart(durable bool) error {
	keys := make([]string, 0, len(w.postings))
	for k := range w.postings {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	ops := make([]evidence.Op, 0, min(len(keys), opsPerWrite))
	for _, k := range keys {
		typ, val, _ := strings.Cut(k, "\x00")
		ops = append(ops, evidence.Op{Key: partKey(indicator.Type(typ), val, w.id, w.part), Value: encodePosting(w.postings[k]), Bulk: true})
		w.distinct[indicatorHash(k)] = struct{}{}
		if len(ops) == opsPerWrite {
			if err := w.c.WriteDerived(ops, false); err != nil {
				return err
			}
			ops = ops[:0]
		}
	}
	w.part++
	w.postings = make(map[string]*posting)
	return w.c.WriteDerived(ops, durable)
}

// indicatorHash stands for an indicator ("type\x00value") when counting
// distinct ones: 16 bytes of its SHA-256.
func indicatorHash(k string) [16]byte {
	sum := sha256.Sum256([]byte(k))
	return [16]byte(sum[:16])
}

func (w *runWriter) run(res parse.Result, o ParseOptions) *Run {
	loc := "UTC (assumed: the log does not say)"
	if o.Location != nil {
		loc = o.Location.String()
	}
	name, _ := evidence.EscapeName(o.Name) // as the artefact.ingested entry records it
	r := &Run{
		ID: hex.EncodeToString(w.id[:]), Artefact: w.artefact.String(), Name: name,
		Parser: res.Parser, ParserVersion: res.Version, Format: o.Format, Gzip: res.Gzip,
		TimeZone: loc, Events: res.Stats.Events, Malformed: w.malCount, Truncated: res.Stats.Truncated,
		Lines: res.Stats.Lines, Records: res.Stats.Records, Indicators: len(w.distinct), IndexVersion: IndexVersion,
		Digest: "sha256:" + hex.EncodeToString(w.digest.Sum(nil)), FirstSeen: fmtTime(w.tmin), LastSeen: fmtTime(w.tmax),
		FirstProblems: w.first, AfterModTime: res.AfterModTime, AfterReceived: res.AfterReceived,
	}
	if r.Format == "" {
		r.Format = "auto"
	}
	switch {
	case o.Year != 0:
		r.Year, r.YearSource = o.Year, "--year"
	case !o.ModTime.IsZero():
		r.YearSource = "file modification time " + o.ModTime.UTC().Format(time.RFC3339)
	}
	r.Summary = fmt.Sprintf("%s/%d read %s: %d events, %d malformed, %d distinct indicators", r.Parser, r.ParserVersion, r.Name, r.Events, r.Malformed, r.Indicators)
	return r
}

// encodePosting: uvarint count, varint first, varint last, uvarint n, then
// n uvarint deltas of event sequence numbers (the first from 0), of a
// posting built by notePostings (n = count).
func encodePosting(p *posting) []byte {
	b := make([]byte, 0, 32+len(p.deltas))
	b = binary.AppendUvarint(b, uint64(p.count))
	b = binary.AppendVarint(b, p.first)
	b = binary.AppendVarint(b, p.last)
	b = binary.AppendUvarint(b, uint64(p.count))
	return append(b, p.deltas...)
}

func decodePosting(b []byte, withSeqs bool) (*posting, error) {
	p := &posting{}
	var n int
	read := func() (uint64, bool) {
		v, k := binary.Uvarint(b[n:])
		n += max(k, 0)
		return v, k > 0
	}
	readS := func() (int64, bool) {
		v, k := binary.Varint(b[n:])
		n += max(k, 0)
		return v, k > 0
	}
	c, ok1 := read()
	f, ok2 := readS()
	l, ok3 := readS()
	cnt, ok4 := read()
	if !(ok1 && ok2 && ok3 && ok4) || cnt > uint64(len(b)) {
		return nil, fmt.Errorf("posting: malformed")
	}
	p.count, p.first, p.last = int64(c), f, l
	if !withSeqs {
		return p, nil
	}
	p.seqs = make([]uint32, 0, cnt)
	prev := uint64(0)
	for range cnt {
		d, ok := read()
		if !ok {
			return nil, fmt.Errorf("posting: truncated")
		}
		prev += d
		p.seqs = append(p.seqs, uint32(prev))
	}
	return p, nil
}

// gunzipHead decompresses the start of a gzip stream for detection.
func gunzipHead(head []byte) ([]byte, error) {
	if len(head) < 2 || head[0] != 0x1f || head[1] != 0x8b {
		return nil, fmt.Errorf("not gzip")
	}
	zr, err := gzip.NewReader(bytes.NewReader(head))
	if err != nil {
		return nil, err
	}
	out, err := io.ReadAll(io.LimitReader(zr, int64(parse.HeadSize)))
	if len(out) > 0 {
		return out, nil
	}
	return nil, err
}
