package attrib

import (
	"cmp"
	"encoding/binary"
	"slices"
	"strings"
	"unique"

	"github.com/casefile/casefile/graph/sigma"
)

// What an aggregate rule's detection adds to a source's aggregate
// (applyDetection). A case of a million sources may have a detection for
// each: held at once as sigma.Detection values they took a gigabyte, and
// the garbage collector, held to the assessment's memory limit, spent
// the rest of the run on them. The census of a sharded assessment takes
// them one by one (sigma.Run.FinishEach) and writes each to the bucket
// file of its source, behind the source's events; the shard pass applies
// them after the events, each source's in the order Finish gives them
// (rule, then group key), as one pass does.
type detected struct {
	src    int32  // the source, in a shard pass
	rule   int    // in the rule set
	key    string // the group's key, which orders a rule's detections
	events int64
	detail string
	cites  []cite
}

func detectedOf(a *aggregator, d *sigma.Detection, key string) detected {
	x := detected{rule: a.ruleNo[d.Rule], key: key, events: d.Events, detail: detectionDetail(d)}
	for _, c := range d.Cites {
		x.cites = append(x.cites, cite{unique.Make(c.Artefact), c.Line, c.Record})
	}
	return x
}

// cmpDetected orders a source's detections as sigma.Run.Finish does.
func cmpDetected(x, y *detected) int {
	return cmp.Or(cmp.Compare(x.src, y.src), cmp.Compare(x.rule, y.rule), strings.Compare(x.key, y.key))
}

// applyDetection records a detection on the aggregate of its source.
func (a *aggregator) applyDetection(g *agg, x *detected) {
	rule := a.rules[x.rule]
	if g.beh == nil {
		g.beh = &behaviour{}
	}
	acc := g.beh.use(a.classes[rule], rule)
	for i := range acc.rules {
		if acc.rules[i].r == rule {
			acc.rules[i].events += x.events
			acc.rules[i].detail = x.detail
		}
	}
	// Several rules of one class count the same events (three guessing
	// rules over one source's failures): the class's total is the largest
	// count, not the sum, and each event is cited once.
	for _, c := range x.cites {
		if len(acc.cites.first) < maxCites && !slices.Contains(acc.cites.first, c) {
			acc.cites.first = append(acc.cites.first, c)
		}
	}
	acc.cites.total = max(acc.cites.total, x.events)
}

// censusDetections evaluates the aggregate rules at the end of the
// census: a detection about a source folded in a shard pass goes to its
// bucket file; those about domain names (folded whole in the census) and
// about sources no event named are applied here, in Finish's order,
// which numbers the latter as one pass does.
func (p *shardPass) censusDetections(a *aggregator) error {
	type held struct {
		src string
		x   detected
	}
	var hold []held
	err := a.run.FinishEach(func(d *sigma.Detection, key string) error {
		src := detectionSource(d)
		if src == "" {
			return nil
		}
		x := detectedOf(a, d, key)
		if i, ok := p.c.index[src]; ok && p.c.full[i] == nil {
			x.src = i
			return p.writeDetected(src, &x)
		}
		hold = append(hold, held{src, x})
		return nil
	})
	if err != nil {
		return err
	}
	slices.SortFunc(hold, func(u, v held) int { return cmpDetected(&u.x, &v.x) })
	for _, h := range hold {
		i, g := p.source(h.src, typeOf(h.src))
		if g != nil {
			a.applyDetection(g, &h.x)
			continue
		}
		h.x.src = i
		if err := p.writeDetected(h.src, &h.x); err != nil {
			return err
		}
	}
	return p.sh.flush()
}

func (p *shardPass) writeDetected(src string, x *detected) error {
	f, err := p.sh.file(p.sh.bucketOf(src))
	if err != nil {
		return err
	}
	f.enc.b = f.enc.b[:0]
	f.enc.detected(x)
	return f.writeRecord()
}

// detected appends a detection's record: no sources (an event has one at
// least), then the detection.
func (e *eventEnc) detected(x *detected) {
	e.b = append(e.b, 0)
	e.b = binary.AppendUvarint(e.b, uint64(x.src))
	e.b = binary.AppendUvarint(e.b, uint64(x.rule))
	e.str(x.key, once, "")
	e.b = binary.AppendVarint(e.b, x.events)
	e.str(x.detail, once, "")
	e.b = binary.AppendUvarint(e.b, uint64(len(x.cites)))
	for _, c := range x.cites {
		e.str(c.art.Value(), naming, "")
		e.b = binary.AppendVarint(e.b, c.line)
		e.b = binary.AppendVarint(e.b, c.rec)
	}
}

// detectedRecord reads a detection's record.
func (d *eventDec) detectedRecord(b []byte) (detected, error) {
	d.b = b[1:]
	x := detected{src: int32(d.uvarint()), rule: int(d.uvarint())}
	x.key = d.str("")
	x.events = d.i64()
	x.detail = d.str("")
	for n := d.count(); n > 0; n-- {
		art := d.str("")
		x.cites = append(x.cites, cite{unique.Make(art), d.i64(), d.i64()})
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail()
	}
	return x, d.err
}
