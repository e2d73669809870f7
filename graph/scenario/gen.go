package scenario

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Roles, as in ATTRIBUTION.md.
const (
	Perpetrator  = "perpetrator-infrastructure"
	Relay        = "anonymization-relay"
	Compromised  = "compromised-third-party"
	Platform     = "abused-platform"
	Undetermined = "undetermined"
)

// Roles returns the five roles in the canonical order (the order Score uses
// to break ties).
func Roles() []string {
	return []string{Perpetrator, Relay, Compromised, Platform, Undetermined}
}

// ErrDirNotEmpty is returned (wrapped) when Generate is given a directory
// that already holds something.
var ErrDirNotEmpty = errors.New("scenario directory is not empty")

// Truth is the ground truth of one generated incident, written to
// dir/truth.json.
type Truth struct {
	Scenario string `json:"scenario"`
	Seed     int64  `json:"seed"`
	// Year is the year of every RFC 3164 syslog line (they carry none):
	// parse with Options.Year = Year (--year).
	Year int `json:"year"`
	// Sources maps every source indicator the logs contain (addresses,
	// domains contacted, cloud service names) to its true role, or to
	// Internal for a private address that acted against other hosts of the
	// victim's network (internal-pivot).
	Sources map[string]string `json:"sources"`
	// Campaigns groups sources operated together, each sorted.
	Campaigns [][]string `json:"campaigns"`
	Notes     string     `json:"notes"`
	// Logs maps each log file (relative to dir) to the parser name that
	// reads it.
	Logs map[string]string `json:"logs"`
	// VantageProxy lists logs recorded behind a CDN or proxy without a
	// trusted X-Forwarded-For: their remote addresses are the proxy's.
	VantageProxy []string `json:"vantage_proxy,omitempty"`
	// Start and End bound the incident's events; Collected is when the
	// analyst fetched the datasets and WHOIS answers (the WHOIS retrieval
	// time to use).
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Collected time.Time `json:"collected"`
}

// scenarios maps names to builders, in the order of ATTRIBUTION.md, then
// the two added by issue 12.
var scenarioList = []struct {
	name  string
	build func(*gen)
}{
	{"tor-bruteforce", buildTorBruteforce},
	{"cloud-c2", buildCloudC2},
	{"residential-pool", buildResidentialPool},
	{"false-flag", buildFalseFlag},
	{"cdn-fronted", buildCDNFronted},
	{"cloudtrail", buildCloudTrail},
	{"soho-routers", buildSOHORouters},
	{"stale-tor", buildStaleTor},
	{"fast-flux", buildFastFlux},
	{"scanner-noise", buildScannerNoise},
	{"botnet-bruteforce", buildBotnet},
	{"internal-pivot", buildInternalPivot},
}

// Names returns the scenario ids: the ten of ATTRIBUTION.md in its order,
// then botnet-bruteforce and internal-pivot.
func Names() []string {
	out := make([]string, len(scenarioList))
	for i, s := range scenarioList {
		out[i] = s.name
	}
	return out
}

// Generate writes the incident name with the given seed into dir, which
// must be absent or empty; no existing file is ever overwritten (every file
// is created with O_EXCL). The same name and seed always give the same
// bytes.
func Generate(name string, seed int64, dir string) (*Truth, error) {
	var build func(*gen)
	for _, s := range scenarioList {
		if s.name == name {
			build = s.build
		}
	}
	if build == nil {
		return nil, fmt.Errorf("scenario: unknown scenario %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	if err := checkEmpty(dir); err != nil {
		return nil, err
	}
	g := newGen(name, seed)
	build(g)
	files, truth, err := g.render()
	if err != nil {
		return nil, fmt.Errorf("scenario %s seed %d: %w", name, seed, err)
	}
	if err := writeFiles(dir, files, truth.Collected); err != nil {
		return nil, err
	}
	return truth, nil
}

func checkEmpty(dir string) error {
	st, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("scenario: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("scenario: %s is not a directory", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("scenario: %w", err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("scenario: %s: %w", dir, ErrDirNotEmpty)
	}
	return nil
}

// writeFiles writes the incident's files, each dated collected (when the
// analyst gathered the logs and downloaded the datasets): a dataset without
// a date of its own (Apple's egress list) is dated by its file time, as it
// would be on the analyst's disk.
func writeFiles(dir string, files map[string][]byte, collected time.Time) error {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("scenario: %w", err)
		}
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return fmt.Errorf("scenario: %w", err)
		}
		_, werr := f.Write(files[n])
		cerr := f.Close()
		if werr != nil || cerr != nil {
			return fmt.Errorf("scenario: write %s: %w", p, errors.Join(werr, cerr))
		}
		if err := os.Chtimes(p, collected, collected); err != nil {
			return fmt.Errorf("scenario: %w", err)
		}
	}
	return nil
}

// gen holds one incident while it is being built.
type gen struct {
	name string
	seed int64
	rng  *rand.Rand
	t0   time.Time // start of the incident

	used  map[[2]byte]bool // /16s taken by networks
	nets  []*network
	hosts map[string]*host

	truth     map[string]string
	campaigns [][]string
	notes     []string
	logs      map[string]*logFile
	formats   map[string]string
	vantage   []string
	start     time.Time
	end       time.Time
	collected time.Time

	ds datasets
}

func newGen(name string, seed int64) *gen {
	h := fnv.New64a()
	h.Write([]byte(name))
	g := &gen{
		name: name, seed: seed,
		rng:   rand.New(rand.NewPCG(uint64(seed), h.Sum64())),
		used:  map[[2]byte]bool{},
		hosts: map[string]*host{},
		truth: map[string]string{}, logs: map[string]*logFile{}, formats: map[string]string{},
	}
	// Incidents fall in 2024 or 2025, never within two weeks of New Year so
	// that a year-less syslog stays in one year.
	year := 2024 + g.rng.IntN(2)
	day := 10 + g.rng.IntN(330)
	g.t0 = time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, day).
		Add(time.Duration(6*3600+g.rng.IntN(12*3600)) * time.Second)
	return g
}

// role records the true role of a source indicator.
func (g *gen) role(ind, role string) {
	g.truth[ind] = role
}

func (g *gen) note(format string, args ...any) {
	g.notes = append(g.notes, fmt.Sprintf(format, args...))
}

func (g *gen) campaign(members ...string) {
	c := slices.Clone(members)
	slices.Sort(c)
	c = slices.Compact(c)
	g.campaigns = append(g.campaigns, c)
}

// seen widens the incident's time span.
func (g *gen) seen(t time.Time) {
	if g.start.IsZero() || t.Before(g.start) {
		g.start = t
	}
	if t.After(g.end) {
		g.end = t
	}
}

// Random helpers.

func (g *gen) between(lo, hi int) int { return lo + g.rng.IntN(hi-lo+1) }

func (g *gen) chance(p float64) bool { return g.rng.Float64() < p }

func pick[T any](g *gen, xs []T) T { return xs[g.rng.IntN(len(xs))] }

func (g *gen) secs(lo, hi int) time.Duration {
	return time.Duration(g.between(lo, hi)) * time.Second
}

func (g *gen) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.rng.IntN(16)]
	}
	return string(b)
}

func (g *gen) render() (map[string][]byte, *Truth, error) {
	files := map[string][]byte{}
	for p, lf := range g.logs {
		files[p] = lf.render()
	}
	if g.collected.IsZero() {
		g.collected = g.end.Add(time.Duration(26+g.rng.IntN(40)) * time.Hour).Truncate(time.Second)
	}
	if err := g.writeDatasets(files); err != nil {
		return nil, nil, err
	}
	if err := g.rdapAnswers(files); err != nil {
		return nil, nil, err
	}
	t := &Truth{
		Scenario: g.name, Seed: g.seed, Year: g.t0.Year(), Sources: g.truth, Campaigns: g.campaigns,
		Notes: strings.Join(g.notes, " "), Logs: g.formats, VantageProxy: g.vantage,
		Start: g.start.UTC(), End: g.end.UTC(), Collected: g.collected.UTC(),
	}
	if t.Campaigns == nil {
		t.Campaigns = [][]string{}
	}
	if t.Start.Year() != t.Year || t.End.Year() != t.Year {
		return nil, nil, fmt.Errorf("incident spans %v to %v, outside one year", t.Start, t.End)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(t); err != nil {
		return nil, nil, err
	}
	files["truth.json"] = buf.Bytes()
	return files, t, nil
}
