package attrib

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"slices"
	"strings"
)

// idRec says that source src used identity id at time t (an auth or API
// event); success marks a successful one.
type idRec struct {
	t       int64
	id, src uint32
	success bool
}

type poolInfo struct {
	ident string
	asns  int
}

type travelInfo struct {
	ident string
	other int32
	km    float64
	hours float64
	kmh   float64
}

// Campaign groups sources that shared a credential, SSH key, user agent or
// TLS fingerprint that formed a rotating pool somewhere in the case.
type Campaign struct {
	ID         string   `json:"id"`
	Identities []string `json:"identities"` // e.g. "user:jsmith", "user-agent:…"
	Members    []string `json:"members"`    // indicators, sorted
}

type crossResult struct {
	pool       map[int32]poolInfo
	travel     map[int32]travelInfo
	campaignOf map[int32]int
	campaigns  []Campaign
}

// crossSource finds rotating pools (≥ PoolMinASNs distinct ASNs using one
// identity within PoolWindowMinutes), impossible travel between consecutive
// successful uses of one identity, and the campaigns the pools imply.
func crossSource(r *resolved, recs []idRec, idNames []string, keys []string, facts []obsFacts) crossResult {
	th := &r.m.Thresholds
	res := crossResult{pool: map[int32]poolInfo{}, travel: map[int32]travelInfo{}, campaignOf: map[int32]int{}}
	slices.SortFunc(recs, func(a, b idRec) int {
		return cmp.Or(cmp.Compare(a.id, b.id), cmp.Compare(a.t, b.t), cmp.Compare(a.src, b.src))
	})
	parent := map[int32]int32{}
	find := func(x int32) int32 {
		root := x
		for {
			p, ok := parent[root]
			if !ok {
				parent[root] = root
				p = root
			}
			if p == root {
				break
			}
			root = p
		}
		for x != root { // path compression
			next := parent[x]
			parent[x] = root
			x = next
		}
		return root
	}
	identsOf := map[int32][]string{} // root → identities (filled after unions)
	type poolIdent struct {
		id  uint32
		src int32
	}
	var poolIdents []poolIdent
	counts := map[uint64]int{}
	for i := 0; i < len(recs); {
		j := i
		for j < len(recs) && recs[j].id == recs[i].id {
			j++
		}
		run := recs[i:j]
		name := idNames[run[0].id]
		clear(counts)
		formed, markedFrom, l := false, 0, 0
		for k := range run {
			if asn := facts[run[k].src].asn; asn > 0 {
				counts[asn]++
			}
			for run[k].t-run[l].t > r.poolWindow {
				if asn := facts[run[l].src].asn; asn > 0 {
					if counts[asn]--; counts[asn] == 0 {
						delete(counts, asn)
					}
				}
				l++
			}
			if len(counts) >= th.PoolMinASNs {
				formed = true
				for m := max(l, markedFrom); m <= k; m++ {
					s := int32(run[m].src)
					if p, ok := res.pool[s]; !ok || len(counts) > p.asns {
						res.pool[s] = poolInfo{ident: name, asns: len(counts)}
					}
				}
				markedFrom = k + 1
			}
		}
		if formed {
			poolIdents = append(poolIdents, poolIdent{run[0].id, int32(run[0].src)})
			root := find(int32(run[0].src))
			for _, rc := range run[1:] {
				if x := find(int32(rc.src)); x != root {
					parent[x] = root
				}
			}
		}
		travel(th.TravelKmh, run, name, facts, res.travel)
		i = j
	}
	// Campaigns: connected components of sources joined by pool identities.
	members := map[int32][]int32{}
	for s := range parent {
		root := find(s)
		members[root] = append(members[root], s)
	}
	for _, pi := range poolIdents {
		root := find(pi.src)
		identsOf[root] = append(identsOf[root], idNames[pi.id])
	}
	type camp struct {
		c    Campaign
		root int32
	}
	var camps []camp
	for root, ms := range members {
		if len(ms) < 2 {
			continue
		}
		ids := identsOf[root]
		slices.Sort(ids)
		sum := sha256.Sum256([]byte(strings.Join(ids, "\n")))
		c := Campaign{ID: "campaign-" + hex.EncodeToString(sum[:6]), Identities: ids}
		for _, s := range ms {
			c.Members = append(c.Members, keys[s])
		}
		slices.Sort(c.Members)
		camps = append(camps, camp{c, root})
	}
	slices.SortFunc(camps, func(a, b camp) int { return cmp.Compare(a.c.ID, b.c.ID) })
	for ci, c := range camps {
		for _, s := range members[c.root] {
			res.campaignOf[s] = ci
		}
		res.campaigns = append(res.campaigns, c.c)
	}
	return res
}

// travel marks pairs of consecutive successful uses of one identity from two
// located sources that would need more than limit km/h, after subtracting
// both accuracy radii from the distance.
func travel(limit float64, run []idRec, name string, facts []obsFacts, out map[int32]travelInfo) {
	prev := -1
	for k := range run {
		if !run[k].success {
			continue
		}
		if prev >= 0 && run[prev].src != run[k].src {
			a, b := &facts[run[prev].src], &facts[run[k].src]
			if a.geo && b.geo {
				km := math.Max(0, haversineKm(a.lat, a.lon, b.lat, b.lon)-a.radiusKm-b.radiusKm)
				h := float64(run[k].t-run[prev].t) / 3.6e12
				kmh := math.Inf(1)
				if h > 0 {
					kmh = km / h
				}
				if km > 0 && kmh > limit {
					ti := travelInfo{ident: name, km: km, hours: h, kmh: kmh}
					ti.other = int32(run[k].src)
					if _, ok := out[int32(run[prev].src)]; !ok {
						out[int32(run[prev].src)] = ti
					}
					ti.other = int32(run[prev].src)
					if _, ok := out[int32(run[k].src)]; !ok {
						out[int32(run[k].src)] = ti
					}
				}
			}
		}
		prev = k
	}
}

func haversineKm(lat1, lon1, lat2, lon2 float64) float64 {
	const earth = 6371.0
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earth * math.Asin(math.Min(1, math.Sqrt(h)))
}
