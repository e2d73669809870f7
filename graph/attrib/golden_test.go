package attrib

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence/parse"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update after checking):\n%s", name, got)
	}
}

func goldenCase() *caseBuilder {
	c := newCase()
	scenarioTor(c)
	ip := "93.184.77.12"
	c.tor(ip, t0.Add(-540*24*time.Hour))
	c.whois(ip, "Baeckerei Schmidt GmbH", "info@baeckerei-schmidt.example", time.Time{})
	c.ev(artSSH, t0, parse.KindAuth, parse.OutcomeFailure, ip, "webmaster")
	c.in.VantageProxy[artWeb] = true
	c.ranges("54.230.202.37", "aws-ip-ranges", "AMAZON", "CLOUDFRONT")
	c.ev(artWeb, t0, parse.KindHTTP, parse.OutcomeSuccess, "54.230.202.37", "")
	c.ev(artWeb, t0, parse.KindHTTP, parse.OutcomeSuccess, "10.1.2.3", "")
	c.in.EntryOf = func(d string) (int64, bool) {
		switch d {
		case artSSH:
			return 3, true
		case dsTor:
			return 7, true
		}
		return 0, false
	}
	return c
}

func TestGoldenText(t *testing.T) {
	res := goldenCase().assess(t)
	var b bytes.Buffer
	if err := res.Text(&b); err != nil {
		t.Fatal(err)
	}
	golden(t, "text.golden", b.Bytes())
}

func TestGoldenJSON(t *testing.T) {
	res := goldenCase().assess(t, "185.220.101.4", "130.83.47.11", "93.184.77.12", "54.230.202.37")
	b, err := json.MarshalIndent(res, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "assess.golden.json", append(b, '\n'))
	// The JSON decodes back to the same result.
	var back Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Sources[0].Hypotheses != res.Sources[0].Hypotheses || back.Sources[0].Factors[0].Nats != res.Sources[0].Factors[0].Nats {
		t.Fatal("round trip changed the numbers")
	}
}

func TestUnknownIndicator(t *testing.T) {
	_, err := Assess(nil, goldenCase().in, []string{"8.8.8.8"})
	if err == nil {
		t.Fatal("no error for an indicator the case never saw")
	}
}

// TestNotEvaluatedShown: rules that could not evaluate every event they
// matched are named in the text and the JSON, so the missing factors are
// not read as absence of behaviour.
func TestNotEvaluatedShown(t *testing.T) {
	res := &Result{Model: "m", NotEvaluated: []RuleEvents{{Rule: "casefile-auth-password-guessing", Events: 1234}}}
	var b bytes.Buffer
	if err := res.Text(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "Not evaluated: 1234 events that rule casefile-auth-password-guessing matched") {
		t.Errorf("text:\n%s", b.String())
	}
	j, err := json.Marshal(res)
	if err != nil || !strings.Contains(string(j), `"not_evaluated":[{"rule":"casefile-auth-password-guessing","events":1234}]`) {
		t.Errorf("json %s, %v", j, err)
	}
	j, _ = json.Marshal(&Result{})
	if strings.Contains(string(j), "not_evaluated") {
		t.Errorf("json of a complete result: %s", j)
	}
}
