package observe_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/enrich/observe"
	"github.com/casefile/casefile/enrich/rdap/rdaptest"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/sampledata"
)

// TestRDAPOnLoopback runs RDAP against a server on 127.0.0.1 serving real
// ARIN and RIPE answers: each answer is preserved once and cited, the abuse
// e-mail is recorded, a 404 is recorded as not found, the private address
// is never asked, and a second run asks nothing.
func TestRDAPOnLoopback(t *testing.T) {
	dir := sampledata.Path(t, "rdap")
	srv, err := rdaptest.NewReplay(filepath.Join(dir, "JakubOnderka-rdap_client/ip_network_arin_3_3_3_3.json"),
		filepath.Join(dir, "JakubOnderka-rdap_client/ip_network_ripe_193_0_0_0.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := parsedCaseOf(t, `Nov 20 09:02:19 web01 sshd[31002]: Failed password for root from 3.3.3.3 port 55335 ssh2
Nov 20 09:02:20 web01 sshd[31003]: Failed password for root from 3.3.3.4 port 55336 ssh2
Nov 20 09:02:21 web01 sshd[31004]: Failed password for root from 193.0.6.139 port 55337 ssh2
Nov 20 09:02:22 web01 sshd[31005]: Failed password for admin from 10.1.2.3 port 57812 ssh2
Nov 20 09:02:23 web01 sshd[31006]: Failed password for admin from 9.9.9.9 port 57813 ssh2
`)
	ctx := context.Background()
	rep, err := observe.Run(ctx, c, observe.Options{RDAP: true, RDAPServer: srv.URL, RDAPRate: -1})
	if err != nil {
		t.Fatal(err)
	}
	if r := rep.RDAP; r.Asked != 4 || r.Answered != 4 || r.Abuse != 3 || r.Recorded != 4 {
		t.Fatalf("rdap: %+v", r)
	}
	if got := len(srv.Asked()); got != 3 {
		t.Errorf("%d requests, want 3 (3.3.3.4 is in the network of 3.3.3.3): %v", got, srv.Asked())
	}
	want := map[string]string{"3.3.3.3": "abuse@amazonaws.com", "3.3.3.4": "abuse@amazonaws.com", "193.0.6.139": "abuse@ripe.net"}
	var arin string
	for ind, mail := range want {
		obs, err := observe.Observations(c, ind)
		if err != nil || len(obs) != 1 || obs[0].SourceType != enrich.TypeRDAP || obs[0].Fields["abuse_email"] != mail {
			t.Fatalf("%s: %v %+v", ind, err, obs)
		}
		if ind != "193.0.6.139" {
			if arin != "" && obs[0].Dataset != arin {
				t.Errorf("the two ARIN addresses cite different artefacts")
			}
			arin = obs[0].Dataset
		}
	}
	ar, err := c.OpenArtefact(mustDigest(t, arin))
	if err != nil {
		t.Fatal(err)
	}
	raw := make([]byte, ar.Size())
	ar.ReadAt(raw, 0)
	if body, _ := os.ReadFile(filepath.Join(dir, "JakubOnderka-rdap_client/ip_network_arin_3_3_3_3.json")); !bytes.Equal(raw, body) {
		t.Errorf("the preserved answer differs from what the server sent")
	}
	if obs, _ := observe.Observations(c, "9.9.9.9"); len(obs) != 1 || obs[0].Fields["not_found"] != true {
		t.Errorf("9.9.9.9: %+v", obs)
	}
	// One entry per answer: the two ARIN addresses share theirs.
	entries := 0
	c.Entries(0, func(e *evidence.Entry) error {
		if e.Kind == observe.KindObservations && bytes.Contains(e.Payload, []byte(`"source_type":"rdap"`)) {
			entries++
		}
		return nil
	})
	if entries != 3 {
		t.Errorf("%d RDAP observation entries, want 3 (ARIN, RIPE, the 404)", entries)
	}
	n := len(srv.Asked())
	rep, err = observe.Run(ctx, c, observe.Options{RDAP: true, RDAPServer: srv.URL, RDAPRate: -1})
	if err != nil || rep.RDAP.Asked != 0 || len(srv.Asked()) != n {
		t.Fatalf("second run: %v %+v, %d requests", err, rep.RDAP, len(srv.Asked())-n)
	}
	if ps := indexProblems(t, c); len(ps) > 0 {
		t.Errorf("index does not match the entries: %v", ps)
	}
}
