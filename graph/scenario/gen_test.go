package scenario

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence/parse"
	"github.com/oschwald/maxminddb-golang/v2"
)

// collect is a parse.Sink that keeps everything.
type collect struct {
	events    []parse.Event
	malformed []parse.Malformed
}

func (c *collect) Event(e parse.Event) error   { c.events = append(c.events, e); return nil }
func (c *collect) Malformed(m parse.Malformed) { c.malformed = append(c.malformed, m) }

// parsed is a generated incident read back with the project's parsers.
type parsed struct {
	dir    string
	truth  *Truth
	events []parse.Event
}

func generate(t testing.TB, name string, seed int64) *parsed {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "case")
	truth, err := Generate(name, seed, dir)
	if err != nil {
		t.Fatalf("generate %s/%d: %v", name, seed, err)
	}
	p := &parsed{dir: dir, truth: truth}
	logs := make([]string, 0, len(truth.Logs))
	for l := range truth.Logs {
		logs = append(logs, l)
	}
	slices.Sort(logs)
	for _, l := range logs {
		data, err := os.ReadFile(filepath.Join(dir, l))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		art := "sha256:" + hex.EncodeToString(sum[:])
		var c collect
		// Auto-detect, as the CLI does by default, and insist it finds the
		// format truth.json names.
		res, err := parse.Run(bytes.NewReader(data), "auto", parse.Options{Artefact: art, Name: filepath.Base(l), Year: truth.Year}, &c)
		if err != nil {
			t.Fatalf("%s/%d %s: %v", name, seed, l, err)
		}
		if res.Parser != truth.Logs[l] {
			t.Errorf("%s/%d %s: detected as %s, truth says %s", name, seed, l, res.Parser, truth.Logs[l])
		}
		if len(c.malformed) > 0 || res.Stats.Malformed > 0 {
			t.Errorf("%s/%d %s: %d malformed, first %+v", name, seed, l, res.Stats.Malformed, c.malformed[0])
		}
		if len(c.events) == 0 {
			t.Errorf("%s/%d %s: no events", name, seed, l)
		}
		p.events = append(p.events, c.events...)
	}
	return p
}

func isSpecial(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && (a.IsPrivate() || a.IsLoopback())
}

func TestGenerateParsesAndTruthCovers(t *testing.T) {
	for _, name := range Names() {
		for seed := int64(1); seed <= 3; seed++ {
			t.Run(fmt.Sprintf("%s/%d", name, seed), func(t *testing.T) {
				p := generate(t, name, seed)
				srcs := map[string]bool{}
				for _, e := range p.events {
					if e.Src != "" && !isSpecial(e.Src) {
						srcs[e.Src] = true
					}
					// An internal host acting against another internal host
					// (not a DNS query, not a contact out) is an internal source.
					if isSpecial(e.Src) && (e.Dst == "" || isSpecial(e.Dst)) && e.Kind != parse.KindDNS {
						srcs[e.Src] = true
					}
					if e.SrcService != "" {
						srcs[e.SrcService] = true
					}
					// Outbound traffic: the destination and the names contacted are sources.
					if isSpecial(e.Src) && e.Dst != "" && !isSpecial(e.Dst) {
						srcs[e.Dst] = true
					}
					if isSpecial(e.Src) || e.Kind == parse.KindDNS {
						for _, k := range []string{"sni", "query"} {
							if v := e.Fields[k]; v != "" {
								srcs[v] = true
							}
						}
					}
				}
				for s := range srcs {
					if _, ok := p.truth.Sources[s]; !ok {
						t.Errorf("source %s in the logs has no true role", s)
					}
				}
				for s, r := range p.truth.Sources {
					if !srcs[s] {
						t.Errorf("truth names %s (%s), which no log shows", s, r)
					}
					if !slices.Contains(Roles(), r) && (r != Internal || !isSpecial(s)) {
						t.Errorf("%s: unknown role %q", s, r)
					}
					if isSpecial(s) && r != Internal {
						t.Errorf("%s: an internal address with the external role %q", s, r)
					}
				}
				for _, c := range p.truth.Campaigns {
					for _, m := range c {
						if _, ok := p.truth.Sources[m]; !ok {
							t.Errorf("campaign member %s not in sources", m)
						}
					}
				}
				var onDisk Truth
				b, err := os.ReadFile(filepath.Join(p.dir, "truth.json"))
				if err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal(b, &onDisk); err != nil || onDisk.Scenario != name || onDisk.Seed != seed || len(onDisk.Sources) != len(p.truth.Sources) {
					t.Errorf("truth.json: %v %+v", err, onDisk)
				}
			})
		}
	}
}

func TestDeterministic(t *testing.T) {
	for _, name := range Names() {
		a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
		if _, err := Generate(name, 42, a); err != nil {
			t.Fatal(err)
		}
		if _, err := Generate(name, 42, b); err != nil {
			t.Fatal(err)
		}
		fa, fb := tree(t, a), tree(t, b)
		if len(fa) != len(fb) {
			t.Fatalf("%s: %d vs %d files", name, len(fa), len(fb))
		}
		for k, v := range fa {
			if !bytes.Equal(v, fb[k]) {
				t.Errorf("%s: %s differs between two runs", name, k)
			}
		}
		c := filepath.Join(t.TempDir(), "c")
		if _, err := Generate(name, 43, c); err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(fa["truth.json"], tree(t, c)["truth.json"]) {
			t.Errorf("%s: seeds 42 and 43 give the same truth", name)
		}
	}
}

func tree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestGenerateRefusesNonEmptyDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "keep.txt"), []byte("analyst notes"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Generate("tor-bruteforce", 1, dir)
	if !errors.Is(err, ErrDirNotEmpty) {
		t.Fatalf("err = %v, want ErrDirNotEmpty", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "keep.txt")); string(b) != "analyst notes" {
		t.Fatal("existing file touched")
	}
	if _, err := Generate("no-such-scenario", 1, t.TempDir()); err == nil || !strings.Contains(err.Error(), "unknown scenario") {
		t.Fatalf("unknown scenario: %v", err)
	}
	// An empty existing directory is fine.
	if _, err := Generate("stale-tor", 1, t.TempDir()); err != nil {
		t.Fatal(err)
	}
}

func TestNames(t *testing.T) {
	want := []string{"tor-bruteforce", "cloud-c2", "residential-pool", "false-flag", "cdn-fronted", "cloudtrail",
		"soho-routers", "stale-tor", "fast-flux", "scanner-noise", "botnet-bruteforce", "internal-pivot"}
	if !slices.Equal(Names(), want) {
		t.Fatalf("Names() = %v", Names())
	}
}

// TestMMDBRecords opens the generated databases with maxminddb and checks
// what they say about addresses whose story the generator knows.
func TestMMDBRecords(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "case")
	truth, err := Generate("tor-bruteforce", 7, dir)
	if err != nil {
		t.Fatal(err)
	}
	g := newGen("tor-bruteforce", 7) // replay the generator to know each host's story
	buildTorBruteforce(g)
	open := func(f, wantType string) *maxminddb.Reader {
		r, err := maxminddb.Open(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		if r.Metadata.DatabaseType != wantType {
			t.Errorf("%s: database_type %q", f, r.Metadata.DatabaseType)
		}
		be := int64(r.Metadata.BuildEpoch)
		if be >= truth.Start.Unix() || be < truth.Start.Unix()-10*86400 {
			t.Errorf("%s: build_epoch %d not within 10 days before %v", f, be, truth.Start)
		}
		return r
	}
	asn := open("datasets/GeoLite2-ASN.mmdb", "GeoLite2-ASN")
	city := open("datasets/GeoIP2-City.mmdb", "GeoIP2-City")
	anon := open("datasets/GeoIP2-Anonymous-IP.mmdb", "GeoIP2-Anonymous-IP")
	ct := open("datasets/GeoIP2-Connection-Type.mmdb", "GeoIP2-Connection-Type")
	checked := 0
	for ind, role := range truth.Sources {
		h := g.hosts[ind]
		if h == nil {
			t.Fatalf("replayed generator does not know %s", ind)
		}
		a := netip.MustParseAddr(ind)
		var as struct {
			Number uint32 `maxminddb:"autonomous_system_number"`
			Org    string `maxminddb:"autonomous_system_organization"`
		}
		res := asn.Lookup(a)
		if err := res.Decode(&as); err != nil || as.Number != h.net.asn || as.Org != h.net.asOrg || res.Prefix() != h.net.prefix {
			t.Errorf("%s ASN: %+v %v (prefix %v), want %d %q %v", ind, as, err, res.Prefix(), h.net.asn, h.net.asOrg, h.net.prefix)
		}
		var c struct {
			Country struct {
				ISO string `maxminddb:"iso_code"`
			} `maxminddb:"country"`
			Location struct {
				Lat    float64 `maxminddb:"latitude"`
				Radius uint16  `maxminddb:"accuracy_radius"`
			} `maxminddb:"location"`
		}
		if err := city.Lookup(a).Decode(&c); err != nil || c.Country.ISO != h.placeOf().cc || c.Location.Lat != h.placeOf().lat || c.Location.Radius == 0 {
			t.Errorf("%s city: %+v %v", ind, c, err)
		}
		var an struct {
			Tor     bool `maxminddb:"is_tor_exit_node"`
			Hosting bool `maxminddb:"is_hosting_provider"`
		}
		ar := anon.Lookup(a)
		if err := ar.Decode(&an); err != nil || an.Tor != h.torMM || (ar.Found() && an.Hosting != h.net.hosting) {
			t.Errorf("%s anonymous-ip: %+v found=%v %v, want tor %v hosting %v", ind, an, ar.Found(), err, h.torMM, h.net.hosting)
		}
		if role == Relay && !ar.Found() {
			t.Errorf("%s: Tor exit on a hosting network missing from Anonymous-IP", ind)
		}
		var cr struct {
			Type string `maxminddb:"connection_type"`
		}
		if err := ct.Lookup(a).Decode(&cr); err != nil || cr.Type != h.net.conn {
			t.Errorf("%s connection type %q %v, want %q", ind, cr.Type, err, h.net.conn)
		}
		checked++
	}
	if checked < 8 {
		t.Fatalf("only %d sources checked", checked)
	}
}

// Every file is dated when the analyst collected it, so a dataset without a
// date of its own (Apple's egress list) is not read as years newer than the
// incident.
func TestFilesDatedAtCollection(t *testing.T) {
	dir := t.TempDir()
	truth, err := Generate("cloudtrail", 3, dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		if !st.ModTime().Equal(truth.Collected) {
			t.Errorf("%s dated %s, collected %s", p, st.ModTime(), truth.Collected)
		}
		n++
		return nil
	})
	if err != nil || n < 5 {
		t.Fatalf("%d files: %v", n, err)
	}
}
