package observe

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/casefile/casefile/enrich"
	"github.com/casefile/casefile/enrich/indicator"
	"github.com/casefile/casefile/enrich/offline"
	"github.com/casefile/casefile/enrich/whois"
	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/eventstore"
)

// builtinKey is the index key of the special-purpose range table.
const builtinKey = "builtin:iana-special-purpose"

// whoisKeyPrefix marks index keys of WHOIS answers.
const whoisKeyPrefix = "whois/"

// DatasetReport says what happened to one dataset file.
type DatasetReport struct {
	Path         string    `json:"path"`
	Artefact     string    `json:"artefact"`
	Source       string    `json:"source"`
	Type         string    `json:"type"`
	Date         time.Time `json:"date,omitzero"`
	Preserved    bool      `json:"preserved"` // newly preserved now (false: it was already in the case)
	Looked       int       `json:"looked_up"`
	Matched      int       `json:"matched"`
	Recorded     int       `json:"recorded"`
	AlreadyKnown int       `json:"already_known"`
}

// Options control Run.
type Options struct {
	Datasets    []DatasetFile // dataset files to preserve and consult
	WHOIS       bool          // also ask WHOIS (network!)
	WHOISServer string        // HOST:PORT that every WHOIS query goes to
	WHOISRate   float64       // queries per second; 0: the client's polite default, < 0: no limit
	// WHOISAsOf, when set, says that the WHOIS server replays answers
	// recorded at that time (a generated incident's recorded answers): the
	// observations are dated then, and each preserved answer says so.
	WHOISAsOf   time.Time
	RDAP        bool              // also ask RDAP about every public address (network!)
	RDAPServer  string            // base URL every RDAP request goes to, bypassing the IANA bootstrap
	RDAPRate    float64           // requests per second; 0: the client's default, < 0: no limit
	Reliability map[string]string // Admiralty overrides by source name or type
	Actor       string
	Progress    func(string) // diagnostics for stderr, may be nil
}

// DatasetFile is a dataset to consult: a file (Path), preserved first, or
// an artefact already preserved in the case (Artefact, "sha256:…"). Want,
// when set, is the source type it must turn out to be (enrich.TypeMMDB, …).
type DatasetFile struct {
	Path, Want string
	Artefact   string
}

func (df DatasetFile) label() string {
	if df.Artefact != "" {
		return df.Artefact
	}
	return df.Path
}

// Report is the result of Run.
type Report struct {
	Indicators int              `json:"indicators"`
	Datasets   []*DatasetReport `json:"datasets"`
	Special    int              `json:"special"`
	WHOIS      *WHOISReport     `json:"whois,omitempty"`
	RDAP       *RDAPReport      `json:"rdap,omitempty"`
}

// WHOISReport summarises the WHOIS part of a run.
type WHOISReport struct {
	Asked, Answered, Failed, Recorded int
	Errors                            []string `json:"errors,omitempty"`
}

// Run preserves the dataset files, looks up every indicator of the case in
// them (and in WHOIS when asked) and records the observations.
func Run(ctx context.Context, c *evidence.Case, o Options) (*Report, error) {
	inds, err := eventstore.New(c).Indicators()
	if err != nil {
		return nil, err
	}
	rec := NewRecorder(c, o.Actor, o.Reliability)
	rep := &Report{Indicators: len(inds)}
	// Builtin special ranges: known without a dataset.
	special := map[string][]enrich.Observation{}
	for _, s := range inds {
		if s.Type == indicator.TypeIP && s.Special != "" {
			special[s.Value] = []enrich.Observation{specialObservation(s.Value, s.Special)}
		}
	}
	if len(special) > 0 {
		n, err := rec.Record(ctx, Source{Name: "iana-special-purpose", Type: enrich.TypeBuiltin, Date: indicator.SpecialRegistryDate}, special)
		if err != nil {
			return rep, err
		}
		rep.Special = n
	}
	// Datasets are independent: look them up and record them side by side,
	// so one's disk waits overlap another's lookups.
	rep.Datasets = make([]*DatasetReport, len(o.Datasets))
	errs := make([]error, len(o.Datasets))
	sem := make(chan struct{}, 3)
	var wg sync.WaitGroup
	for i, df := range o.Datasets {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			rep.Datasets[i], errs[i] = rec.dataset(ctx, df, inds)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			rep.Datasets = slices.DeleteFunc(rep.Datasets, func(d *DatasetReport) bool { return d == nil })
			return rep, fmt.Errorf("%s: %w", o.Datasets[i].label(), err)
		}
	}
	if o.WHOIS {
		wr, err := rec.whois(ctx, inds, o)
		rep.WHOIS = wr
		if err != nil {
			return rep, err
		}
	}
	if o.RDAP {
		rr, err := rec.rdap(ctx, inds, o)
		rep.RDAP = rr
		if err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// dataset consults one dataset: a file, preserved first unless the same
// bytes are already in the case, or an artefact already preserved. Either
// way it is opened from the preserved bytes and dated, when it carries no
// date of its own, by the file time recorded when it was preserved, so
// that the same bytes give the same observations whichever way they came.
func (r *Recorder) dataset(ctx context.Context, df DatasetFile, inds []*eventstore.Summary) (*DatasetReport, error) {
	var (
		pd  preserved
		err error
	)
	if df.Artefact != "" {
		pd, err = r.preservedArtefact(df.Artefact)
	} else {
		pd, err = r.preserveFile(ctx, df.Path)
	}
	if err != nil {
		return nil, err
	}
	dr := &DatasetReport{Path: pd.path, Artefact: pd.d.String(), Preserved: pd.now}
	ar, err := r.c.OpenArtefact(pd.d)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(ar)
	if err != nil {
		return nil, err
	}
	ds, err := offline.Open(data, pd.d.String(), pd.name, offline.Options{Date: pd.mtime})
	if err == nil && df.Want != "" && ds.Type() != df.Want {
		err = fmt.Errorf("this is a %s dataset (%s), not %s (it stays preserved)", ds.Type(), ds.Name(), df.Want)
	}
	if err != nil {
		return nil, r.failed(ctx, pd.d, pd.name, err)
	}
	dr.Source, dr.Type, dr.Date = ds.Name(), ds.Type(), ds.Date()
	// Looked up in byte order and recorded as they come, one entry's
	// observations held at a time. Of indicators with the same value (of
	// two types), the last in inds is recorded, as a map of them did.
	sorted := slices.Clone(inds)
	slices.SortStableFunc(sorted, func(a, b *eventstore.Summary) int { return strings.Compare(a.Value, b.Value) })
	rec, err := r.Begin(ctx, Source{Dataset: pd.d.String(), Name: ds.Name(), Type: ds.Type(), Date: ds.Date()})
	if err != nil {
		return nil, err
	}
	vds, _ := ds.(enrich.ValueDataset)
	for k, s := range sorted {
		if err := ctx.Err(); err != nil {
			rec.Close()
			return nil, err
		}
		var obs []enrich.Observation
		switch {
		case s.Type == indicator.TypeIP:
			a, err := netip.ParseAddr(s.Value)
			if err != nil || s.Special != "" {
				continue
			}
			obs = ds.Lookup(a, s.FirstSeen)
		case vds != nil:
			obs = vds.LookupValue(s.Value, string(s.Type))
		default:
			continue
		}
		dr.Looked++
		if len(obs) > 0 {
			dr.Matched++
		}
		if k+1 < len(sorted) && sorted[k+1].Value == s.Value {
			continue
		}
		if err := rec.Add(s.Value, obs); err != nil {
			break // Close says why
		}
	}
	dr.Recorded, err = rec.Close()
	return dr, err
}

// preserved is a dataset's bytes in the case: the artefact, the name it is
// opened under, the file time recorded when it was first preserved, and
// whether it was preserved by this run.
type preserved struct {
	d          evidence.Digest
	path, name string
	mtime      time.Time
	now        bool
}

// preserveFile preserves a dataset file, unless the same bytes are already
// in the case.
func (r *Recorder) preserveFile(ctx context.Context, path string) (preserved, error) {
	f, err := os.Open(path)
	if err != nil {
		return preserved{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return preserved{}, err
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return preserved{}, err
	}
	pd := preserved{d: evidence.Digest(h.Sum(nil)), path: path, name: filepath.Base(path)}
	have, err := r.c.HasArtefact(pd.d)
	if err != nil {
		return pd, err
	}
	if !have {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return pd, err
		}
		abs, _ := filepath.Abs(path)
		res, err := r.c.Ingest(ctx, f, DatasetMeta(filepath.Base(path), abs, st.ModTime(), ""), evidence.IngestOptions{Actor: r.actor})
		if err != nil {
			return pd, err
		}
		if res.Digest != pd.d {
			return pd, fmt.Errorf("the file changed while it was read (sha256 %s, then %s)", pd.d, res.Digest)
		}
		pd.now = true
	}
	in, err := FirstIngest(r.c, pd.d)
	if err != nil {
		return pd, err
	}
	pd.mtime = in.ModTime
	return pd, nil
}

// preservedArtefact is a dataset already preserved in the case, opened
// under the name it was first preserved as.
func (r *Recorder) preservedArtefact(ref string) (preserved, error) {
	d, err := evidence.ParseDigest(ref)
	if err != nil {
		return preserved{}, fmt.Errorf("dataset %q: %w", ref, err)
	}
	in, err := FirstIngest(r.c, d)
	if err != nil {
		return preserved{}, err
	}
	return preserved{d: d, path: in.Name, name: in.Name, mtime: in.ModTime}, nil
}

// DatasetSource is how a dataset's artefact.ingested entry says where the
// bytes came from; DatasetMeta adds who uploaded it, when it came through
// the workbench.
const DatasetSource = "enrichment dataset"

// DatasetMeta is the metadata a dataset is preserved with, from a file
// (path, its time) or an upload (by: who sent it; path as the browser
// named it).
func DatasetMeta(name, path string, mtime time.Time, by string) evidence.ArtefactMeta {
	src := DatasetSource
	if by != "" {
		src += ", uploaded through the web workbench by " + by
	}
	return evidence.ArtefactMeta{Name: name, Path: path, ModTime: mtime, Source: src,
		Note: "preserved before use, so that every observation cites these exact bytes"}
}

// KindDatasetFailed records a preserved dataset that could not be used:
// the exhibit stays, and the log says why nothing cites it.
const KindDatasetFailed = "dataset.failed"

// failed records that the dataset preserved as d could not be opened or
// was not what was asked for, and returns err (the record's own failure
// joined to it).
func (r *Recorder) failed(ctx context.Context, d evidence.Digest, name string, err error) error {
	_, rerr := r.c.Append(context.WithoutCancel(ctx), evidence.Draft{Kind: KindDatasetFailed, Actor: r.actor, Payload: map[string]string{
		"artefact": d.String(), "name": name, "error": err.Error(),
		"summary": fmt.Sprintf("%s (%s) was preserved but not used as a dataset: %v", name, d, err)}})
	return errors.Join(err, rerr)
}

// whois asks WHOIS about every public address and domain not asked before,
// preserves each raw answer as an artefact and records what it says.
func (r *Recorder) whois(ctx context.Context, inds []*eventstore.Summary, o Options) (*WHOISReport, error) {
	cl, err := whois.New(whois.Options{Server: o.WHOISServer, RateLimit: o.WHOISRate})
	if err != nil {
		return nil, err
	}
	rep := &WHOISReport{}
	var todo []*eventstore.Summary
	for _, s := range inds {
		if s.Type != indicator.TypeIP && s.Type != indicator.TypeDomain || s.Special != "" {
			continue
		}
		asked, err := Consulted(r.c, s.Value)
		if err != nil {
			return rep, err
		}
		if !hasPrefix(asked, whoisKeyPrefix) {
			todo = append(todo, s)
		}
	}
	// Lookups run ahead, as many at once as the client allows (it also
	// keeps to its rate limit); answers are preserved and recorded in the
	// order of the indicators, so a run's entries do not depend on timing.
	type answer struct {
		resp *whois.Response
		err  error
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	results := make([]chan answer, len(todo))
	for i := range results {
		results[i] = make(chan answer, 1)
	}
	window := make(chan struct{}, 2*whois.DefaultConcurrency+2) // answers held at once
	wg.Go(func() {
		for i, s := range todo {
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				return
			}
			wg.Go(func() {
				resp, err := cl.Lookup(ctx, s.Value)
				results[i] <- answer{resp, err}
			})
		}
	})
	for i, s := range todo {
		var a answer
		select {
		case a = <-results[i]:
			<-window
		case <-ctx.Done():
			return rep, ctx.Err()
		}
		resp, err := a.resp, a.err
		rep.Asked++
		if resp == nil || len(resp.Raw) == 0 {
			rep.Failed++
			if err != nil {
				rep.Errors = append(rep.Errors, fmt.Sprintf("%s: %v", s.Value, err))
				if o.Progress != nil {
					o.Progress(fmt.Sprintf("whois %s: %v", s.Value, err))
				}
				if ctx.Err() != nil {
					return rep, ctx.Err()
				}
			}
			continue
		}
		rep.Answered++
		src := fmt.Sprintf("WHOIS answer of %s to the query %q, received %s", resp.Server, resp.Query, resp.Retrieved.Format(time.RFC3339))
		if !o.WHOISAsOf.IsZero() {
			src += fmt.Sprintf(", replaying an answer recorded %s", o.WHOISAsOf.UTC().Format(time.RFC3339))
			resp.Retrieved = o.WHOISAsOf
		}
		res, ierr := r.c.Ingest(ctx, strings.NewReader(string(resp.Raw)), evidence.ArtefactMeta{
			Name:   "whois-" + resp.Query + ".txt",
			Source: src,
			Note:   "raw port-43 response, preserved byte for byte",
		}, evidence.IngestOptions{Actor: r.actor})
		if ierr != nil {
			return rep, ierr
		}
		obs := resp.Observations(res.Digest.String())
		for i := range obs {
			obs[i].Indicator = s.Value
		}
		n, rerr := r.Record(ctx, Source{Dataset: res.Digest.String(), KeepMisses: true, Name: resp.SourceName(), Type: enrich.TypeWHOIS, Date: resp.Retrieved},
			map[string][]enrich.Observation{s.Value: obs})
		if rerr != nil {
			return rep, rerr
		}
		rep.Recorded += n
		if err != nil && !errors.Is(err, whois.ErrNotFound) && o.Progress != nil {
			o.Progress(fmt.Sprintf("whois %s: %v (answer preserved)", s.Value, err))
		}
	}
	return rep, nil
}

func hasPrefix(ss []string, p string) bool {
	for _, s := range ss {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// specialObservation says which special-purpose range an address is in,
// citing the IANA registries and their date.
func specialObservation(value, name string) enrich.Observation {
	o := enrich.Observation{Indicator: value, Source: "iana-special-purpose", SourceType: enrich.TypeBuiltin,
		DatasetDate: indicator.SpecialRegistryDate,
		Fields:      map[string]any{enrich.FieldSpecial: name, "registry": indicator.SpecialRegistry, "reference": indicator.SpecialRegistryURLs}}
	if a, err := netip.ParseAddr(value); err == nil {
		if _, p := indicator.SpecialRange(a); p.IsValid() {
			o.Network = p.String()
		}
	}
	return o
}
