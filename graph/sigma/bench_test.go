package sigma

import (
	"testing"

	"github.com/casefile/casefile/evidence/parse"
)

// BenchmarkBuiltinRules runs the built-in rule set over a mix of real
// events (SSH, Apache access, Suricata, Zeek conn and RDP), reporting
// events per second on one core (target ≥ 500k). Run with -benchtime=1x to
// check it works; the figure needs a quiet machine.
func BenchmarkBuiltinRules(b *testing.B) {
	var evs []parse.Event
	for _, p := range [][]string{
		{"loghub", "OpenSSH", "OpenSSH_2k.log"},
		{"elastic-examples-apache-access", "apache_logs"},
		{"suricata-eve-surevego", "eve.json"},
		{"zeek-wrccdc2018-brimdata", "conn-sample-from-brimdata-zed.log"},
		{"zeek-wrccdc2018-brimdata", "zeek-json", "rdp.json.gz"},
	} {
		evs = append(evs, sample(b, p...)...)
	}
	eng := Builtin()
	const rounds = 20 // about 400k events per iteration
	b.ResetTimer()
	n := 0
	for range b.N {
		r := eng.Start()
		for range rounds {
			for i := range evs {
				r.Match(&evs[i], func(*Rule) { n++ })
			}
		}
		finish(b, r)
	}
	b.ReportMetric(float64(b.N*rounds*len(evs))/b.Elapsed().Seconds(), "events/s")
	_ = n
}
