package ui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/casefile/casefile/enrich/observe"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/casedir"
	"github.com/casefile/casefile/evidence/export"
	"github.com/casefile/casefile/graph"
	"github.com/casefile/casefile/graph/attrib"
)

const maxExportsKept = 50

// exportStore keeps the packages built by this server until it stops.
type exportStore struct {
	dir  string
	mu   sync.Mutex
	byID map[string]*exportFile
	ids  []string
}

type exportFile struct {
	ID        string
	Path      string
	User      string
	Created   time.Time
	Recipient string
	Purpose   string
	Auth      string
	Scope     string
	Result    *export.Result
}

// exportRequest is what the form or the API asks for.
type exportRequest struct {
	Recipient     string   `json:"recipient"`
	Purpose       string   `json:"purpose"`
	Authorization string   `json:"authorization"`
	TLP           string   `json:"tlp"`
	Indicators    []string `json:"indicators"`
	Artefacts     []string `json:"artefacts"`
}

var errExportInput = errors.New("export request")

// build writes a tar.gz package of the case (or of the selection) into the
// server's temporary directory. export.Build records export.created.
func (s *Server) buildExport(ctx context.Context, p *principal, req exportRequest) (*exportFile, error) {
	if strings.TrimSpace(req.Recipient) == "" || strings.TrimSpace(req.Purpose) == "" {
		return nil, errors.Join(errExportInput, errors.New("recipient and purpose are required"))
	}
	switch req.TLP {
	case "":
		req.TLP = "amber"
	case "white", "clear", "green", "amber", "red":
	default:
		return nil, errors.Join(errExportInput, errors.New("tlp: want clear, green, amber or red"))
	}
	var digests []evidence.Digest
	for _, a := range req.Artefacts {
		if a = strings.TrimSpace(a); a == "" {
			continue
		}
		d, err := evidence.ParseDigest(a)
		if err != nil {
			return nil, errors.Join(errExportInput, err)
		}
		digests = append(digests, d)
	}
	var inds []string
	for _, i := range req.Indicators {
		if i = strings.TrimSpace(i); i != "" {
			inds = append(inds, i)
		}
	}
	pub, err := os.ReadFile(filepath.Join(s.c.Dir, casedir.PublicKeyFile))
	if err != nil {
		return nil, err
	}
	findings, leaves, err := s.recordedFindings(ctx, p)
	if err != nil {
		return nil, err
	}
	id := randomToken()[:20]
	f := &exportFile{ID: id, Path: filepath.Join(s.exports.dir, "casefile-export-"+id+".tar.gz"), User: p.user.Name,
		Created: time.Now().UTC(), Recipient: req.Recipient, Purpose: req.Purpose, Auth: req.Authorization, Scope: "whole case"}
	if len(inds)+len(digests) > 0 {
		f.Scope = "selection: " + strings.Join(append(append([]string{}, inds...), req.Artefacts...), ", ")
	}
	res, err := export.Build(ctx, s.c.Case, export.Options{Observations: observe.ForExport{},
		Expect: s.c.Expect(),
		Out:    f.Path, Format: export.FormatTarGz, Recipient: req.Recipient, Purpose: req.Purpose,
		Authorization: req.Authorization, TLP: req.TLP, Indicators: inds, Artefacts: digests, Findings: findings, Leaves: leaves,
		Signer: s.c.Signer, PublicKeyPEM: pub, Actor: actorOf(p),
	})
	if err != nil {
		os.Remove(f.Path)
		return nil, err
	}
	f.Result = res
	s.exports.add(f)
	return f, nil
}

func (e *exportStore) add(f *exportFile) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.ids) >= maxExportsKept {
		old := e.ids[0]
		os.Remove(e.byID[old].Path)
		delete(e.byID, old)
		e.ids = e.ids[1:]
	}
	e.byID[f.ID] = f
	e.ids = append(e.ids, f.ID)
}

func (e *exportStore) get(id string) *exportFile {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.byID[id]
}

// recordedFindings are the findings of the assessment of the case as it
// stands, with its leaves: when that assessment is not the one last
// recorded, it is recorded first, by the user, as the CLI's export and
// notify do, so that what the user hands over rests on a custody entry.
// While the case changed since the assessment shown, it waits for the
// newer one: a package must not hand over an earlier state of the case
// as its findings.
func (s *Server) recordedFindings(ctx context.Context, p *principal) ([]export.Finding, [][]byte, error) {
	assessed, size, done, err := s.assess.current(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer done()
	// Each source is read back once, for its leaf (in the order of the
	// indicators) and its finding (in the order of the sources).
	findings := make([]export.Finding, len(assessed.rows))
	found := make([]bool, len(assessed.rows))
	leaves, err := graph.LeavesOf(len(assessed.rows), func(i int) string { return assessed.rows[i].Indicator },
		func(i int) (*attrib.Source, error) {
			src, err := assessed.spill.decode(i)
			if err == nil {
				findings[i], found[i] = graph.FindingOf(assessed.head, src)
			}
			return src, err
		})
	if err != nil {
		return nil, nil, err
	}
	root, err := graph.RootOf(leaves)
	if err != nil {
		return nil, nil, err
	}
	if last, err := graph.Latest(s.c.Case); err != nil {
		return nil, nil, err
	} else if len(leaves) > 0 && !last.Records(assessed.head, root) {
		if _, err := graph.RecordLeaves(ctx, s.c.Case, assessed.head, leaves, size, nil, actorOf(p)); err != nil {
			return nil, nil, err
		}
	}
	out := findings[:0]
	for i := range findings {
		if found[i] {
			out = append(out, findings[i])
		}
	}
	return out, leaves, nil
}
