package s3blobs

import (
	"errors"

	"github.com/casefile/casefile/evidence"
)

// Custody entry kinds of legal holds.
const (
	KindHoldSet      = "hold.set"
	KindHoldReleased = "hold.released"
)

// HoldPayload is the payload of hold.set and hold.released: why, where,
// and on how many object versions the hold was applied or lifted.
type HoldPayload struct {
	Summary string `json:"summary"`
	Reason  string `json:"reason"`
	Storage string `json:"storage"` // s3://BUCKET/PREFIX
	Objects int    `json:"objects"`
}

// LastHold finds the latest hold.set or hold.released entry of the case;
// nil when the case was never put under legal hold.
func LastHold(c *evidence.Case) (*evidence.Entry, *HoldPayload, error) {
	var last *evidence.Entry
	err := c.Entries(0, func(e *evidence.Entry) error {
		if e.Kind == KindHoldSet || e.Kind == KindHoldReleased {
			last = e
		}
		return nil
	})
	if err != nil || last == nil {
		return nil, nil, err
	}
	var p HoldPayload
	if err := last.DecodePayload(&p); err != nil {
		return last, nil, errors.New("entry " + last.Kind + ": unreadable payload")
	}
	return last, &p, nil
}
