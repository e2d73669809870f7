package attrib

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestDefaultModel(t *testing.T) {
	m := DefaultModel()
	if m.Version != "casefile-attrib/4" || m.Priors[Relay] != 0.12 || m.Priors[Undetermined] != 0.63 || m.Factors["tor-exit"].Lambda[Relay] != 50 ||
		m.Reliability["E"] != 0.15 || m.Credibility["5"] != 0.15 || m.HalfLifeDays["whois-org"] != 365 ||
		m.Thresholds.PoolMinASNs != 5 || m.Thresholds.TravelKmh != 1000 || m.SpoofDiscount != 0.2 {
		t.Fatalf("default model does not match ATTRIBUTION.md: %+v", m)
	}
	if len(m.Factors) != 37 {
		t.Fatalf("%d factors", len(m.Factors))
	}
	d := m.Digest()
	if !strings.HasPrefix(d, "sha256:") || len(d) != 71 || DefaultModel().Digest() != d {
		t.Fatalf("digest %q not stable", d)
	}
	// A full round trip through LoadModel keeps the digest.
	b, _ := json.Marshal(m)
	m2, err := LoadModel(strings.NewReader(string(b)))
	if err != nil || m2.Digest() != d {
		t.Fatalf("round trip: %v %s %s", err, m2.Digest(), d)
	}
}

func TestLoadModelPartialOverrides(t *testing.T) {
	m, err := LoadModel(strings.NewReader(`{"version":"lab/2","thresholds":{"pool_min_asns":3},
		"factors":{"hosting":{"n":7,"family":"hosting","kind":"hosting","credibility":2,
		"lambda":{"perpetrator-infrastructure":2,"anonymization-relay":2,"compromised-third-party":1.5,"abused-platform":1.5}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if m.Version != "lab/2" || m.Thresholds.PoolMinASNs != 3 || m.Thresholds.TravelKmh != 1000 ||
		m.Factors["hosting"].Lambda[Perpetrator] != 2 || m.Factors["tor-exit"].Lambda[Relay] != 50 {
		t.Fatalf("overlay wrong: %+v", m)
	}
	if m.Digest() == DefaultModel().Digest() {
		t.Fatal("digest did not change")
	}
}

func TestLoadModelStrict(t *testing.T) {
	for name, in := range map[string]string{
		"unknown field":      `{"version":"x","bogus":1}`,
		"no version":         `{"priors":{}}`,
		"missing role":       `{"version":"x","priors":{"perpetrator-infrastructure":0.25,"anonymization-relay":0.25,"compromised-third-party":0.25,"abused-platform":0.25}}`,
		"unknown role":       `{"version":"x","priors":{"perpetrator-infrastructure":0.2,"anonymization-relay":0.2,"compromised-third-party":0.2,"abused-platform":0.2,"undetermined":0.1,"nation-state":0.1}}`,
		"priors sum":         `{"version":"x","priors":{"perpetrator-infrastructure":0.3,"anonymization-relay":0.25,"compromised-third-party":0.25,"abused-platform":0.1,"undetermined":0.2}}`,
		"lambda missing":     `{"version":"x","factors":{"tor-exit":{"n":1,"family":"tor","kind":"tor-exit","credibility":1,"lambda":{"anonymization-relay":50}}}}`,
		"lambda undetermind": `{"version":"x","factors":{"tor-exit":{"n":1,"family":"tor","kind":"tor-exit","credibility":1,"lambda":{"perpetrator-infrastructure":0.05,"anonymization-relay":50,"compromised-third-party":0.3,"abused-platform":0.1,"undetermined":1}}}}`,
		"unknown factor":     `{"version":"x","factors":{"astrology":{}}}`,
		"negative lambda":    `{"version":"x","factors":{"tor-exit":{"n":1,"family":"tor","kind":"tor-exit","credibility":1,"lambda":{"perpetrator-infrastructure":-1,"anonymization-relay":50,"compromised-third-party":0.3,"abused-platform":0.1}}}}`,
		"bad clamp":          `{"version":"x","clamp":{"min":0.3,"max":0.9}}`,
		"unknown kind":       `{"version":"x","half_life_days":{"horoscope":3}}`,
		"trailing":           `{"version":"x"} {}`,
		"reliability part":   `{"version":"x","reliability":{"A":1}}`,
	} {
		if _, err := LoadModel(strings.NewReader(in)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// The built-in model is the starting table (ATTRIBUTION.md with rows 25–28)
// with fitted λ values: nothing else differs, no λ changed direction, and a
// λ of 1 stayed 1 (the country factor above all).
func TestDefaultModelIsTheFittedTable(t *testing.T) {
	f, err := os.Open("testdata/starting-model.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	start, err := LoadModel(f)
	if err != nil {
		t.Fatal(err)
	}
	m := DefaultModel()
	for id, sf := range start.Factors {
		df := m.Factors[id]
		for role, l0 := range sf.Lambda {
			l := df.Lambda[role]
			if l0 == 1 && l != 1 || l0 > 1 && l < 1 || l0 < 1 && l > 1 {
				t.Errorf("%s/%s: λ %g became %g", id, role, l0, l)
			}
		}
		df.Lambda, sf.Lambda = nil, nil
		if !reflect.DeepEqual(df, sf) {
			t.Errorf("%s: row changed beyond λ: %+v, was %+v", id, df, sf)
		}
	}
	start.Factors, start.Version = m.Factors, m.Version
	if start.Digest() != m.Digest() {
		t.Error("the built-in model differs from the starting table beyond λ values")
	}
}
