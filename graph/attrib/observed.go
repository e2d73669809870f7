package attrib

import (
	"maps"
	"slices"

	"github.com/casefile/casefile/enrich"
)

// observed is how an assessment reads the observations: every indicator's
// once while it prepares (each, in byte order of the indicators), and one
// source's again when that source is judged (of). Only what the
// cross-source factors compare is kept of every source in between
// (crossFacts), so that a case of a million enriched sources is never held
// whole (issue 18: 4.7 GB for 10^6 sources before).
type observed struct {
	each func(fn func(indicator string, obs []enrich.Observation) error) error
	of   func(indicator string) ([]enrich.Observation, error)
}

func (in *Input) observed() observed {
	if in.EachObserved != nil && in.ObservationsOf != nil {
		return observed{in.EachObserved, in.ObservationsOf}
	}
	m := in.Observations
	return observed{
		each: func(fn func(string, []enrich.Observation) error) error {
			for _, k := range slices.Sorted(maps.Keys(m)) {
				if err := fn(k, m[k]); err != nil {
					return err
				}
			}
			return nil
		},
		of: func(k string) ([]enrich.Observation, error) { return m[k], nil },
	}
}

// crossFacts is what the cross-source factors (cross.go) compare of the
// observations of two sources.
type crossFacts struct {
	asn                uint64
	asnNet             string
	lat, lon, radiusKm float64
	geo, anon          bool
}

// readObserved reads every indicator's observations once: a registers
// each as a source (numbering those only observed after those of the
// events, in byte order, as before), the coverage notes the Tor lists, and
// p keeps by source number what the cross-source factors compare, and
// which sources were observed at all (only those are read again when
// judged).
func (p *Pending) readObserved(a *aggregator) error {
	return p.obs.each(func(key string, obs []enrich.Observation) error {
		i32, _ := a.source(key, typeOf(key))
		i := int(i32)
		if len(obs) == 0 {
			return nil
		}
		if i >= len(p.cross) {
			p.cross = append(p.cross, make([]crossFacts, i+1-len(p.cross))...)
			p.observedSrc = append(p.observedSrc, make([]bool, i+1-len(p.observedSrc))...)
		}
		var f obsFacts
		readObservations(obs, &f)
		p.cross[i] = f.cross()
		p.observedSrc[i] = true
		p.cov.observed(obs)
		return nil
	})
}

func (f *obsFacts) cross() crossFacts {
	return crossFacts{asn: f.asn, asnNet: f.asnNet, lat: f.lat, lon: f.lon, radiusKm: f.radiusKm, geo: f.geo, anon: f.anonymiser()}
}

// factsFor reads what was observed about source i again, to judge it.
func (p *Pending) factsFor(i int32, key, typ string) (*obsFacts, error) {
	var obs []enrich.Observation
	if int(i) < len(p.observedSrc) && p.observedSrc[i] {
		var err error
		if obs, err = p.obs.of(key); err != nil {
			return nil, err
		}
	}
	return factsOf(key, typ, obs), nil
}
