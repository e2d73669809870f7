package attrib

import (
	"fmt"
	"iter"
	"testing"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/evidence/parse"
)

// genInput makes a case of nEvents events from nSources sources: SSH and web
// logins, one in ten sources with anonymiser flags, one in a hundred a Tor
// exit, a rotating pool sharing one user agent, and ASN data for all.
func genInput(nEvents, nSources int) Input {
	obs := make(map[string][]enrich.Observation, nSources)
	ip := func(i int) string { return fmt.Sprintf("%d.%d.%d.%d", 11+i>>16&0x7f, i>>8&0xff, i&0xff, 7) }
	for i := 0; i < nSources; i++ {
		a := ip(i)
		list := []enrich.Observation{{Indicator: a, Source: "GeoLite2-ASN", SourceType: enrich.TypeMMDB, Dataset: dsMMDB,
			DatasetDate: t0.Add(-72 * time.Hour), Reliability: "B",
			Fields: map[string]any{"autonomous_system_number": uint64(1000 + i%3000), "autonomous_system_organization": "Example Networks"}}}
		if i%10 == 0 {
			list = append(list, enrich.Observation{Indicator: a, Source: "GeoIP2-Anonymous-IP", SourceType: enrich.TypeMMDB, Dataset: dsMMDB,
				DatasetDate: t0.Add(-48 * time.Hour), Reliability: "B",
				Fields: map[string]any{"is_anonymous": true, "is_residential_proxy": true, "is_hosting_provider": i%20 == 0}})
		}
		if i%100 == 0 {
			list = append(list, enrich.Observation{Indicator: a, Source: "tor-exit-addresses", SourceType: enrich.TypeTorExits, Dataset: dsTor,
				DatasetDate: t0, ValidAt: t0.Add(-time.Hour), Reliability: "A"})
		}
		obs[a] = list
	}
	ips := make([]string, nSources)
	for i := range ips {
		ips[i] = ip(i)
	}
	stream := func(yield func(parse.Event) bool) {
		for n := 0; n < nEvents; n++ {
			i := (n * 7919) % nSources
			e := parse.Event{Time: t0.Add(time.Duration(n) * 50 * time.Millisecond), Kind: parse.KindAuth, Outcome: parse.OutcomeFailure,
				Src: ips[i], Dst: "10.0.0.5", DstPort: 22, User: "root",
				Citation: parse.Citation{Artefact: artSSH, Offset: int64(n) * 100, Line: int64(n + 1), Parser: "openssh/1"}}
			switch {
			case n%50 == 0:
				e.User, e.Outcome = fmt.Sprintf("user%d", n%997), parse.OutcomeSuccess
			case i%10 == 0:
				e.Kind = parse.KindHTTP
				e.Fields = map[string]string{"user_agent": "StuffBot/1.0"}
				e.Kind = parse.KindAuth
			}
			if !yield(e) {
				return
			}
		}
	}
	return Input{Stream: iter.Seq[parse.Event](stream), Observations: obs}
}

func benchAssess(b *testing.B, nEvents, nSources int) {
	in := genInput(nEvents, nSources)
	m := DefaultModel()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := Assess(m, in, nil)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Sources) != nSources {
			b.Fatalf("%d sources", len(res.Sources))
		}
	}
}

func BenchmarkAssess(b *testing.B) {
	b.Run("10k-events-1k-sources", func(b *testing.B) { benchAssess(b, 10_000, 1_000) })
	b.Run("1M-events-100k-sources", func(b *testing.B) { benchAssess(b, 1_000_000, 100_000) })
}

func TestGeneratedCaseShape(t *testing.T) {
	res, err := Assess(nil, genInput(20_000, 2_000), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Sources) != 2000 {
		t.Fatalf("%d sources", len(res.Sources))
	}
	roles := map[string]int{}
	for _, s := range res.Sources {
		roles[s.Role]++
		if len(s.Factors) > 0 && len(s.Factors[0].Evidence) > 2*maxCites+2 {
			t.Fatalf("unbounded evidence: %d", len(s.Factors[0].Evidence))
		}
	}
	if roles[Relay] == 0 || len(res.Campaigns) == 0 {
		t.Fatalf("roles %v campaigns %d", roles, len(res.Campaigns))
	}
	t.Logf("roles %v, campaigns %d (first has %d members)", roles, len(res.Campaigns), len(res.Campaigns[0].Members))
}
