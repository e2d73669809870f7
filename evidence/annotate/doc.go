// Package annotate keeps what examiners add to a case besides evidence:
// tags, stars and comments on events, sources and artefacts, case notes in
// Markdown, and the curated list of indicators the team decides to share
// (with a TLP marking each).
//
// Guarantees:
//
//   - Every annotation is a custody entry (who, when, what, on what). Nothing
//     is edited in place: a changed note, a changed IOC or a removed tag is a
//     new entry that names the entry it supersedes by its number, so the log
//     keeps every earlier wording and who replaced it.
//   - The current state is a fold of the log: State.Apply takes the entries
//     in order and is deterministic (the same entries give the same state,
//     whatever was recorded concurrently); it never reads anything else.
//   - Targets are strict: an event is cited as its artefact and line
//     ("sha256:<hex>#L12"), record ("#R3") or byte offset ("#B4096"), an
//     artefact by its digest, a custody entry as "entry:N", and a source by
//     its indicator (IP addresses normalised). Texts are bounded and
//     control characters refused, so an entry always fits the log and reads
//     the same on a terminal and in a page.
//
// The package sits under evidence because the export package (report,
// STIX, iocs.csv) must read the same fold and evidence never imports graph;
// the CLI, the workbench and graph/notify use it alike.
//
// Example:
//
//	st, err := annotate.Read(c)
//	t, _ := annotate.ParseTarget("185.220.101.4")
//	ch, err := st.PlanTag(t, "tor")
//	e, err := annotate.Record(ctx, c, "J. Doe <jd@example.org>", ch)
package annotate
