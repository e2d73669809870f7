package sigma

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/casefile/casefile/evidence/parse"
)

// aggRules exercise every kind of aggregation: windows and none, distinct
// counts, beacons with two settings, every comparison, and rules sharing a
// by-list (one group lookup for several rules).
const aggRules = `title: burst
id: a-burst
logsource:
  category: authentication
detection:
  f:
    outcome: failure
  condition: f | count() by src >= 4
  timeframe: 10m
---
title: total
id: a-total
logsource:
  category: authentication
detection:
  f:
    outcome: failure
  condition: f | count() by src > 12
---
title: users
id: a-users
logsource:
  category: authentication
detection:
  f:
    outcome: failure
  condition: f | count(user) by src >= 5
  timeframe: 1h
---
title: outcomes
id: a-outcomes
logsource:
  category: authentication
detection:
  a:
    kind: auth
  condition: a | count(outcome) by src, user >= 2
  timeframe: 30m
---
title: quiet users
id: a-quiet
logsource:
  category: authentication
detection:
  a:
    kind: auth
  condition: a | count() by user <= 3
  timeframe: 5m
---
title: exactly five
id: a-five
logsource:
  category: authentication
detection:
  f:
    outcome: failure
  condition: f | count() by src == 5
  timeframe: 2m
---
title: every user
id: a-allusers
logsource:
  category: authentication
detection:
  a:
    kind: auth
  condition: a | count(user) by src > 8
---
title: beacon
id: n-beacon
logsource:
  category: network_connection
detection:
  s:
    src|cidr: 10.0.0.0/8
  condition: s | beacon() by src, dst >= 4
---
title: loose beacon
id: n-beacon-loose
logsource:
  category: network_connection
detection:
  s:
    src|cidr: 10.0.0.0/8
  condition: s | beacon() by src, dst >= 3
casefile:
  jitter: 0.5
  min_interval: 5s
---
title: ports
id: n-ports
logsource:
  category: network_connection
detection:
  s:
    kind: flow
  condition: s | count(dst_port) by src >= 4
---
title: fan-in
id: n-fanin
logsource:
  category: network_connection
detection:
  s:
    kind: flow
  condition: s | count() by dst >= 2
  timeframe: 30s
`

// splitmix is a tiny generator whose output no Go release can change, so
// the golden detections stay valid.
type splitmix uint64

func (s *splitmix) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	z := uint64(*s)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (s *splitmix) intn(n int) int { return int(s.next() % uint64(n)) }

// aggStream is n authentication events and flows in no time order: many
// sources, equal times (ties), events without a time, regular contacts
// with jitter and bursts, and irregular ones.
func aggStream(seed uint64, n int) []parse.Event {
	rng := splitmix(seed)
	base := time.Date(2024, 12, 10, 0, 0, 0, 0, time.UTC)
	arts := []string{"sha256:a1", "sha256:b2", "sha256:c3"}
	line := map[string]int64{}
	cite := func(p string) parse.Citation {
		a := arts[rng.intn(len(arts))]
		line[a]++
		return parse.Citation{Artefact: a, Line: line[a], Record: int64(rng.intn(3)), Parser: p}
	}
	when := func(sec int) time.Time {
		if rng.intn(50) == 0 {
			return time.Time{}
		}
		return base.Add(time.Duration(sec) * time.Second)
	}
	var evs []parse.Event
	for len(evs) < n/2 {
		src := fmt.Sprintf("192.0.2.%d", rng.intn(200))
		sec := rng.intn(6 * 3600)
		k := 1 + rng.intn(8) // a burst of k attempts, some at the same second
		for range k {
			out := parse.OutcomeFailure
			if rng.intn(6) == 0 {
				out = parse.OutcomeSuccess
			}
			evs = append(evs, parse.Event{Time: when(sec), Kind: parse.KindAuth, Action: "password", Outcome: out, Src: src,
				User: fmt.Sprintf("u%d", rng.intn(12)), Citation: cite("openssh/1")})
			sec += rng.intn(40)
		}
	}
	for len(evs) < n {
		src, dst := fmt.Sprintf("10.0.%d.%d", rng.intn(3), rng.intn(20)), fmt.Sprintf("203.0.113.%d", rng.intn(30))
		period := 20 + rng.intn(300)
		regular := rng.intn(2) == 0
		sec := rng.intn(3600)
		for range 3 + rng.intn(12) {
			ev := parse.Event{Time: when(sec), Kind: parse.KindFlow, Src: src, Dst: dst, DstPort: 80 + rng.intn(5), Citation: cite("zeek/1")}
			evs = append(evs, ev)
			if rng.intn(4) == 0 { // a burst copy of the contact
				ev.Citation = cite("zeek/1")
				evs = append(evs, ev)
			}
			if regular {
				sec += period + rng.intn(period/10+1) - period/20
			} else {
				sec += rng.intn(2 * period)
			}
		}
	}
	for i := len(evs) - 1; i > 0; i-- { // artefact order is not time order
		j := rng.intn(i + 1)
		evs[i], evs[j] = evs[j], evs[i]
	}
	return evs
}

// writeDetections prints detections with every field Finish sets, one a
// line, for comparison.
func writeDetections(w io.Writer, ds []Detection) {
	for _, d := range ds {
		var g []string
		for _, k := range slices.Sorted(maps.Keys(d.Group)) {
			g = append(g, k+"="+d.Group[k])
		}
		var cs []string
		for _, c := range d.Cites {
			cs = append(cs, fmt.Sprintf("%s:%d:%d", c.Artefact, c.Line, c.Record))
		}
		fmt.Fprintf(w, "%s %s count=%d events=%d first=%s last=%s interval=%s cites=%s\n", d.Rule.ID, strings.Join(g, ","),
			d.Count, d.Events, d.First.Format(time.RFC3339Nano), d.Last.Format(time.RFC3339Nano), d.Interval, strings.Join(cs, " "))
	}
}
