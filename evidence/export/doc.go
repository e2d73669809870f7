// Package export writes and checks the package a case hands to law
// enforcement or counsel: a directory (or a .tar.gz or .zip of it) that
// anyone can verify offline with sha256sum and OpenSSL, or with Verify.
//
// Guarantees:
//
//   - Every file is listed in manifest.json with its SHA-256 and size, and
//     manifest.json is signed with the case key (raw Ed25519, checked by
//     `openssl pkeyutl -verify -rawin`); SHA256SUMS lists every other file
//     (manifest.json and manifest.sig included) in `sha256sum -c` form and
//     is signed too (SHA256SUMS.sig), so that coreutils and OpenSSL alone
//     detect any change; verify.sh runs those checks in one command and
//     refuses unlisted files. VERIFY.txt gives the checkpoint's verifier key
//     and how leaves are formed, for checking the proofs with other code.
//   - Every exported custody entry carries an RFC 6962 inclusion proof
//     (C2SP tlog-proof) against the latest signed checkpoint, so a selective
//     export proves that its entries belong to the full signed log without
//     revealing the rest; consistency proofs (RFC 6962, in the text form of
//     a C2SP tlog-witness add-checkpoint body) from the checkpoint of every
//     earlier export and every size the recipient names show that the log
//     only grew since; Report.CheckHeld checks them against a checkpoint
//     the recipient holds.
//   - A selective export is about its sources only (the selected
//     indicators, or those seen in the selected artefacts): its findings,
//     STIX, CASE and report concern them alone, and it holds what their
//     findings cite (the assessment entry, cited entries, the datasets and
//     WHOIS answers those entries name). A cited entry that also names
//     another source is withheld: its leaf hash is listed and proven.
//   - Each finding is proven against the assessment entry it rests on
//     (Options.Leaves): the entry commits to one leaf per source
//     (result_root), the package holds the finding's leaf and its
//     inclusion proof (leaves.go), and Verify checks that STIX, CASE and
//     the report say what the proven leaf says. Build refuses findings
//     that are not the recorded ones. Observations entries commit to their
//     observations likewise (observations_root): a selective package shows
//     those of its sources as proven leaves, a complete one all of them.
//   - Nothing is exported from a case that fails verification (derived
//     events and observations included): Build returns ErrCaseDamaged.
//   - STIX: confidence is the analytic confidence on the STIX Low/Med/High
//     scale; created/modified of a source's objects come from the
//     assessment entries whose leaves are kept (history.go), so they stay
//     put while that source's assessment does (entries recorded before
//     leaves were kept date every source by the first and latest entry);
//     the analyst who assessed is the
//     author; special-purpose and destination-only addresses are
//     observed-data, not indicators; indicators expire (valid_until) when
//     the data behind them goes stale; SCO ids follow §2.9.
//   - Artefacts are copied verbatim, streamed (memory stays at a few
//     chunks whatever their size), re-hashed on the way, and named by
//     SHA-256; their original names appear only as escaped text in the
//     manifest and the report, never as paths.
//   - The package is byte-for-byte reproducible: the same case state and
//     options give the same bytes (sorted content, no wall-clock time: the
//     time written anywhere is the time of the checkpoint's last entry).
//     An RFC 3161 timestamp, when asked for, is the only exception.
//   - Verify reads a package as hostile input: archive paths are checked
//     (no absolute paths, no "..", no links), sizes and counts are bounded,
//     nothing is extracted, and the first bad file is named. It reads the
//     signed files first and then only the files the signed manifest lists,
//     no more of each than its listed size, hashing as it streams: memory
//     stays bounded whatever the archive holds.
//   - Building a package is custody: Build records an export.created entry
//     (who, when, to whom, why, under which authorization, what, and the
//     manifest's digest) after the package is complete.
//
// Example:
//
//	res, err := export.Build(ctx, h.Case, export.Options{
//		Out: "handover.zip", Recipient: "Police, cybercrime unit",
//		Purpose: "criminal complaint", Signer: h.Signer,
//		PublicKeyPEM: pem, Actor: "J. Doe <jd@example.org>",
//	})
//	…
//	rep, err := export.Verify(ctx, "handover.zip")
package export
