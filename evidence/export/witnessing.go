package export

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"

	"golang.org/x/mod/sumdb/note"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/tsa"
	"github.com/casefile/casefile/evidence/witness"
)

// What others vouch for: the package's checkpoint with the cosignatures of
// the case's witnesses (a C2SP cosigned checkpoint), the witnessing policy
// in force, the RFC 3161 timestamp taken when the checkpoint was signed,
// and a consistency proof from every checkpoint the case exported before
// and every size the recipient names (proofs/consistency-OLD-NEW.txt, see
// proofs.go), so a recipient holding any earlier package can check that
// this one extends it.
const (
	fileCosigned      = "witnessing/checkpoint.cosigned"
	fileWitnessPolicy = "witnessing/policy.json"
	fileWitnessTSR    = "witnessing/checkpoint.tsr"
)

var witnessingRE = regexp.MustCompile(`^witnessing/(checkpoint\.cosigned|policy\.json|checkpoint\.tsr)$`)

// addWitnessing adds the witnessing files.
// A checkpoint not yet witnessed (the export wrote entries before it) is
// sent to the witnesses and the authority first; those that cannot be
// reached are simply missing from the package.
func addWitnessing(ctx context.Context, c *evidence.Case, st *state, p *pkg, hc *http.Client) error {
	t, err := witness.TracesAt(c, st.size)
	if err != nil {
		return fmt.Errorf("export: witnessing: %w", err)
	}
	pending := len(t.Cosignatures) < len(t.Policy.Witnesses) || (t.Policy.TSA != "" && t.Timestamp == nil)
	if pending && c.Log().Size() == st.size {
		if _, err := witness.Publish(ctx, c, t.Policy, hc); err != nil {
			return fmt.Errorf("export: witnessing: %w", err)
		}
		if t, err = witness.TracesAt(c, st.size); err != nil {
			return fmt.Errorf("export: witnessing: %w", err)
		}
	}
	if len(t.Policy.Witnesses) > 0 || t.Policy.TSA != "" {
		pj, err := json.MarshalIndent(t.Policy, "", "  ")
		if err != nil {
			return err
		}
		p.add(fileWitnessPolicy, append(pj, '\n'))
		st.witnessing = append(st.witnessing, fileWitnessPolicy)
		for _, w := range t.Policy.Witnesses {
			st.witnessKeys = append(st.witnessKeys, w.VKey)
		}
	}
	if len(t.Cosignatures) > 0 {
		p.add(fileCosigned, t.Cosigned(st.ckMsg))
		st.witnessing = append(st.witnessing, fileCosigned)
	}
	if t.Timestamp != nil {
		p.add(fileWitnessTSR, t.Timestamp)
		st.witnessing = append(st.witnessing, fileWitnessTSR)
	}
	return nil
}

// exportedSizes returns the checkpoint sizes of every earlier export.
func exportedSizes(c *evidence.Case) ([]uint64, error) {
	seen := map[uint64]bool{}
	err := c.Entries(0, func(e *evidence.Entry) error {
		if e.Kind != KindExportCreated {
			return nil
		}
		var p struct {
			Size uint64 `json:"checkpoint_size"`
		}
		if e.DecodePayload(&p) == nil {
			seen[p.Size] = true
		}
		return nil
	})
	var out []uint64
	for s := range seen {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, err
}

// WitnessingReport says who vouched for the package's checkpoint, and
// from which earlier checkpoints the package proves consistency.
type WitnessingReport struct {
	Policy     string              `json:"policy,omitempty"`
	Witnessed  []witness.Witnessed `json:"witnessed"`
	Quorum     int                 `json:"quorum"`
	Consistent []uint64            `json:"consistent_from"`
	// Provable: sizes the package proves consistency from without holding
	// their checkpoint (a size the recipient named); checked against the
	// recipient's own checkpoint by CheckHeld.
	Provable []uint64 `json:"provable_from,omitempty"`
}

// verifyWitnessing checks the witnessing files and every consistency
// proof of the package (verify_consistency.go).
func verifyWitnessing(r *Report, pk *reader, v note.Verifier, ck evidence.Checkpoint, ckMsg []byte) {
	w := &WitnessingReport{Witnessed: []witness.Witnessed{}, Consistent: []uint64{}}
	var policy witness.Policy
	if f := pk.files[fileWitnessPolicy]; f != nil {
		if err := json.Unmarshal(f.data, &policy); err != nil {
			r.add(ProblemManifest, fileWitnessPolicy, "unreadable: %v", err)
			return
		}
		w.Policy, w.Quorum = policy.Summary, policy.Quorum
	}
	if f := pk.files[fileCosigned]; f != nil {
		got, err := witness.CheckCosigned(f.data, ckMsg, v, policy)
		if err != nil {
			r.add(ProblemProof, fileCosigned, "%v", err)
		}
		w.Witnessed = append(w.Witnessed, got...)
	}
	if f := pk.files[fileWitnessTSR]; f != nil {
		ts, err := tsa.Check(f.data, ckMsg)
		if err != nil {
			r.add(ProblemTimestamp, fileWitnessTSR, "%v", err)
		} else {
			w.Witnessed = append(w.Witnessed, witness.Witnessed{By: tsa.Authority(ts), Size: ck.Size, Time: ts.Time.UTC(), Kind: "timestamp"})
			r.stamps = append(r.stamps, packageStamp{fileWitnessTSR, ts})
		}
	}
	verifyConsistencyProofs(r, w, pk, v, ck, ckMsg)
	if len(w.Witnessed) > 0 || len(w.Consistent) > 0 || len(w.Provable) > 0 || w.Policy != "" {
		r.Witnessing = w
	}
}

// stripExtra removes the optional "extra <base64>" line that C2SP
// tlog-proof allows after the header line. Its opaque data is not
// authenticated, and Casefile does not use it.
func stripExtra(data []byte) ([]byte, error) {
	head, rest, ok := bytes.Cut(data, []byte("\n"))
	if !ok {
		return data, nil
	}
	line, after, ok := bytes.Cut(rest, []byte("\n"))
	v, isExtra := bytes.CutPrefix(line, []byte("extra "))
	if !ok || !isExtra {
		return data, nil
	}
	if _, err := base64.StdEncoding.DecodeString(string(v)); err != nil || len(v) == 0 {
		return nil, errors.New("the extra line is not base64")
	}
	return append(append(append([]byte(nil), head...), '\n'), after...), nil
}
