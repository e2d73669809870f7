package evidence

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"

	"golang.org/x/mod/sumdb/tlog"
)

// A commit encodes its entries into one slab, '\n' between them, and hashes
// each: entry j names the SHA-256 of entry j-1's bytes (prev), so the
// hashes are a chain, computed one after the other, and the entry files
// can be written only once the last is known. What comes before prev in an
// entry (actor, index, kind, payload: canonical JSON sorts the keys) does
// not depend on the chain: a second goroutine copies it into the slab and
// hashes it, each entry into a SHA-256 state of its own, ahead of the
// chain; the chain then hashes only prev, the time and the closing bytes
// from that state. Whenever the chain catches up, it encodes the next
// chunk of entries itself and hashes them whole. Either way the digest is
// SHA-256 of the whole entry (TestChainHashes). What the entry files do
// not need (leaf hashes, the Entry values, the Merkle tree's new hashes)
// is kept off their path: the second goroutine, once nothing is left to
// encode, makes them for each chunk the chain has linked, following it,
// and finish makes the rest while the files are written. (Goroutines of
// their own for them, started after the chain, waited for a processor:
// the entry files' write holds one in its system call, and the commit
// the other.)

// chainChunk is how many entries one goroutine encodes at a time;
// chainSpins how many times the chain yields, waiting for a chunk, before
// it blocks.
const chainChunk, chainSpins = 32, 100

// entryChain is one commit's encoding.
type entryChain struct {
	parts []*entryParts
	first uint64 // log index of parts[0]
	at    entryTime
	slab  []byte
	// Entry j is slab[start(j):ends[j]]; its prev (64 hex digits) starts
	// at prevAt[j].
	ends, prevAt []int
	// laidOut is set, and laidOutCh closed, once the fields above are.
	laidOut   atomic.Bool
	laidOutCh chan struct{}
	// hashers[j], for the chunks the other goroutine encodes, holds the
	// hash of entry j's bytes before prev.
	hashers []hash.Hash
	next    atomic.Int64 // the next chunk to encode
	// ready[c] is set, and done[c] closed, when the other goroutine has
	// encoded chunk c; nil when there is no other goroutine.
	ready []atomic.Bool
	done  []chan struct{}
	// linked is how many chunks the chain has written the prevs of and
	// hashed.
	linked atomic.Int64
	// fin is the next chunk to finish (leaf hashes, Entry values: ents,
	// leaves, made by whoever finishes first: out), finished how many
	// are; allFinished is closed when all are.
	fin, finished atomic.Int64
	allFinished   chan struct{}
	out           sync.Once
	ents          []Entry
	leaves        []tlog.Hash
	// tree, when set, is given the leaf hashes chunk by chunk, in order,
	// as they are made, by whichever goroutine finishes the chunk that
	// lets it go on (feedTree): the Merkle tree grows beside the chain
	// instead of after it. chunkDone[c] is set once chunk c is finished;
	// treed counts the chunks given; feeding is held by the goroutine
	// giving them.
	tree      func([]tlog.Hash)
	chunkDone []atomic.Bool
	treed     atomic.Int64
	feeding   atomic.Bool
}

// timeKey and entryEnd surround an entry's time, after its prev.
const timeKey, entryEnd = `","time":"`, `"}`

// newEntryChain lays out the entries of parts, the first at index first,
// in one slab. hashers is reused from the commit before (nil at first):
// the chain's, grown when it needs more, replaces it. With second, and
// more than one chunk, the second goroutine is started first: it takes
// some tens of microseconds to be running, about what laying out the
// slab takes. (Tests turn it off to have the chain encode every chunk.)
func newEntryChain(parts []*entryParts, first uint64, at entryTime, hashers []hash.Hash, second bool) *entryChain {
	n := len(parts)
	ec := &entryChain{parts: parts, first: first, at: at, hashers: hashers, allFinished: make(chan struct{})}
	chunks := ec.chunks()
	if chunks > 1 && second {
		ec.ready, ec.done, ec.laidOutCh = make([]atomic.Bool, chunks), make([]chan struct{}, chunks), make(chan struct{})
		for c := range ec.done {
			ec.done[c] = make(chan struct{})
		}
		go ec.second()
	}
	ec.ends, ec.prevAt = make([]int, n), make([]int, n)
	off := 0
	nd, next := digitsUntil(first) // the index's digits, counted again at next
	for j, p := range parts {
		if j > 0 {
			off++ // '\n'
		}
		if i := first + uint64(j); i == next {
			nd, next = digitsUntil(i)
		}
		ec.prevAt[j] = off + len(p.pre) + nd
		off = ec.prevAt[j] + 2*sha256.Size + len(timeKey) + len(at.text) + len(entryEnd)
		ec.ends[j] = off
	}
	ec.slab = make([]byte, off)
	if ec.ready != nil {
		for len(ec.hashers) < n {
			ec.hashers = append(ec.hashers, sha256.New())
		}
		ec.laidOut.Store(true)
		close(ec.laidOutCh)
	}
	return ec
}

// second is the chain's second goroutine: it encodes chunks ahead of the
// chain, then finishes those the chain has linked.
func (ec *entryChain) second() {
	wait(ec.laidOut.Load, ec.laidOutCh)
	for {
		c := int(ec.next.Add(1) - 1)
		if c >= ec.chunks() {
			break
		}
		ec.encode(c, true)
		ec.ready[c].Store(true)
		close(ec.done[c])
	}
	ec.finishChunks(true)
}

func (ec *entryChain) chunks() int { return (len(ec.parts) + chainChunk - 1) / chainChunk }

// wait returns once ok does, yielding a little before it blocks on ch
// (closed once ok holds): a chunk takes microseconds, and a goroutine
// parked at once could wait longer for its processor to be woken again.
func wait(ok func() bool, ch chan struct{}) {
	for spins := 0; !ok(); spins++ {
		if spins < chainSpins {
			runtime.Gosched()
			continue
		}
		<-ch
		return
	}
}

// digitsUntil is how many decimal digits u has, and the least number
// above u with more (a power of ten; 0, where the indexes wrap, above
// those of 20 digits).
func digitsUntil(u uint64) (n int, next uint64) {
	n, next = 1, 10
	for ; u >= next && next != 1e19; next *= 10 {
		n++
	}
	if u >= next {
		return 20, 0
	}
	return n, next
}

func (ec *entryChain) start(j int) int {
	if j == 0 {
		return 0
	}
	return ec.ends[j-1] + 1
}

// raw is entry j's canonical bytes.
func (ec *entryChain) raw(j int) []byte { return ec.slab[ec.start(j):ec.ends[j]:ec.ends[j]] }

// encode writes the entries of chunk c, all but their prev, and with
// hashers hashes each up to its prev.
func (ec *entryChain) encode(c int, hashers bool) {
	for j := c * chainChunk; j < min((c+1)*chainChunk, len(ec.parts)); j++ {
		p, s, w := ec.parts[j], ec.slab, ec.start(j)
		w += copy(s[w:], p.pre[:p.split])
		w += len(strconv.AppendUint(s[w:w], ec.first+uint64(j), 10))
		w += copy(s[w:], p.pre[p.split:])
		w += 2 * sha256.Size
		w += copy(s[w:], timeKey)
		w += copy(s[w:], ec.at.text)
		w += copy(s[w:], entryEnd)
		if w < len(s) {
			s[w] = '\n'
		}
		if hashers {
			h := ec.hashers[j]
			h.Reset()
			h.Write(s[ec.start(j):ec.prevAt[j]])
		}
	}
}

// run encodes the entries and hashes the chain from prev, the hash of the
// entry before the first; it returns the last entry's hash.
func (ec *entryChain) run(prev [32]byte) [32]byte {
	var sum [32]byte
	for c := range ec.chunks() {
		own := ec.ready == nil || ec.next.CompareAndSwap(int64(c), int64(c+1))
		if own {
			ec.encode(c, false)
		} else {
			wait(ec.ready[c].Load, ec.done[c])
		}
		for j := c * chainChunk; j < min((c+1)*chainChunk, len(ec.parts)); j++ {
			at := ec.prevAt[j]
			hex.Encode(ec.slab[at:at+2*sha256.Size], prev[:])
			if own {
				prev = sha256.Sum256(ec.raw(j))
				continue
			}
			h := ec.hashers[j]
			h.Write(ec.slab[at:ec.ends[j]])
			h.Sum(sum[:0])
			prev = sum
		}
		ec.linked.Store(int64(c + 1))
	}
	return prev
}

// finish returns the Entry values of the chain's entries and their tree
// leaf hashes (RFC 6962: SHA-256 of 0x00 and the entry), once run has
// returned, making those the chain's second goroutine has not; tree has
// been given every leaf when it returns.
func (ec *entryChain) finish() ([]Entry, []tlog.Hash) {
	chunks := int64(ec.chunks())
	ec.finishChunks(false)
	wait(func() bool { return ec.finished.Load() == chunks }, ec.allFinished)
	for ec.tree != nil && ec.treed.Load() < chunks {
		ec.feedTree() // or wait for the goroutine feeding it
		if ec.treed.Load() < chunks {
			runtime.Gosched()
		}
	}
	return ec.ents, ec.leaves
}

// feedTree gives tree the leaves of the finished chunks next in order,
// unless another goroutine is giving them: that one then sees the chunks
// finished meanwhile (set before this looked at feeding).
func (ec *entryChain) feedTree() {
	chunks := int64(ec.chunks())
	for ec.tree != nil {
		t := ec.treed.Load()
		if t >= chunks || !ec.chunkDone[t].Load() || !ec.feeding.CompareAndSwap(false, true) {
			return
		}
		for t = ec.treed.Load(); t < chunks && ec.chunkDone[t].Load(); t++ {
			ec.tree(ec.leaves[t*chainChunk : min((t+1)*chainChunk, int64(len(ec.leaves)))])
			ec.treed.Store(t + 1)
		}
		ec.feeding.Store(false)
	}
}

// linkSpins is how many times in a row the second goroutine yields,
// waiting for the chain to link the next chunk, before it leaves the rest
// to finish. It never parks holding a chunk: a goroutine parked while the
// chain ran was woken on the chain's processor, whose entry-file write
// then held it in a system call, and finish waited for it for hundreds
// of microseconds.
const linkSpins = 200

// finishChunks makes the Entry values and leaf hashes of the chunks the
// chain has linked, taking them in turn, until none is left; the second
// goroutine (second) waits for the chain to link the next one for a while.
func (ec *entryChain) finishChunks(second bool) {
	chunks := int64(ec.chunks())
	ec.out.Do(func() {
		ec.ents, ec.leaves, ec.chunkDone = make([]Entry, len(ec.parts)), make([]tlog.Hash, len(ec.parts)), make([]atomic.Bool, chunks)
	})
	h := sha256.New()
	for spins := 0; ; {
		c := ec.fin.Load()
		if c >= chunks {
			return
		}
		if ec.linked.Load() <= c {
			if spins++; !second || spins > linkSpins {
				return
			}
			runtime.Gosched()
			continue
		}
		if !ec.fin.CompareAndSwap(c, c+1) {
			continue
		}
		spins = 0
		for j := int(c) * chainChunk; j < min(int(c+1)*chainChunk, len(ec.parts)); j++ {
			p, raw := ec.parts[j], ec.raw(j)
			h.Reset()
			h.Write(leafPrefix)
			h.Write(raw)
			h.Sum(ec.leaves[j][:0])
			shift := ec.prevAt[j] - ec.start(j) - len(p.pre) // the index's digits
			at := ec.prevAt[j] - ec.start(j)
			ec.ents[j] = Entry{Index: ec.first + uint64(j), Time: ec.at.t, Kind: p.kind, Actor: p.actor,
				Prev: string(raw[at : at+2*sha256.Size]), Payload: raw[p.payAt+shift : p.payEnd+shift : p.payEnd+shift], Raw: raw}
		}
		ec.chunkDone[c].Store(true)
		ec.feedTree()
		if ec.finished.Add(1) == chunks {
			close(ec.allFinished)
		}
	}
}

// leafPrefix starts the bytes of a tree leaf hash (tlog.RecordHash).
var leafPrefix = []byte{0}
