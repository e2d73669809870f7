package tsa_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence/tsa"
	"github.com/casefile/casefile/evidence/tsa/tsatest"
)

func TestRequestAndCheck(t *testing.T) {
	when := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	srv := tsatest.New(t, func() time.Time { return when })
	data := []byte("casefile.invalid/case/x\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")
	raw, err := tsa.Request(context.Background(), srv.Client(), srv.URL, data)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := tsa.Check(raw, data)
	if err != nil {
		t.Fatal(err)
	}
	if !ts.Time.Equal(when) || !strings.Contains(tsa.Authority(ts), tsatest.Name) {
		t.Fatalf("time %v, authority %q", ts.Time, tsa.Authority(ts))
	}
	if _, err := tsa.Check(raw, append(data, 'x')); err == nil {
		t.Fatal("a timestamp over other data was accepted")
	}
	bad := append([]byte(nil), raw...)
	bad[len(bad)-10] ^= 1
	if _, err := tsa.Check(bad, data); err == nil {
		t.Fatal("a damaged timestamp was accepted")
	}
	if _, err := tsa.Request(context.Background(), nil, "http://127.0.0.1:1/", data); err == nil {
		t.Fatal("an unreachable authority gave a timestamp")
	}
}
