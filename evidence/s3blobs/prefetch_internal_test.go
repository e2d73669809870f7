package s3blobs

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

// TestPrefetcher: announced chunks come from the read-ahead in order; a
// read out of order, a chunk not announced, or one after stop goes to the
// store; an error reaches the reader of that chunk.
func TestPrefetcher(t *testing.T) {
	var fetched atomic.Int32
	bad := [32]byte{9}
	p := &prefetcher{get: func(_ context.Context, sum [32]byte) ([]byte, error) {
		fetched.Add(1)
		if sum == bad {
			return nil, errors.New("boom")
		}
		return sum[:1], nil
	}}
	sums := make([][32]byte, 40) // more than readAhead
	for i := range sums {
		sums[i] = [32]byte{byte(i + 10)}
	}
	sums[30] = bad
	stop := p.start(sums)
	for i, s := range sums[:30] {
		data, err, ok := p.take(s)
		if !ok || err != nil || data[0] != byte(i+10) {
			t.Fatalf("chunk %d: %v %v %v", i, data, err, ok)
		}
	}
	if _, err, ok := p.take(bad); !ok || err == nil {
		t.Fatalf("the failed fetch: ok %v, err %v", ok, err)
	}
	if _, _, ok := p.take(sums[35]); ok {
		t.Fatal("a chunk out of order came from the read-ahead")
	}
	if _, _, ok := p.take([32]byte{200}); ok {
		t.Fatal("a chunk never announced came from the read-ahead")
	}
	stop()
	if _, _, ok := p.take(sums[31]); ok {
		t.Fatal("the read-ahead answered after stop")
	}
	if n := fetched.Load(); n > 31+readAhead {
		t.Fatalf("%d fetches: the read-ahead ran more than %d ahead", n, readAhead)
	}
}
