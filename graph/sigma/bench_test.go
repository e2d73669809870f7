package sigma

import (
	"testing"

	"github.com/casefile/casefile/evidence/parse"
)

// BenchmarkBuiltinRules runs the built-in rule set over a mix of real
// events (SSH, Apache access, Suricata, Zeek conn and RDP), reporting
// events per second on one core (target ≥ 500k). Run with -benchtime=1x to
// check it works; the figure needs a quiet machine.
func BenchmarkBuiltinRules(b *testing.B) { benchRules(b, 0) }

// BenchmarkBuiltinRulesSpill is BenchmarkBuiltinRules with a budget of
// 256 KiB: the cost of spilling the aggregate rules' 73k records per
// iteration (3.4 MiB) in about 15 runs and merging them back.
func BenchmarkBuiltinRulesSpill(b *testing.B) { benchRules(b, 256<<10) }

func benchRules(b *testing.B, budget int64) {
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
		r.Budget, r.TempDir = budget, b.TempDir()
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
