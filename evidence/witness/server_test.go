package witness_test

import (
	"net/http"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/casefile/casefile/evidence/witness"
	"github.com/casefile/casefile/evidence/witness/witnesstest"
)

// checkCosig checks that sigs is a valid cosignature by w on ck.
func checkCosig(t *testing.T, w *witnesstest.Server, k testKey, ck []byte, sigs string) {
	t.Helper()
	v, err := witness.NewVerifier(w.VKey())
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(append(append([]byte(nil), ck...), sigs...), note.VerifierList(k.verifier, v))
	if err != nil {
		t.Fatalf("cosigned checkpoint: %v\n%s%s", err, ck, sigs)
	}
	if len(n.Sigs) != 2 || n.Sigs[1].Name != w.Name() {
		t.Fatalf("signatures %+v", n.Sigs)
	}
}

// The witness suite of transparency-dev/witness, on the C2SP protocol:
// growth from 0, a smaller checkpoint, a garbage proof, a changed origin,
// an identical resubmission; each refusal with the tlog-witness status.
func TestWitnessGrowthFromZero(t *testing.T) {
	k := newKey(t, testOrigin)
	w := newWitness(t, "test.example/w1", k.vkey)
	c := newCase(t, k)
	grow(t, c, 3, "a")
	code, body, _ := post(t, w.URL, request(0, nil, c.Log().Checkpoint()))
	if code != http.StatusOK || !strings.HasPrefix(body, "— test.example/w1 ") {
		t.Fatalf("first checkpoint: %d %q", code, body)
	}
	checkCosig(t, w, k, c.Log().Checkpoint(), body)
	grow(t, c, 4, "b")
	code, body, _ = post(t, w.URL, request(3, consistency(t, c, 3), c.Log().Checkpoint()))
	if code != http.StatusOK {
		t.Fatalf("growth 3 → 7: %d %q", code, body)
	}
	checkCosig(t, w, k, c.Log().Checkpoint(), body)

	// The state survives a restart: the witness knows size 7.
	w2, err := witness.OpenServer(w.Dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if w2.VKey() != w.VKey() {
		t.Fatal("the witness key changed on restart")
	}
	w.HTTP.Config.Handler = w2
	code, body, ctype := post(t, w.URL, request(3, consistency(t, c, 3), c.Log().Checkpoint()))
	if code != http.StatusConflict || body != "7\n" || ctype != "text/x.tlog.size" {
		t.Fatalf("stale old size after restart: %d %q %q", code, body, ctype)
	}
}

func TestWitnessSmallerCheckpoint(t *testing.T) {
	k := newKey(t, testOrigin)
	w := newWitness(t, "test.example/w1", k.vkey)
	c := newCase(t, k)
	grow(t, c, 3, "a")
	small := c.Log().Checkpoint()
	grow(t, c, 4, "b")
	if code, body, _ := post(t, w.URL, request(0, nil, c.Log().Checkpoint())); code != http.StatusOK {
		t.Fatalf("%d %q", code, body)
	}
	// old larger than the checkpoint: 400.
	if code, _, _ := post(t, w.URL, request(7, nil, small)); code != http.StatusBadRequest {
		t.Fatalf("old 7, checkpoint 3: %d, want 400", code)
	}
	// a checkpoint smaller than the one cosigned, from its own old size: 409 with 7.
	if code, body, _ := post(t, w.URL, request(0, nil, small)); code != http.StatusConflict || body != "7\n" {
		t.Fatalf("smaller checkpoint: %d %q, want 409 7", code, body)
	}
}

func TestWitnessGarbageProof(t *testing.T) {
	k := newKey(t, testOrigin)
	w := newWitness(t, "test.example/w1", k.vkey)
	c := newCase(t, k)
	grow(t, c, 3, "a")
	post(t, w.URL, request(0, nil, c.Log().Checkpoint()))
	grow(t, c, 5, "b")
	good := consistency(t, c, 3)
	garbage := make(tlog.TreeProof, len(good))
	for i := range garbage {
		garbage[i][0] = byte(i + 1)
	}
	short := good[:len(good)-1]
	for name, p := range map[string]tlog.TreeProof{"garbage": garbage, "short": short, "empty": nil} {
		if code, body, _ := post(t, w.URL, request(3, p, c.Log().Checkpoint())); code != http.StatusUnprocessableEntity {
			t.Errorf("%s proof: %d %q, want 422", name, code, body)
		}
	}
	// A fork: the same key signs a different history of size 8.
	f := newCase(t, k)
	grow(t, f, 8, "fork")
	if code, _, _ := post(t, w.URL, request(3, consistency(t, f, 3), f.Log().Checkpoint())); code != http.StatusUnprocessableEntity {
		t.Errorf("forked log: %d, want 422", code)
	}
	// The refusals left the witness at 3: the good proof passes.
	if code, body, _ := post(t, w.URL, request(3, good, c.Log().Checkpoint())); code != http.StatusOK {
		t.Fatalf("good proof after refusals: %d %q", code, body)
	}
}

func TestWitnessChangedOrigin(t *testing.T) {
	k := newKey(t, testOrigin)
	w := newWitness(t, "test.example/w1", k.vkey)
	other := newKey(t, "casefile.invalid/case/another")
	c := newCase(t, other)
	grow(t, c, 2, "a")
	if code, _, _ := post(t, w.URL, request(0, nil, c.Log().Checkpoint())); code != http.StatusNotFound {
		t.Fatalf("unknown origin: %d, want 404", code)
	}
	// The known origin, signed by another key: 403.
	impostor := newKey(t, testOrigin)
	c2 := newCase(t, impostor)
	grow(t, c2, 2, "a")
	if code, _, _ := post(t, w.URL, request(0, nil, c2.Log().Checkpoint())); code != http.StatusForbidden {
		t.Fatalf("unknown key: %d, want 403", code)
	}
	// A checkpoint whose origin line was changed after signing: 403.
	c3 := newCase(t, k)
	grow(t, c3, 2, "a")
	changed := strings.Replace(string(c3.Log().Checkpoint()), "\n2\n", "\n3\n", 1)
	if code, _, _ := post(t, w.URL, request(0, nil, []byte(changed))); code != http.StatusForbidden {
		t.Fatalf("altered checkpoint: %d, want 403", code)
	}
}

func TestWitnessIdenticalResubmission(t *testing.T) {
	k := newKey(t, testOrigin)
	w := newWitness(t, "test.example/w1", k.vkey)
	c := newCase(t, k)
	grow(t, c, 4, "a")
	req := request(0, nil, c.Log().Checkpoint())
	if code, _, _ := post(t, w.URL, req); code != http.StatusOK {
		t.Fatal(code)
	}
	// The same request again: its old size is no longer the latest.
	if code, body, _ := post(t, w.URL, req); code != http.StatusConflict || body != "4\n" {
		t.Fatalf("identical resubmission: %d %q, want 409 4", code, body)
	}
	// The same checkpoint from its own size: cosigned again.
	code, body, _ := post(t, w.URL, request(4, nil, c.Log().Checkpoint()))
	if code != http.StatusOK {
		t.Fatalf("same checkpoint from its size: %d %q", code, body)
	}
	checkCosig(t, w, k, c.Log().Checkpoint(), body)
	// Another root at the same size: 409.
	f := newCase(t, k)
	grow(t, f, 4, "fork")
	if code, body, _ := post(t, w.URL, request(4, nil, f.Log().Checkpoint())); code != http.StatusConflict || body != "4\n" {
		t.Fatalf("fork at the same size: %d %q, want 409 4", code, body)
	}
}

func TestWitnessMalformedRequests(t *testing.T) {
	k := newKey(t, testOrigin)
	w := newWitness(t, "test.example/w1", k.vkey)
	c := newCase(t, k)
	grow(t, c, 3, "a")
	ck := string(c.Log().Checkpoint())
	h := tlog.Hash{1}.String()
	for name, body := range map[string]string{
		"no blank line":        "old 0\n" + ck,
		"no old line":          "\n" + ck,
		"leading zero":         "old 00\n\n" + ck,
		"negative":             "old -1\n\n" + ck,
		"not a hash":           "old 0\nnot-base64!\n\n" + ck,
		"short hash":           "old 0\nAAAA\n\n" + ck,
		"proof from zero":      "old 0\n" + h + "\n\n" + ck,
		"too many proof lines": "old 0\n" + strings.Repeat(h+"\n", 64) + "\n" + ck,
		"not a note":           "old 0\n\n" + testOrigin + "\n3\n",
	} {
		if code, resp, _ := post(t, w.URL, body); code != http.StatusBadRequest {
			t.Errorf("%s: %d %q, want 400", name, code, resp)
		}
	}
	if code, _, _ := post(t, w.URL, "old 0\n"+strings.Repeat("x", 70<<10)+"\n\n"+ck); code != http.StatusRequestEntityTooLarge {
		t.Errorf("a 70 KiB request: %d, want 413", code)
	}
	resp, err := http.Get(w.URL + "/add-checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d, want 405", resp.StatusCode)
	}
	// Nothing above changed the state: size 0 still starts the log.
	if code, _, _ := post(t, w.URL, request(0, nil, []byte(ck))); code != http.StatusOK {
		t.Fatalf("after malformed requests: %d", code)
	}
}

func TestVerifierRejects(t *testing.T) {
	k := newKey(t, testOrigin)
	w := newWitness(t, "test.example/w1", k.vkey)
	for _, bad := range []string{"", k.vkey, "test.example/w1+00000000+" + strings.SplitN(w.VKey(), "+", 3)[2], "a b+1234abcd+BA=="} {
		if _, err := witness.NewVerifier(bad); err == nil {
			t.Errorf("accepted witness key %q", bad)
		}
	}
	if _, err := witness.OpenServer(w.Dir, "test.example/other"); err == nil {
		t.Error("reopened a witness under another name")
	}
	if _, err := witness.OpenServer(t.TempDir(), "bad name"); err == nil {
		t.Error("created a witness with a space in its name")
	}
}

// Checking the old size and persisting the new checkpoint are one step:
// of concurrent requests from the same old size, exactly one is cosigned,
// so no request can roll the witness back (tlog-witness's race).
func TestWitnessConcurrentRequests(t *testing.T) {
	k := newKey(t, testOrigin)
	w := newWitness(t, "test.example/w1", k.vkey)
	c := newCase(t, k)
	grow(t, c, 2, "a")
	post(t, w.URL, request(0, nil, c.Log().Checkpoint()))
	var reqs []string
	for i := 0; i < 8; i++ {
		grow(t, c, 1, "b")
		reqs = append(reqs, request(2, consistency(t, c, 2), c.Log().Checkpoint()))
	}
	codes := make(chan int, len(reqs))
	for _, r := range reqs {
		go func() {
			code, _, _ := post(t, w.URL, r)
			codes <- code
		}()
	}
	ok := 0
	for range reqs {
		switch <-codes {
		case http.StatusOK:
			ok++
		case http.StatusConflict:
		default:
			t.Error("unexpected status")
		}
	}
	if ok != 1 {
		t.Fatalf("%d of %d concurrent requests from size 2 were cosigned, want 1", ok, len(reqs))
	}
}

// A log added by another process (casefile witness add-log) while the
// witness runs is picked up at its first request.
func TestWitnessAddLogWhileRunning(t *testing.T) {
	k := newKey(t, testOrigin)
	w := newWitness(t, "test.example/w1")
	c := newCase(t, k)
	grow(t, c, 2, "a")
	if code, _, _ := post(t, w.URL, request(0, nil, c.Log().Checkpoint())); code != http.StatusNotFound {
		t.Fatalf("before add-log: %d, want 404", code)
	}
	other, err := witness.OpenServer(w.Dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := other.AddLog(k.vkey); err != nil {
		t.Fatal(err)
	}
	if code, body, _ := post(t, w.URL, request(0, nil, c.Log().Checkpoint())); code != http.StatusOK {
		t.Fatalf("after add-log: %d %q", code, body)
	}
}
