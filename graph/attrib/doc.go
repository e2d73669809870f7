// Package attrib judges what role a source of hostile activity most likely
// plays — the perpetrator's own infrastructure, an anonymising relay, a
// compromised third party, an abused platform, or undetermined — from the
// case's events and the dated observations enrichment recorded about it.
//
// Guarantees:
//
//   - Every number comes from a Model; the defaults are the embedded
//     default-model.json (ATTRIBUTION.md), and every Result names the model
//     version and its digest, so a reviewer can recompute any judgement.
//   - The arithmetic is the one of ATTRIBUTION.md: per factor family only
//     the strongest member counts per role, each family's log-likelihood
//     ratio is clipped to ±ln ClipRatio, evidence is discounted toward
//     λ = 1 by ρ = reliability × credibility × staleness × spoof and never
//     flips direction, and posteriors are clamped.
//   - Every factor cites what it rests on: events as "sha256:<artefact>#L<line>"
//     (or "#R<record>"), observations as "dataset sha256:<digest>", optionally
//     with "entry:N" via Input.EntryOf. At most a few citations are kept per
//     factor, with the total count.
//   - Recommendations are limited to lawful action (block at the own
//     perimeter, notify abuse contacts, report to CERT or police); nothing
//     here ever proposes acting against the source.
//   - Hostile input cannot make it panic or grow without bound per event:
//     events are folded into per-source aggregates in one pass.
//
// Example:
//
//	res, err := attrib.Assess(attrib.DefaultModel(), attrib.Input{
//		Events:       events,
//		Observations: obsByIndicator,
//	}, nil)
//	if err != nil { … }
//	res.Text(os.Stdout)
package attrib
