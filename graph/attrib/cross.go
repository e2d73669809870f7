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
	mat     uint32 // for accounts: the key or access key id used (0: none named)
	success bool
	// attempt: the event is a login or call that succeeded or failed, not
	// a record of a session already open (OpenSSH's "Disconnected from
	// user X" names the account but not the key it was opened with).
	attempt bool
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

type anonPoolInfo struct {
	flagged, others int
}

type siblingInfo struct {
	ident string
	other int32
}

type crossResult struct {
	pool map[int32]poolInfo
	// sharedCred marks sources that used a credential (a non-generic user
	// name or an SSH key) that another source also used.
	sharedCred map[int32]bool
	// anonPool marks pool members whose fellow pool members are mostly
	// flagged anonymisers (row 27).
	anonPool map[int32]anonPoolInfo
	// sibling marks unflagged sources that share a credential and an
	// announced network with a flagged anonymiser (row 28).
	sibling    map[int32]siblingInfo
	travel     map[int32]travelInfo
	campaignOf map[int32]int
	campaigns  []Campaign
}

// crossSource finds rotating pools (≥ PoolMinASNs distinct ASNs using one
// identity within PoolWindowMinutes), impossible travel between consecutive
// successful uses of one identity, and the campaigns the pools imply.
func crossSource(r *resolved, recs []idRec, idNames []string, keys []string, facts []crossFacts) crossResult {
	th := &r.m.Thresholds
	res := crossResult{pool: map[int32]poolInfo{}, travel: map[int32]travelInfo{}, campaignOf: map[int32]int{}, sharedCred: map[int32]bool{}, anonPool: map[int32]anonPoolInfo{}, sibling: map[int32]siblingInfo{}}
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
		// Impossible travel and shared credentials are about one person's
		// account or key. A user agent or TLS fingerprint is shared by
		// every client of the same browser or library, so two strangers
		// with the same browser are not one identity travelling: those
		// identities only form pools (many ASNs within minutes).
		if credential(name) {
			travel(th.TravelKmh, run, name, facts, res.travel)
			siblings(run, name, facts, res.sibling)
			markShared(run, res.sharedCred)
		}
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
		anonPools(th.PoolMinASNs, members[c.root], facts, res.pool, res.anonPool)
	}
	return res
}

// anonPools applies row 27 to one campaign: a pool member whose fellow pool
// members (those that took part in a rotating pool, at least minMembers of
// them) are more than half flagged anonymisers by some dataset (Tor exit,
// VPN, residential or public proxy, privacy relay) is taken to be one more
// hop of the same anonymising service, whatever its own flags say. Only
// rotating-pool members count and are judged, so a source that merely
// shares a credential with relays (the false-flag slip, a hijacked server
// logged into after a pool guessed the password) is never pulled in.
func anonPools(minMembers int, ms []int32, facts []crossFacts, pool map[int32]poolInfo, out map[int32]anonPoolInfo) {
	var in []int32
	flagged := 0
	for _, s := range ms {
		if _, ok := pool[s]; ok {
			in = append(in, s)
			if facts[s].anon {
				flagged++
			}
		}
	}
	if len(in) < minMembers {
		return
	}
	for _, s := range in {
		f := flagged
		if facts[s].anon {
			f--
		}
		if others := len(in) - 1; 2*f > others {
			out[s] = anonPoolInfo{flagged: f, others: others}
		}
	}
}

// markShared marks the sources of one credential that share it with
// another source. One exception: the account's owner. A source that used
// the account first, every time with a key of its own (an SSH key or
// access key id no other source used), holds a different credential to the
// same account than those who came after (a stolen password, a key they
// created): its use can still be benign. Only attempts count for "every
// time": the records of a session already open (disconnects) name no key.
// The same holds for an account used with a password when the first
// source to use it is the only one ever to get in: those who came after
// only failed (a customer's shop account on a credential-stuffing list),
// so they never shared the credential, they guessed it.
func markShared(run []idRec, out map[int32]bool) {
	type use struct {
		first   int64
		mats    []uint32
		none    bool // some use named no key
		success bool
	}
	uses := map[uint32]*use{}
	var order []uint32
	for _, rc := range run { // run is in time order
		u := uses[rc.src]
		if u == nil {
			u = &use{first: rc.t}
			uses[rc.src] = u
			order = append(order, rc.src)
		}
		u.success = u.success || rc.success
		switch {
		case rc.mat == 0 && rc.attempt:
			u.none = true
		case rc.mat == 0:
		case !slices.Contains(u.mats, rc.mat):
			u.mats = append(u.mats, rc.mat)
		}
	}
	if len(order) < 2 {
		return
	}
	users := map[uint32]int{} // key → sources that used it
	for _, u := range uses {
		for _, m := range u.mats {
			users[m]++
		}
	}
	succeeded := 0 // sources that got in
	for _, u := range uses {
		if u.success {
			succeeded++
		}
	}
	for i, src := range order {
		u := uses[src]
		later := uses[order[1]].first > u.first
		owner := i == 0 && !u.none && len(u.mats) > 0 && later
		for _, m := range u.mats {
			owner = owner && users[m] == 1
		}
		owner = owner || i == 0 && later && u.success && succeeded == 1
		if !owner {
			out[int32(src)] = true
		}
	}
}

// siblings applies row 28 to the sources of one credential: a source no
// dataset flags, whose address lies in the same announced network (the
// ASN database's matched block) as a flagged anonymiser that used the same
// account or key, is most likely one more exit of that service that the
// lists missed. A source in another network (the operator's own server,
// the false-flag slip) is never pulled in, however it used the credential.
func siblings(run []idRec, name string, facts []crossFacts, out map[int32]siblingInfo) {
	flagged := map[string]int32{} // network → a flagged source in it
	for _, rc := range run {
		if f := facts[rc.src]; f.asnNet != "" && f.anon {
			if _, ok := flagged[f.asnNet]; !ok {
				flagged[f.asnNet] = int32(rc.src)
			}
		}
	}
	if len(flagged) == 0 {
		return
	}
	for _, rc := range run {
		f := facts[rc.src]
		if f.asnNet == "" || f.anon {
			continue
		}
		if other, ok := flagged[f.asnNet]; ok {
			if _, done := out[int32(rc.src)]; !done {
				out[int32(rc.src)] = siblingInfo{ident: name, other: other}
			}
		}
	}
}

// travel marks pairs of consecutive successful uses of one identity from two
// located sources that would need more than limit km/h, after subtracting
// both accuracy radii from the distance. An endpoint is not marked when the
// other one is a flagged anonymiser.
func travel(limit float64, run []idRec, name string, facts []crossFacts, out map[int32]travelInfo) {
	prev := -1
	for k := range run {
		if !run[k].success {
			continue
		}
		if prev >= 0 && run[prev].src != run[k].src {
			a, b := facts[run[prev].src], facts[run[k].src]
			if a.geo && b.geo {
				km := math.Max(0, haversineKm(a.lat, a.lon, b.lat, b.lon)-a.radiusKm-b.radiusKm)
				h := float64(run[k].t-run[prev].t) / 3.6e12
				kmh := math.Inf(1)
				if h > 0 {
					kmh = km / h
				}
				if km > 0 && kmh > limit {
					// Impossible travel says that at least one endpoint is
					// a relay. When the other endpoint is already flagged
					// as an anonymiser, that explains it, and this endpoint
					// learns nothing (the false-flag operator's direct
					// connection between two VPN sessions).
					ti := travelInfo{ident: name, km: km, hours: h, kmh: kmh}
					ti.other = int32(run[k].src)
					if _, ok := out[int32(run[prev].src)]; !ok && !b.anon {
						out[int32(run[prev].src)] = ti
					}
					ti.other = int32(run[prev].src)
					if _, ok := out[int32(run[k].src)]; !ok && !a.anon {
						out[int32(run[k].src)] = ti
					}
				}
			}
		}
		prev = k
	}
}

// credential reports whether an identity name is an account or a key
// rather than a client fingerprint.
func credential(name string) bool {
	return strings.HasPrefix(name, "user:") || strings.HasPrefix(name, "ssh-key:")
}

func haversineKm(lat1, lon1, lat2, lon2 float64) float64 {
	const earth = 6371.0
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earth * math.Asin(math.Min(1, math.Sqrt(h)))
}
