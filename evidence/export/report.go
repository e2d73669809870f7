package export

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"math"
	"sort"
	"strings"

	"github.com/casefile/casefile/evidence"
)

//go:embed templates/report.html.tmpl
var templates embed.FS

var tlpMeaning = map[string]string{
	"white": "Disclosure is not limited.",
	"green": "Limited disclosure: the recipient's community, not public channels.",
	"amber": "Limited disclosure: the recipient's organisation and those who need to know to act on it.",
	"red":   "For the named recipients only: no further disclosure.",
}

var roleOrder = []string{"perpetrator-infrastructure", "anonymization-relay", "compromised-third-party", "abused-platform", "undetermined"}

type reportHyp struct {
	Name, Pct string
	Top       bool
	p         float64
}

type reportFactor struct {
	Text, Sign, Source string
	Rho                float64
	Evidence           []string
	Diagnostic         bool
}

type reportFinding struct {
	Finding
	RoleName string
	RiskPct  int
	Risky    bool
	Hyps     []reportHyp
	Factors  []reportFactor
}

type reportEntry struct {
	Index             uint64
	Time, Actor, What string
}

type reportExhibit struct {
	Exhibit, Names, Source, Size, SHA256, Received, Entries string
	Escaped                                                 bool
}

type reportData struct {
	Title, CaseID, TLP, TLPUpper, TLPMeaning, Tool, Created string
	Recipient, Purpose, Authorization, Actor                string
	EntryCount, ExhibitCount                                int
	ExhibitBytes                                            string
	LastEntry, CheckpointSize, Previous                     uint64
	Complete                                                bool
	Indicators, Selected                                    []string
	Fingerprint, FingerprintHex, Root, Timestamp            string
	Findings                                                []reportFinding
	Timeline                                                []reportEntry
	Exhibits                                                []reportExhibit
}

// sign renders a factor's effect in nats as ++ / + / 0 / − / −−.
func sign(n float64) string {
	switch {
	case n >= 1.5:
		return "++"
	case n >= 0.3:
		return "+"
	case n > -0.3:
		return "0"
	case n > -1.5:
		return "−"
	default:
		return "−−"
	}
}

func humanTime(s string) string { return strings.Replace(strings.TrimSuffix(s, "Z"), "T", " ", 1) }

func (d *document) reportHTML() ([]byte, error) {
	st := d.st
	rd := reportData{
		Title: st.info.Title, CaseID: st.info.CaseID, TLP: d.o.TLP, TLPUpper: strings.ToUpper(d.o.TLP),
		TLPMeaning: tlpMeaning[d.o.TLP], Tool: evidence.ToolName + " " + evidence.ToolVersion,
		Created:   st.time.UTC().Format("2 January 2006, 15:04:05 UTC"),
		Recipient: d.o.Recipient, Purpose: d.o.Purpose, Authorization: d.o.Authorization, Actor: d.o.Actor,
		EntryCount: len(st.entries), ExhibitCount: len(st.artefacts), LastEntry: st.size - 1,
		CheckpointSize: st.size, Previous: st.prevSize, Complete: st.complete,
		Indicators: st.indicators, Selected: d.m.Export.Artefacts,
		Fingerprint: d.fingerprint, FingerprintHex: strings.TrimPrefix(d.fingerprint, "sha256:"), Root: st.ck.Root.String(),
	}
	if d.m.Timestamp != nil {
		rd.Timestamp = d.m.Timestamp.Authority
	}
	var total int64
	for i, a := range st.artefacts {
		total += a.size
		ents := make([]string, len(a.entries))
		for j, e := range a.entries {
			ents[j] = fmt.Sprint(e)
		}
		rd.Exhibits = append(rd.Exhibits, reportExhibit{
			Exhibit: exhibit(i), Names: displayNames(a), Source: strings.Join(a.sources, "; "), Size: evidence.HumanBytes(a.size),
			SHA256: a.digest.Hex(), Received: a.received.UTC().Format("2006-01-02 15:04:05"), Entries: strings.Join(ents, ", "),
			Escaped: a.escaped,
		})
	}
	rd.ExhibitBytes = evidence.HumanBytes(total)
	exhibitOf := map[string]string{} // "sha256:<hex>" → "E3 (auth.log)"
	for i, a := range st.artefacts {
		exhibitOf[a.digest.String()] = exhibit(i) + " (" + displayNames(a) + ")"
	}
	for _, e := range st.entries {
		rd.Timeline = append(rd.Timeline, reportEntry{Index: e.Index, Time: e.Time.UTC().Format("2006-01-02 15:04:05"), Actor: e.Actor, What: evidence.Describe(e)})
	}
	for _, f := range d.o.Findings {
		rf := reportFinding{Finding: f, RoleName: roleNames[f.Role], RiskPct: int(math.Round(100 * clamp01(f.CollateralRisk)))}
		if rf.RoleName == "" {
			rf.RoleName = f.Role
		}
		rf.Risky = f.CollateralRisk > 0.2 && f.Role != "undetermined"
		hyps := f.Hypotheses
		if len(hyps) == 0 {
			hyps = map[string]float64{f.Role: f.Probability}
		}
		for _, r := range roleOrder {
			if p, ok := hyps[r]; ok {
				rf.Hyps = append(rf.Hyps, reportHyp{Name: roleNames[r], Pct: fmt.Sprintf("%.0f %%", 100*p), Top: r == f.Role, p: p})
			}
		}
		sort.SliceStable(rf.Hyps, func(i, j int) bool { return rf.Hyps[i].p > rf.Hyps[j].p })
		for _, fa := range f.Factors {
			rf.Factors = append(rf.Factors, reportFactor{Text: fa.Text, Sign: sign(fa.Nats[f.Role]), Source: fa.Source,
				Rho: fa.Rho, Evidence: readableCites(fa.Evidence, exhibitOf), Diagnostic: fa.Diagnostic})
		}
		rd.Findings = append(rd.Findings, rf)
	}
	t, err := template.ParseFS(templates, "templates/report.html.tmpl")
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, rd); err != nil {
		return nil, fmt.Errorf("export: report: %w", err)
	}
	return b.Bytes(), nil
}

// verifyText is VERIFY.txt: the checks with standard tools, step by step.
func (d *document) verifyText() []byte {
	st := d.st
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("HOW TO VERIFY THIS EVIDENCE PACKAGE\n")
	w("===================================\n\n")
	w("Case:        %s (case id %s)\n", st.info.Title, st.info.CaseID)
	w("Prepared:    %s for %s\n", stamp(st.time), orNone(d.o.Recipient))
	w("Checkpoint:  %d entries, root %s\n", st.size, st.ck.Root)
	w("Signing key: Ed25519, fingerprint %s\n\n", d.fingerprint)
	w("Before anything else, ask the sender to confirm this key fingerprint by another\n")
	w("channel (telephone, letter). A package signed with another key is not from this case.\n\n")
	w("Run the commands below in the package directory (the one holding this file).\n")
	w("None of them needs a network connection.\n\n")
	w("1. Every file is unchanged (GNU coreutils; on macOS use `shasum -a 256 -c SHA256SUMS`):\n\n")
	w("     sha256sum -c SHA256SUMS\n\n")
	w("   Every line must end in \"OK\".\n\n")
	w("2. The manifest, which lists every file with its SHA-256 and size, is signed with\n")
	w("   the case key (OpenSSL 3.0 or later):\n\n")
	w("     openssl pkeyutl -verify -pubin -inkey public-key.pem -rawin -in manifest.json -sigfile manifest.sig\n\n")
	w("   It must print \"Signature Verified Successfully\".\n\n")
	w("3. The public key is the case key:\n\n")
	w("     openssl pkey -pubin -in public-key.pem -outform DER | sha256sum\n\n")
	w("   It must print %s\n\n", strings.TrimPrefix(d.fingerprint, "sha256:"))
	w("4. Everything else, offline, with Casefile: the signature of the checkpoint, the\n")
	w("   inclusion proof of every custody entry against it, the hash chain, the\n")
	w("   exhibits against the entries that preserved them")
	if st.prevSize > 0 {
		w(", the consistency proof\n   from the previous export (checkpoint %d)", st.prevSize)
	}
	if d.o.TSA != "" {
		w(", and the RFC 3161 timestamp")
	}
	w(":\n\n")
	w("     casefile verify-export .\n\n")
	w("   (or `casefile verify-export PACKAGE.zip` on the archive). It must end with\n")
	w("   \"INTACT\" and exit with status 0; otherwise it names the first bad file.\n\n")
	if d.o.TSA != "" {
		w("5. The trusted timestamp over checkpoint.txt (you need the certificate of the\n")
		w("   time-stamping authority %s):\n\n", d.o.TSA)
		w("     openssl ts -reply -in checkpoint.tsr -text\n")
		w("     openssl ts -verify -data checkpoint.txt -in checkpoint.tsr -CAfile TSA-CA.pem\n\n")
	}
	w("WHAT THE FILES ARE\n\n")
	w("  manifest.json     every file with SHA-256 and size; who exported what, for whom, why\n")
	w("  manifest.sig      Ed25519 signature over manifest.json (raw, 64 bytes)\n")
	w("  public-key.pem    the case's public key\n")
	w("  SHA256SUMS        the same hashes, for sha256sum -c\n")
	w("  entries.jsonl     the custody entries, one per line, exactly as hashed\n")
	w("  checkpoint.txt    the signed state of the custody log (C2SP signed note)\n")
	w("  proofs/           an RFC 6962 inclusion proof per entry (C2SP tlog-proof)\n")
	w("  artefacts/        the exhibits, byte for byte, named by SHA-256\n")
	w("  case.jsonld       the case in CASE/UCO 1.4 (JSON-LD)\n")
	w("  stix-bundle.json  the assessment in STIX 2.1, marked TLP:%s\n", strings.ToUpper(d.o.TLP))
	w("  report.html       the report for counsel and police (open in a browser, printable)\n")
	return []byte(b.String())
}

// readableCites turns the assessment's citations ("entry:12",
// "sha256:…#L94", "sha256:…#R3", "dataset sha256:…") into what a reader of
// the report can look up: the custody entry, or the exhibit and line. At
// most maxReportCites are listed.
func readableCites(cites []string, exhibitOf map[string]string) []string {
	const maxReportCites = 4
	var out []string
	for i, c := range cites {
		if i == maxReportCites {
			out = append(out, fmt.Sprintf("and %d more", len(cites)-i))
			break
		}
		c = strings.TrimPrefix(c, "dataset ")
		switch {
		case strings.HasPrefix(c, "entry:"):
			out = append(out, "custody entry "+strings.TrimPrefix(c, "entry:"))
		case strings.HasPrefix(c, "sha256:"):
			d, where, _ := strings.Cut(c, "#")
			name := exhibitOf[d]
			if name == "" {
				name = d[:min(len(d), 19)] + "…"
			}
			switch {
			case strings.HasPrefix(where, "L"):
				name += ", line " + where[1:]
			case strings.HasPrefix(where, "R"):
				name += ", record " + where[1:]
			}
			out = append(out, name)
		default:
			out = append(out, c)
		}
	}
	return out
}
