package attrib

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"runtime"
	"slices"

	"github.com/casefile/casefile/evidence/parse"
	"github.com/casefile/casefile/graph/sigma"
)

// DefaultShardSources is the number of sources of one shard of an
// assessment (Input.ShardSources): about 200 MiB of aggregates, beside
// the census's 200–300 MiB, within the 1 GiB a case of a million sources
// is to be assessed in (issue 18). One pass, which holds the Sigma groups
// too, gives up at half of it.
const DefaultShardSources = 500_000

// maxShards bounds the passes of a sharded assessment: past it, shards
// grow rather than the time.
const maxShards = 64

// A sharded assessment. A case of a million sources cannot hold every
// source's aggregate at once (some 600 bytes each, with the Sigma groups),
// so past half Input.ShardSources sources Prepare starts again and reads
// the events once more, for the last time:
//
//   - the census: every event, every rule (the aggregate rules' groups are
//     the census's only large memory), the identities behind the
//     cross-source factors exactly as one pass records them, and per source
//     only its name, type and number of events; domain names are folded
//     whole, because whether one was hostile decides how the addresses
//     that served it are judged (hostileName), before any is judged. Every
//     event naming another source is written, with the plain rules it
//     matched, to the temporary file of that source's bucket
//     (eventcodec.go);
//   - K shard passes, K = sources / ShardSources rounded up: pass k folds
//     the sources of its buckets from their files (the plain rules' hits,
//     then the census's detections about them), judges them busiest first,
//     and writes their assessments to a temporary file;
//   - Each merges the K files in the order of Result.Sources.
//
// Sources are numbered in the census as one pass numbers them, and every
// source is folded from the same events in the same order, so the result
// is the one pass's, byte for byte (TestShardedAssessmentSame).
type sharded struct {
	c       *census
	n       int // shards
	rules   *sigma.Engine
	seed    maphash.Seed
	tempDir string
	files   [shardBuckets]*eventFile
}

// shardBuckets is the number of files the census writes events to: shard
// k of n folds the sources of the buckets b with b*n/shardBuckets == k.
const shardBuckets = maxShards

// census is what the census keeps of every source, by source number.
type census struct {
	keys   []string
	typs   []string
	events []int64        // events of the sources not folded whole
	full   map[int32]*agg // domain names, folded whole
	index  map[string]int32
}

func (c *census) eventsOf(i int32) int64 {
	if g := c.full[i]; g != nil {
		return g.events
	}
	return c.events[i]
}

// shardPass is one pass of a sharded assessment: the census, or shard k
// of n.
type shardPass struct {
	census bool
	c      *census
	sh     *sharded
	aggs   []*agg // shard pass: the shard's sources folded so far, by source number
	folded []bool // shard pass: by source number, whether it folds the source
	err    error
	pend   []uint64 // census: the sources of the current event to write, as eventEnc numbers them
}

func (s *sharded) bucketOf(key string) int {
	return int(maphash.String(s.seed, key) % shardBuckets)
}

func (s *sharded) shardOf(key string) int { return s.bucketOf(key) * s.n / shardBuckets }

// folds reports whether shard pass p folds source i.
func (p *shardPass) folds(i int32) bool { return p.folded[i] }

func (p *shardPass) agg(i int32) *agg {
	g := p.aggs[i]
	if g == nil {
		g = &agg{key: p.c.keys[i], typ: p.c.typs[i]}
		p.aggs[i] = g
	}
	return g
}

// source numbers a source in the census; g is its aggregate when it is
// folded whole there (a domain name), else nil.
func (p *shardPass) source(key, typ string) (int32, *agg) {
	c := p.c
	if i, ok := c.index[key]; ok {
		return i, c.full[i]
	}
	i := int32(len(c.keys))
	c.index[key] = i
	c.keys, c.typs, c.events = append(c.keys, key), append(c.typs, typ), append(c.events, 0)
	if typ != "domain" {
		return i, nil
	}
	g := &agg{key: key, typ: typ}
	c.full[i] = g
	return i, g
}

// emit counts an event of source key in the census: folded there when
// the source is a domain name, else counted and kept for write.
func (p *shardPass) emit(a *aggregator, key, typ string, e *parse.Event, inbound bool) {
	i, g := p.source(key, typ)
	if g != nil {
		a.fold(i, g, e, inbound)
		return
	}
	p.c.events[i]++
	if usesIdentity(e, inbound) {
		a.identities(i, nil, e)
	}
	n := uint64(i) << 1
	if inbound {
		n |= 1
	}
	p.pend = append(p.pend, n)
}

// write writes e, with the plain rules it matched, to the files of the
// buckets of the sources emit kept, one record per bucket.
func (p *shardPass) write(a *aggregator, e *parse.Event) {
	sh := p.sh
	for len(p.pend) > 0 {
		b := sh.bucketOf(p.c.keys[p.pend[0]>>1])
		var srcs [4]uint64
		mine, rest := srcs[:0], p.pend[:0]
		for _, n := range p.pend {
			if sh.bucketOf(p.c.keys[n>>1]) == b {
				mine = append(mine, n)
			} else {
				rest = append(rest, n)
			}
		}
		p.pend = rest
		if p.err != nil {
			continue
		}
		f, err := sh.file(b)
		if err == nil {
			err = f.write(mine, a.hitNumbers(), p.c.keys[mine[0]>>1], e)
		}
		p.err = err
	}
}

// prepareSharded is Prepare for a case of more than limit sources (only
// nil): the census, then what the sources' assessments share.
func prepareSharded(m *Model, r *resolved, in *Input, rules *sigma.Engine, limit int) (*Pending, error) {
	c := &census{full: map[int32]*agg{}, index: map[string]int32{}}
	sh := &sharded{c: c, rules: rules, seed: maphash.MakeSeed(), tempDir: in.TempDir}
	a := newAggregator(r, in, rules)
	defer a.run.Close()
	a.pass = &shardPass{census: true, c: c, sh: sh}
	ok := false
	defer func() {
		if !ok {
			sh.closeFiles()
		}
	}()
	a.feed(in, 0)
	if a.pass.err != nil {
		return nil, a.pass.err
	}
	if err := a.pass.censusDetections(a); err != nil {
		return nil, err
	}
	notEvaluated := a.notEvaluated()
	p := &Pending{r: r, in: in, release: true, sh: sh, obs: in.observed(), cov: newCoverage(in.Datasets, r),
		head: Result{Model: m.Version, ModelDigest: m.Digest(), Rules: rules.Name(), RulesDigest: rules.Digest(), NotEvaluated: notEvaluated}}
	if err := p.readObserved(a); err != nil {
		return nil, err
	}
	sh.n = min(max(1, (len(c.keys)-len(c.full)+limit-1)/limit), maxShards)
	p.keys = c.keys
	p.cross = append(p.cross, make([]crossFacts, len(c.keys)-len(p.cross))...)
	p.cr = crossSource(r, a.recs, a.idNames, p.keys, p.cross)
	a.recs, a.idNames, a.idIndex, a.matIndex = nil, nil, nil, nil
	p.hostileName = map[string]bool{}
	for i, g := range c.full {
		f, err := p.factsFor(i, g.key, g.typ)
		if err != nil {
			return nil, err
		}
		if hostileContact(g, hitsOf(r, in, g, f, &p.cr, i, p.keys)) {
			p.hostileName[g.key] = true
		}
	}
	// Every source is judged: every campaign is the result's, in order.
	used := map[int]bool{}
	for _, ci := range p.cr.campaignOf {
		used[ci] = true
	}
	for ci, cp := range p.cr.campaigns {
		if used[ci] {
			p.head.Campaigns = append(p.head.Campaigns, cp)
		}
	}
	ok = true
	runtime.AddCleanup(p, (*sharded).closeFiles, sh) // should Each never be called
	return p, nil
}

// eachSharded is Each of a sharded assessment: the shard passes, then the
// merge of their results.
func (p *Pending) eachSharded(fn func(s *Source) error) error {
	sh := p.sh
	files := make([]*os.File, 0, sh.n)
	defer func() {
		sh.closeFiles()
		for _, f := range files {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	for k := range sh.n {
		f, err := os.CreateTemp(sh.tempDir, "casefile-assess-*")
		if err != nil {
			return fmt.Errorf("attrib: cannot create a temporary file for the assessment (set TMPDIR to a directory with room): %w", err)
		}
		files = append(files, f)
		os.Remove(f.Name()) // gone with the process where the system allows it; else removed below
		if err := p.judgeShard(k, f); err != nil {
			return err
		}
	}
	return mergeShards(files, fn)
}

// judgeShard folds the sources of shard k from its buckets' events,
// judges them busiest first and writes their assessments to f, each
// behind its length in the binary form of shardcodec.go.
func (p *Pending) judgeShard(k int, f *os.File) error {
	sh, c := p.sh, p.sh.c
	a := newAggregator(p.r, p.in, sh.rules)
	defer a.run.Close()
	pass := &shardPass{c: c, sh: sh, aggs: make([]*agg, len(c.keys))}
	a.pass = pass
	var mine []int32 // the sources judged in this pass
	pass.folded = make([]bool, len(c.keys))
	for i := range c.keys {
		if sh.shardOf(c.keys[i]) == k {
			mine = append(mine, int32(i))
			pass.folded[i] = c.full[int32(i)] == nil
		}
	}
	var files []*eventFile
	for b, ef := range sh.files {
		if ef != nil && b*sh.n/shardBuckets == k {
			files = append(files, ef)
		}
	}
	dets, err := pass.replay(a, files)
	if err != nil {
		return err
	}
	for b := range sh.files {
		if b*sh.n/shardBuckets == k {
			sh.closeFile(b)
		}
	}
	// The detections after every event, each source's in Finish's order.
	slices.SortFunc(dets, func(x, y detected) int { return cmpDetected(&x, &y) })
	for i := range dets {
		a.applyDetection(pass.agg(dets[i].src), &dets[i])
	}
	slices.SortFunc(mine, func(x, y int32) int {
		return cmp.Or(cmp.Compare(c.eventsOf(y), c.eventsOf(x)), cmp.Compare(c.keys[x], c.keys[y]))
	})
	w := bufio.NewWriterSize(f, 1<<20)
	var rec, head []byte // a source's encoding (shardcodec.go), its length
	err = judgeInOrder(len(mine), func(k int) (Source, error) {
		i := mine[k]
		g := c.full[i]
		if g == nil {
			if g = pass.aggs[i]; g == nil {
				g = &agg{key: c.keys[i], typ: c.typs[i]} // no event of it in this pass
			}
			if g.events != c.events[i] {
				return Source{}, errDamaged // the files do not hold the events the census counted
			}
		}
		return p.judge(i, g)
	}, func(k int, s *Source) error {
		i := mine[k]
		pass.aggs[i] = nil
		delete(c.full, i)
		rec = AppendSource(rec[:0], s)
		w.Write(binary.AppendUvarint(head[:0], uint64(len(rec))))
		if _, err := w.Write(rec); err != nil {
			return fmt.Errorf("attrib: writing the assessment to a temporary file: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("attrib: writing the assessment to a temporary file: %w", err)
	}
	_, err = f.Seek(0, io.SeekStart)
	return err
}

// mergeShards gives the assessments of the shards' files to fn in the
// order of Result.Sources (busiest first, then by indicator), each file
// being in that order already.
func mergeShards(files []*os.File, fn func(s *Source) error) error {
	rs := make([]*bufio.Reader, len(files))
	heads := make([]*Source, len(files))
	var rec []byte
	next := func(k int) error {
		heads[k] = nil
		n, err := binary.ReadUvarint(rs[k])
		if err == io.EOF {
			return nil
		}
		if err == nil && n > 1<<30 {
			err = errDamaged
		}
		if err == nil {
			rec = slices.Grow(rec[:0], int(n))[:n]
			_, err = io.ReadFull(rs[k], rec)
		}
		var s Source
		if err == nil {
			s, err = ReadSource(rec)
		}
		if err != nil {
			return fmt.Errorf("attrib: reading the assessment back from a temporary file: %w", err)
		}
		heads[k] = &s
		return nil
	}
	for k, f := range files {
		rs[k] = bufio.NewReaderSize(f, 1<<20)
		if err := next(k); err != nil {
			return err
		}
	}
	for {
		best := -1
		for k, s := range heads {
			if s != nil && (best < 0 || cmp.Or(cmp.Compare(heads[best].Events, s.Events), cmp.Compare(s.Indicator, heads[best].Indicator)) < 0) {
				best = k
			}
		}
		if best < 0 {
			return nil
		}
		s := heads[best]
		if err := next(best); err != nil {
			return err
		}
		if err := fn(s); err != nil {
			return err
		}
	}
}
