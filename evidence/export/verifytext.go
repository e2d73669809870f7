package export

import (
	"fmt"
	"strings"
	"unicode"
)

// Commands of VERIFY.txt, also run literally by the tests.
const (
	cmdCheckSumsSig = "openssl pkeyutl -verify -pubin -inkey public-key.pem -rawin -in SHA256SUMS -sigfile SHA256SUMS.sig"
	cmdCheckSums    = "sha256sum -c --strict SHA256SUMS"
	cmdFingerprint  = "openssl pkey -pubin -in public-key.pem -outform DER | sha256sum"
	cmdScript       = "sh verify.sh"
)

// oneLine makes untrusted text safe to print on one line of a plain-text
// file: control and line-breaking characters become \xHH or \u{…}.
func oneLine(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == unicode.ReplacementChar:
			b.WriteString(`\u{fffd}`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r < 0xa0, r == 0x2028, r == 0x2029, unicode.Is(unicode.Bidi_Control, r):
			fmt.Fprintf(&b, `\u{%x}`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// verifyText is VERIFY.txt: the checks with standard tools, step by step,
// and how the checkpoint and proofs are formed for those who check them
// with their own code.
func (d *document) verifyText() []byte {
	st := d.st
	fpHex := strings.TrimPrefix(d.fingerprint, "sha256:")
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("HOW TO VERIFY THIS EVIDENCE PACKAGE\n")
	w("===================================\n\n")
	w("Case:        %s (case id %s)\n", oneLine(st.info.Title), oneLine(st.info.CaseID))
	w("Prepared:    %s for %s\n", stamp(st.time), oneLine(orNone(d.o.Recipient)))
	w("Checkpoint:  %d entries, root %s\n", st.size, st.ck.Root)
	w("Signing key: Ed25519, fingerprint %s\n\n", d.fingerprint)
	w("Before anything else, ask the sender to confirm this key fingerprint by another\n")
	w("channel (telephone, letter). A package signed with another key is not from this case,\n")
	w("whatever this file says.\n\n")
	w("Run the commands below in the package directory (the one holding this file), with\n")
	w("GNU coreutils and OpenSSL 3.0 or later. None of them needs a network connection.\n\n")
	w("1. SHA256SUMS, the list of every other file with its SHA-256, is signed with the\n")
	w("   case key:\n\n")
	w("     %s\n\n", cmdCheckSumsSig)
	w("   It must print \"Signature Verified Successfully\".\n\n")
	w("2. Every listed file is unchanged:\n\n")
	w("     %s\n\n", cmdCheckSums)
	w("   Every line must end in \"OK\", and no line may say WARNING or FAILED.\n\n")
	w("3. The public key is the case key:\n\n")
	w("     %s\n\n", cmdFingerprint)
	w("   It must print %s\n", fpHex)
	w("   and that must be the fingerprint the sender confirmed.\n\n")
	w("4. Steps 1 to 3, and the check that the package holds no file SHA256SUMS does not\n")
	w("   list, in one command (verify.sh is listed in SHA256SUMS, so steps 1 and 2 show\n")
	w("   it is the one that was signed; give the confirmed fingerprint as argument):\n\n")
	w("     %s %s\n\n", cmdScript, fpHex)
	w("   It must end with \"OK\" and exit with status 0.\n\n")
	w("These steps prove that the files are the ones signed with the case key. That the\n")
	w("custody entries belong to the signed log and that the exhibits are what the\n")
	w("entries preserved is proven by the checkpoint and the proofs below: check them with\n")
	w("Casefile, offline,\n\n")
	w("     casefile verify-export .\n\n")
	w("(it must end with \"INTACT\" and exit with status 0), or with your own code.\n\n")
	if d.o.TSA != "" {
		w("5. The trusted timestamp over checkpoint.txt (you need the certificate of the\n")
		w("   time-stamping authority %s):\n\n", oneLine(d.o.TSA))
		w("     openssl ts -reply -in checkpoint.tsr -text\n")
		w("     openssl ts -verify -data checkpoint.txt -in checkpoint.tsr -CAfile TSA-CA.pem\n\n")
	}
	w("CHECKING THE PROOFS WITH YOUR OWN CODE\n\n")
	w("  checkpoint.txt is a C2SP signed note (c2sp.org/signed-note) whose text is a\n")
	w("  C2SP checkpoint (c2sp.org/tlog-checkpoint): the origin line, the number of\n")
	w("  entries, the base64 RFC 6962 root hash. Its verifier key, as accepted by\n")
	w("  golang.org/x/mod/sumdb/note.NewVerifier, is\n\n")
	w("     %s\n\n", d.vkey)
	w("  formed as <name>+<key hash>+<key>: the name is the origin line; the key is\n")
	w("  base64(0x01 || the 32-byte Ed25519 public key of public-key.pem); the key hash is\n")
	w("  the first 4 bytes, as 8 hex digits, of SHA-256(name || 0x0A || 0x01 || public key).\n\n")
	w("  The log is an RFC 6962 Merkle tree (SHA-256). Leaf N is custody entry N: its\n")
	w("  leaf hash is SHA-256(0x00 || the bytes of its line in entries.jsonl without the\n")
	w("  newline); an interior node is SHA-256(0x01 || left || right).\n\n")
	w("  proofs/entry-N.tlog-proof is a C2SP tlog-proof (c2sp.org/tlog-proof): the line\n")
	w("  \"index N\", the RFC 6962 inclusion proof (base64 hashes, from the leaf's\n")
	w("  sibling up), a blank line, and checkpoint.txt verbatim.\n")
	d.leavesText(w)
	d.consistencyText(w)
	d.witnessingText(w)
	w("\nWHAT THE FILES ARE\n\n")
	w("  SHA256SUMS        every other file with its SHA-256, for sha256sum -c\n")
	w("  SHA256SUMS.sig    Ed25519 signature over SHA256SUMS (raw, 64 bytes)\n")
	w("  manifest.json     every file with SHA-256 and size; who exported what, for whom, why\n")
	w("  manifest.sig      Ed25519 signature over manifest.json (raw, 64 bytes)\n")
	w("  public-key.pem    the case's public key\n")
	w("  verify.sh         steps 1 to 4 in one command (coreutils and OpenSSL only)\n")
	w("  entries.jsonl     the custody entries, one per line, exactly as hashed\n")
	w("  checkpoint.txt    the signed state of the custody log (C2SP signed note)\n")
	w("  proofs/           an RFC 6962 inclusion proof per entry (C2SP tlog-proof), and\n")
	w("                    consistency proofs from earlier checkpoints (see above)\n")
	if len(st.witnessing) > 0 {
		w("  witnessing/       the checkpoint cosigned by witnesses, the witnessing policy,\n")
		w("                    the RFC 3161 timestamp of the checkpoint (see above)\n")
	}
	if len(st.leaves)+len(st.leafSets) > 0 {
		w("  leaves/           what entries commit to item by item: the assessment of each\n")
		w("                    source, the observations (see LEAVES above)\n")
	}
	w("  artefacts/        the exhibits, byte for byte, named by SHA-256\n")
	w("  case.jsonld       the case in CASE/UCO 1.4 (JSON-LD)\n")
	w("  stix-bundle.json  the assessment in STIX 2.1, marked TLP:%s\n", strings.ToUpper(d.o.TLP))
	w("  report.html       the report for counsel and police (open in a browser, printable)\n")
	w("  sources.csv       the sources with their recorded verdicts, for your own tools (CSV)\n")
	w("  timeline.csv      the report's timeline: when each source that matters acted, citing it (CSV)\n")
	w("  accounts.csv      the accounts hostile sources signed into, first login and its line (CSV)\n")
	w("  report.json       the sources, the timeline, the accounts and the exhibits as JSON,\n")
	w("                    each row an object keyed by the CSV's column names\n")
	w("  exhibits.csv      the exhibits: number, SHA-256, size, names, sources, entries (CSV)\n")
	w("  custody.csv       the custody entries of the package: number, time, who, what (CSV)\n")
	if d.ann != nil && len(packageIOCs(d.ann, d.m.Export)) > 0 {
		w("  iocs.csv          the indicators the examiners decided to share, each with its TLP\n")
		w("                    and its ioc.listed entry (CSV); also in stix-bundle.json, labelled\n")
		w("                    casefile:curated-ioc, each marked with its own TLP\n")
	}
	return []byte(b.String())
}

// verifyScript is verify.sh: steps 1 to 3 of VERIFY.txt and the check
// that nothing unlisted is present, with POSIX sh, GNU coreutils and
// OpenSSL only.
func verifyScript() []byte {
	return []byte(`#!/bin/sh
# Checks this evidence package with GNU coreutils and OpenSSL (3.0 or later)
# only, offline. Usage, in the package directory:
#
#     sh verify.sh [FINGERPRINT]
#
# FINGERPRINT is the key fingerprint the sender confirmed by another channel
# (64 hex digits, with or without "sha256:"). Exit status 0: every file is
# the one signed with that key; 1: something differs.
set -u
cd "$(dirname "$0")" || exit 1
fail() { echo "FAILED: $*"; exit 1; }
for f in SHA256SUMS SHA256SUMS.sig public-key.pem; do
	if [ -L "$f" ] || [ ! -f "$f" ]; then fail "$f is missing or not a regular file"; fi
done
# 1. SHA256SUMS is signed with the key in public-key.pem.
` + cmdCheckSumsSig + ` >/dev/null 2>&1 ||
	fail "the signature in SHA256SUMS.sig over SHA256SUMS does not verify with public-key.pem"
echo "signature over SHA256SUMS: verified"
# 2. Every listed file is unchanged.
` + cmdCheckSums + ` --quiet || fail "a file differs from SHA256SUMS (see above)"
echo "every file listed in SHA256SUMS: unchanged"
# 3. Nothing is present that SHA256SUMS does not list (links are refused).
nl='
'
listed="${nl}$(cut -c67- SHA256SUMS)${nl}SHA256SUMS${nl}SHA256SUMS.sig${nl}"
extra=$(du -a -0 . | tr '\0\n' '\n?' | cut -f2- | while IFS= read -r p; do
	if [ -L "$p" ]; then echo "$p (a link)"; continue; fi
	[ -d "$p" ] && continue
	case "$listed" in *"${nl}${p#./}${nl}"*) ;; *) echo "$p" ;; esac
done)
[ -z "$extra" ] || fail "not listed in SHA256SUMS: $extra"
echo "no unlisted file"
# 4. The key.
fp=$(` + cmdFingerprint + ` | cut -c1-64)
echo "signing key fingerprint: sha256:$fp"
if [ $# -ge 1 ]; then
	[ "${1#sha256:}" = "$fp" ] || fail "the package is signed with another key than $1"
	echo "OK: every file is the one signed with the confirmed key"
else
	echo "OK: every file is the one signed with this key; compare the fingerprint above with the one the sender confirmed"
fi
`)
}

// leavesText tells how the leaves of entries that commit per item (the
// findings' assessment, observations) are proven.
func (d *document) leavesText(w func(string, ...any)) {
	st := d.st
	if len(st.leaves)+len(st.leafSets) == 0 {
		return
	}
	w("\n  LEAVES: some entries do not list what they record but commit to it item by item,\n")
	w("  so that each item can be shown and proven without the others. An\n")
	w("  assessment.recorded entry commits to its result per source: \"result_root\" is the\n")
	w("  root of an RFC 6962 tree (SHA-256, as above) of \"sources\" leaves, one per assessed\n")
	w("  source in order of indicator, each the canonical JSON of that source's assessment.\n")
	w("  An observations.recorded entry commits to its observations: \"observations_root\"\n")
	w("  over \"observation_count\" leaves, one per observation (its canonical JSON). A leaf's\n")
	w("  hash is SHA-256(0x00 || its bytes). Entry N itself is proven against checkpoint.txt\n")
	w("  by proofs/entry-N.tlog-proof, as any entry.\n")
	if len(st.leaves) > 0 {
		w("  leaves/entry-N-I.json is leaf I of entry N, byte for byte; proofs/entry-N-leaf-I.txt\n")
		w("  proves it:\n\n")
		w("     %s\n     entry N\n     index I\n     size <the number of leaves>\n", leafProofHeader)
		w("     <the RFC 6962 inclusion proof: base64 hashes, from the leaf's sibling up>\n\n")
		w("     result_root <the root, as entry N records it>   (or observations_root …)\n\n")
		w("  Check the leaf with the proof against that root of entry N in entries.jsonl (e.g.\n")
		w("  golang.org/x/mod/sumdb/tlog.CheckRecord with the root, size, index and leaf hash).\n")
		if !st.complete {
			w("  Only the leaves of this package's sources are shown.\n")
		}
	}
	if len(st.leafSets) > 0 {
		w("  leaves/entry-N.jsonl holds every leaf of entry N, one a line (the line without its\n")
		w("  newline is the leaf): their tree's root must be the root entry N records.\n")
	}
	if len(st.provenAt) > 0 {
		w("  The findings in stix-bundle.json, case.jsonld, report.html, sources.csv and\n")
		w("  report.json must say what their leaf of the assessment entry (%d) says\n", st.assessment.Index)
		w("  (indicator, role, probability and its words, analytic confidence, collateral\n")
		w("  risk, recommendation).\n")
	}
	w("  casefile verify-export checks all of this.\n")
}

// consistencyText tells how the consistency proofs are formed and checked.
func (d *document) consistencyText(w func(string, ...any)) {
	st := d.st
	if len(st.proved) == 0 {
		return
	}
	w("\n  CONSISTENCY: this package proves that the log as it stood at ")
	for i, s := range st.proved {
		if i > 0 {
			w(", ")
		}
		w("%d", s)
	}
	w("\n  entries is an unchanged prefix of this one (nothing recorded before was altered or\n")
	w("  removed)")
	if st.prevSize > 0 {
		w("; %d is the checkpoint of the case's previous export", st.prevSize)
	}
	w(".\n  proofs/consistency-OLD-%d.txt is the RFC 6962 consistency proof from OLD entries.\n", st.size)
	w("  C2SP tlog-proof defines no consistency form, so it is written as the body of a\n")
	w("  C2SP tlog-witness add-checkpoint request (c2sp.org/tlog-witness): the line\n")
	w("  \"old OLD\", the proof's hashes (base64 SHA-256, one a line), a blank line, and\n")
	w("  checkpoint.txt verbatim. proofs/checkpoint-OLD.txt, when present, is the case's\n")
	w("  signed checkpoint at OLD entries. To check a proof against the checkpoint of OLD\n")
	w("  entries you hold (from an earlier package, or its size and root written down),\n")
	w("  use your own RFC 6962 code (e.g. golang.org/x/mod/sumdb/tlog.CheckTree) or\n\n")
	w("     casefile verify-export . --checkpoint YOUR-checkpoint.txt   (or OLD:ROOT)\n\n")
	w("  For a size not listed above, ask the sender for a package made with\n")
	w("  casefile export --consistency-from SIZE.\n")
}

// witnessingText tells what the witnessing files are and how to check them.
func (d *document) witnessingText(w func(string, ...any)) {
	st := d.st
	has := map[string]bool{}
	for _, f := range st.witnessing {
		has[f] = true
	}
	if len(has) == 0 {
		return
	}
	w("\n  WITNESSES AND TIMESTAMP\n")
	if has[fileWitnessPolicy] {
		w("  %s names the witnesses of the case (URL and verifier key), how many\n", fileWitnessPolicy)
		w("  of them must cosign (quorum), and the time-stamping authority. Confirm a witness's\n")
		w("  key with the witness itself, not from this package.\n")
	}
	if has[fileCosigned] {
		w("  %s is checkpoint.txt followed by the witnesses' C2SP\n", fileCosigned)
		w("  tlog-cosignature lines (c2sp.org/tlog-cosignature): \"— <witness name> <base64>\",\n")
		w("  where the signature is the 8-byte big-endian Unix time of cosigning followed by an\n")
		w("  Ed25519 signature over \"cosignature/v1\\ntime <that time>\\n\" and the checkpoint\n")
		w("  text. A witness's verifier key is <name>+<key hash>+base64(0x04 || Ed25519 key).\n")
		w("  golang.org/x/mod/sumdb/note.Open checks the note given a note.Verifier for each\n")
		w("  witness key (note.NewVerifier reads only 0x01 keys, so that verifier is a few lines\n")
		w("  of your own code, as the spec describes)")
		if len(st.witnessKeys) > 0 {
			w("; the keys of this case's witnesses:\n\n")
			for _, k := range st.witnessKeys {
				w("     %s\n", oneLine(k))
			}
			w("\n")
		} else {
			w(".\n")
		}
	}
	if has[fileWitnessTSR] {
		w("  %s is an RFC 3161 timestamp (TimeStampResp) over checkpoint.txt,\n", fileWitnessTSR)
		w("  taken when the case signed it (you need the authority's CA certificate):\n\n")
		w("     openssl ts -reply -in %s -text\n", fileWitnessTSR)
		w("     openssl ts -verify -data checkpoint.txt -in %s -CAfile TSA-CA.pem\n\n", fileWitnessTSR)
	}
	w("  casefile verify-export checks all of these and says who witnessed what size when.\n")
}
