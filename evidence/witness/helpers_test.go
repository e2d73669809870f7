package witness_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/memstore"
	"github.com/casefile/casefile/evidence/witness/witnesstest"
)

const testOrigin = "casefile.invalid/case/witness-test"

// testKey is a case signing key.
type testKey struct {
	signer   note.Signer
	verifier note.Verifier
	vkey     string
}

func newKey(t testing.TB, origin string) testKey {
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return testKey{s, v, vkey}
}

// newCase opens an empty case in memory signed with k.
func newCase(t testing.TB, k testKey) *evidence.Case {
	return openCase(t, memstore.New(), k)
}

func openCase(t testing.TB, b evidence.Backend, k testKey) *evidence.Case {
	c, err := evidence.Open(b, evidence.Config{Signer: k.signer, Verifier: k.verifier})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// grow appends n entries, one commit each, saying what.
func grow(t testing.TB, c *evidence.Case, n int, what string) {
	t.Helper()
	for i := 0; i < n; i++ {
		if _, err := c.Append(context.Background(), evidence.Draft{Kind: "test.note", Actor: "tester", Payload: map[string]string{"what": fmt.Sprintf("%s %d", what, i)}}); err != nil {
			t.Fatal(err)
		}
	}
}

// snapshot copies every key of the case's store: the state an examiner
// could restore to rewrite history.
func snapshot(t testing.TB, c *evidence.Case) *memstore.Store {
	t.Helper()
	s := memstore.New()
	var ops []evidence.Op
	for _, p := range []string{"e/", "er/", "h/", "hr/", "k/", "c/", "a/", "layout", "wc/", "wt/", "wg/"} {
		err := c.Derived().Scan([]byte(p), nil, func(k, v []byte) error {
			ops = append(ops, evidence.Op{Key: bytes.Clone(k), Value: bytes.Clone(v)})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Write(ops, true); err != nil {
		t.Fatal(err)
	}
	return s
}

// newWitness is a witness server on 127.0.0.1 that knows the logs given.
func newWitness(t testing.TB, name string, logs ...string) *witnesstest.Server {
	t.Helper()
	return witnesstest.Start(t, name, logs...)
}

// post sends a raw add-checkpoint body and returns the status and body.
func post(t testing.TB, url, body string) (int, string, string) {
	t.Helper()
	resp, err := http.Post(url+"/add-checkpoint", "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("Content-Type")
}

// request builds an add-checkpoint body.
func request(old uint64, proof tlog.TreeProof, ck []byte) string {
	var b strings.Builder
	fmt.Fprintf(&b, "old %d\n", old)
	for _, h := range proof {
		b.WriteString(h.String() + "\n")
	}
	b.WriteString("\n")
	b.Write(ck)
	return b.String()
}

func consistency(t testing.TB, c *evidence.Case, old uint64) tlog.TreeProof {
	t.Helper()
	p, err := c.ConsistencyProof(old, c.Log().Size())
	if err != nil {
		t.Fatal(err)
	}
	return p
}
