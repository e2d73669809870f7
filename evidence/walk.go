package evidence

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"

	"golang.org/x/mod/sumdb/tlog"
)

// Walk returns the committed entries with index in [from, to), in order,
// each strictly parsed; to == 0 means the log's size when Walk is called.
// An entry that cannot be read ends the walk with its error (and a nil
// entry). Breaking out of the loop stops the scan.
//
// Walk does not check the chain; a reader that needs it feeds the entries
// to a ChainChecker.
func (c *Case) Walk(from, to uint64) iter.Seq2[*Entry, error] {
	return c.walk(from, to, nil)
}

// WalkKinds is Walk over the entries whose kind keep accepts; the others
// are skipped without being parsed. A reader that folds a few kinds (the
// annotations, the saved views) then pays little for the entries that make
// most of a busy log, views and logins: parsing one strictly costs more
// than reading it. An entry whose kind cannot be read that cheaply is
// parsed, so a malformed entry of a kept kind still ends the walk; one of
// another kind is left to verification, which parses every entry.
func (c *Case) WalkKinds(from, to uint64, keep func(kind string) bool) iter.Seq2[*Entry, error] {
	return c.walk(from, to, keep)
}

func (c *Case) walk(from, to uint64, keep func(kind string) bool) iter.Seq2[*Entry, error] {
	if to == 0 {
		to = c.log.Size()
	}
	return func(yield func(*Entry, error) bool) {
		if from >= to {
			return
		}
		stopped := errors.New("stopped") // only this walk's own break
		err := scanEntries(c.b, from, func(se storedEntry) error {
			i := se.index
			if !se.keyOK {
				return nil
			}
			if i >= to {
				return stopped
			}
			if se.runErr != nil {
				return fmt.Errorf("entry %d: %w", i, se.runErr)
			}
			if keep != nil {
				if k, ok := rawKind(se.raw); ok && !keep(k) {
					return nil
				}
			}
			e, err := ParseEntry(se.raw)
			if err != nil {
				return fmt.Errorf("entry %d: %w", i, err)
			}
			if !yield(e, nil) {
				return stopped
			}
			return nil
		})
		if err != nil && err != stopped {
			yield(nil, err)
		}
	}
}

// rawKind reads the kind of a stored entry without parsing it. Canonical
// JSON sorts the keys, so the entry's own "kind" comes before its payload
// (actor, index, kind, payload, …), and a string value cannot hold the
// key's bytes (its quotes are escaped): the first `"kind":"` is the
// entry's. ok is false for a kind with an escape, or none found.
func rawKind(raw []byte) (string, bool) {
	const key = `"kind":"`
	at := bytes.Index(raw, []byte(key))
	if at < 0 {
		return "", false
	}
	v := raw[at+len(key):]
	end := bytes.IndexByte(v, '"')
	if end < 0 || bytes.IndexByte(v[:end], '\\') >= 0 {
		return "", false
	}
	return string(v[:end]), true
}

// Entries calls fn for every committed entry from index from, in order
// (Walk with a callback: an error from fn ends the walk and is returned).
func (c *Case) Entries(from uint64, fn func(*Entry) error) error {
	return each(c.Walk(from, 0), fn)
}

// EntriesOfKinds is Entries for the entries in [from, to) whose kind keep
// accepts (WalkKinds).
func (c *Case) EntriesOfKinds(from, to uint64, keep func(kind string) bool, fn func(*Entry) error) error {
	return each(c.WalkKinds(from, to, keep), fn)
}

func each(walk iter.Seq2[*Entry, error], fn func(*Entry) error) error {
	for e, err := range walk {
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// ErrChainBroken is wrapped by the errors of CheckLink and ChainChecker
// for an entry that does not name its predecessor.
var ErrChainBroken = errors.New("hash chain broken")

// ErrEntryMissing is wrapped by ChainChecker's error for an entry that is
// not the next one (one or more entries were removed or reordered).
var ErrEntryMissing = errors.New("entry missing")

// CheckLink is the hash-chain rule: entry 0 names GenesisPrev, every other
// entry the SHA-256 of its predecessor's canonical bytes, prevSum (ignored
// for entry 0). The error does not name e: callers say where.
func CheckLink(e *Entry, prevSum [32]byte) error {
	if e.Index == 0 {
		if e.Prev != GenesisPrev {
			return &classed{"hash chain broken: entry 0 has a predecessor (its prev must be 64 zeros)", ErrChainBroken}
		}
		return nil
	}
	if e.Prev != hex.EncodeToString(prevSum[:]) {
		return &classed{fmt.Sprintf("hash chain broken: prev does not match entry %d", e.Index-1), ErrChainBroken}
	}
	return nil
}

// ChainChecker checks a log read from entry 0, one entry at a time: each
// entry is the next one and links to its predecessor (CheckLink), and the
// RFC 6962 root of the entries so far is kept, to be compared with a
// signed checkpoint.
type ChainChecker struct {
	tree compactRange
	prev [32]byte
}

// Add checks that e is the next entry and links to the previous one, then
// counts it (also when it does not link, so that the root still names
// what is stored).
func (ch *ChainChecker) Add(e *Entry) error {
	if e.Index != ch.tree.size {
		return fmt.Errorf("entry %d: %w (found entry %d next)", ch.tree.size, ErrEntryMissing, e.Index)
	}
	err := CheckLink(e, ch.prev)
	ch.prev = e.Hash()
	ch.tree.append(e.LeafHash(), nil)
	if err != nil {
		return fmt.Errorf("entry %d: %w", e.Index, err)
	}
	return nil
}

// Size is the number of entries added.
func (ch *ChainChecker) Size() uint64 { return ch.tree.size }

// Root is the RFC 6962 root of the entries added (zero when none was).
func (ch *ChainChecker) Root() tlog.Hash { return ch.tree.root() }

// ErrCheckpointMismatch is wrapped by CheckCheckpoint's error.
var ErrCheckpointMismatch = errors.New("the entries do not match the signed checkpoint")

// CheckCheckpoint reports whether the entries added are exactly those
// checkpoint ck signs: as many, with its root.
func (ch *ChainChecker) CheckCheckpoint(ck Checkpoint) error {
	if ch.Size() != ck.Size {
		return fmt.Errorf("%w: %d entries, checkpoint says %d", ErrCheckpointMismatch, ch.Size(), ck.Size)
	}
	if ch.Root() != ck.Root {
		return ErrCheckpointMismatch
	}
	return nil
}
