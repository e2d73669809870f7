// Package evidence keeps a case's evidence: the artefacts as they were
// received, byte for byte, and the custody log that says who did what to
// them and when. Everything else in Casefile (parsed events, observations,
// assessments, exports) is derived from what this package stores and
// names the custody entries it rests on.
//
// This comment is the specification of the stored format. A second
// implementation, or an examiner with a JSON parser and SHA-256, must be
// able to check a case or an export package from it alone.
//
// # Entries
//
// The custody log is a sequence of entries numbered from 0. An entry is a
// JSON object with exactly six members, written in this order, which is
// the sorted order of their names:
//
//	{"actor":"Ann Analyst <ann@example.org>","index":7,"kind":"artefact.ingested",
//	 "payload":{…},"prev":"<64 hex digits>","time":"2026-11-20T12:00:00.123456789Z"}
//
// (shown on two lines here; stored on one). actor is the examiner or
// program that made the entry, at most 512 bytes; index its position;
// kind a non-empty name of at most 64 bytes saying what the entry records
// (see Entry kinds below); payload a JSON object whose shape the kind
// fixes; prev the hex SHA-256 of the previous entry's bytes (see The hash
// chain); time the instant of the commit in UTC, RFC 3339 with exactly nine
// fractional digits (TimeFormat), never earlier than the previous entry's.
// An entry is at most MaxEntrySize bytes; in a case kept in object storage,
// whose log is published in the C2SP tlog-tiles layout, at most
// MaxTileEntry (65535), the longest entry an entry bundle can hold.
//
// The stored bytes of an entry are its canonical JSON encoding, and every
// hash covers exactly those bytes. A reader (ParseEntry) accepts an entry
// only if it is already canonical: re-encoding is never needed to check a
// hash, and two spellings of one entry cannot both be valid.
//
// Entries are stored in runs: the entries one commit adds are consecutive,
// and are written under a few keys er/<index of the run's last entry>,
// each holding the canonical bytes of up to 256 entries (and, unless one
// entry is longer, up to 64 KiB) joined by a single newline byte (0x0a),
// with none before the first or after the last. Canonical JSON writes
// every control character in a string as an escape, so an entry never
// holds a raw newline and a run reads as JSON lines: split the value at
// each newline, and the n parts of the run under er/<L> are entries
// L-n+1 … L, in order. Entry i is in the first run whose key is i or
// more. (A copy imported for `casefile verify --from` cuts its runs by
// import batch, not by the commits that wrote the entries; a reader never
// depends on where a run ends.) Cases written before 2026-12-05 store
// each entry under a key of its own (e/<index>); they open, verify and
// prove as before, and their later commits add runs after their single
// entries. A reader takes the single entries first, then the runs, and
// requires them to give every index once, in order, each entry's own
// index member naming its place.
//
// # Entry files
//
// A store that keeps files of its own (EntryFiles: Badger on disk, since
// store layout 4) takes the runs of durable commits out of the database:
// they are appended to <store>/entries/entries-NNNNNN.log (a new file
// past 1 GiB) with one write and one fdatasync per commit, and the run's
// er/ key holds a pointer to its record instead of its entries (a value
// not starting with '{', which every run kept in the key starts with;
// the key entryfiles holds the last indexed record's pointer). Each
// record is one header line, the run exactly as it would stand in its
// key, and a newline:
//
//	#casefile-entries first=<20 digits> count=<6 digits> flags=<1 digit> bytes=<10 digits> crc32c=<8 hex digits>
//	{first entry}
//	…
//	{last entry}
//
// first is the index of the run's first entry, count the number of
// entries, bytes the length of the entries with the newlines between
// them, crc32c the CRC-32C (Castagnoli) of the header up to and including
// "crc32c=" followed by those bytes. flags is 2 on the last record of a
// commit, plus 1 when the commit is acknowledged only with the database
// batch that indexes it (it carried other writes, such as derived data,
// or followed writes not yet durable). So the files read without the
// database: every line not starting with "#casefile-entries " is an
// entry, in log order, as canonical JSON.
//
// A record is written, and made durable, before the batch indexing it:
// an entries-only commit is acknowledged once its records are on disk,
// and its batch is written after that.
// After a power cut the index may lack records the files hold: a
// writable open indexes the whole commits of entries only that continue
// the log (with a new signed checkpoint), and removes what was never
// acknowledged (a commit whose last record, or whose batch when flags
// has 1, is missing; bytes forming no record). Anything else past the
// index (a record that does not continue the log, records after one
// never acknowledged) is damage: the open fails and nothing is changed.
// Verification changes nothing: it reports records not yet indexed as
// such, and any byte of the files outside the indexed records. Lazy
// commits (AppendLazy) keep their runs in their keys as before, since the
// database may write their batch to disk before any sync.
//
// # Value files
//
// Since store layout 5, derived data written with Op.Bulk (event and
// malformed-line blocks, postings parts, search index chunks and times,
// result leaf parts) may be kept by the backend outside its index:
// Badger on disk appends each such value of 1 KiB or more to
// <store>/values/values-NNNNNN.dat (a new file for each process that
// writes them, and past 1 GiB) and stores under its key a 17-byte pointer
// (0x01, file number, offset, value length) marked by Badger's per-entry
// user meta byte, so that values written before stay readable as they
// are. A record is "CFV1", the key length (2 bytes), the value length
// (4), the CRC-32C (Castagnoli, 4) of the two lengths, the key and the
// value, the CRC-32C (4) of the 14 header bytes before it, then the key
// and the value (integers big-endian). A durable write makes the value
// files durable (fdatasync) before its batch; a read checks the record's
// key, length and checksum and reports a mismatch, or a missing or cut
// file, as store damage naming the file and offset. A non-durable write's
// pointer may survive a power cut that loses its record (the database
// writes when it likes): a read of it is then such damage. Only derived
// data never recorded can be in that state (a parse run's record is
// committed after a durable write of its data), which nothing reads and a
// new parse writes again. Verification walks the files' records: each
// process appends to files of its own, so only a record cut short by the
// end of a file (or zero bytes there) is what a kill or power cut leaves;
// any other byte that fails a checksum is reported. The log, its checkpoints,
// artefacts and every op committed with entries stay in the database.
//
// # Canonical JSON
//
// Canonical JSON (Canonical, CheckCanonical) is RFC 8785 (JCS) with one
// deliberate difference in numbers:
//
//   - no insignificant whitespace;
//   - object members sorted by the UTF-16 code units of their names, no
//     duplicate names;
//   - strings as RFC 8785 writes them: \b \f \n \r \t and \" \\ escaped
//     short, other control characters as \u00xx (lower-case hex),
//     everything else as its UTF-8 bytes (no \u escapes, no escaped '/');
//     invalid UTF-8 is refused;
//   - integers that fit a signed 64-bit integer are written as plain
//     decimal digits, exactly, whatever their magnitude;
//   - every other number is written as RFC 8785 writes it (the ECMAScript
//     shortest form that round-trips an IEEE 754 double: 1e+21, 0.5,
//     1.5e-7); NaN and infinities do not exist in JSON and are refused;
//   - nesting is at most 64 levels deep.
//
// RFC 8785 reads every number as a double, so 9007199254740993 (2^53 + 1)
// would become 9007199254740992 and a nanosecond timestamp or a byte
// offset above 2^53 would silently change when an entry is canonicalised.
// Entries carry sizes, offsets, indexes and counts as Go int64 and uint64
// and must keep them exactly; encoding/json writes such integers as plain
// digits, so Casefile's canonical form of a Go value is what encoding/json
// already wrote whenever the members are in order (no re-encoding on the
// hot path). The price: a payload holding an integer between 2^53 and
// 2^63 canonicalises differently under RFC 8785 than here, so a checker
// must use this rule, not an off-the-shelf JCS library, for such values.
// Integers beyond the int64 range are read as doubles, as RFC 8785 does;
// no entry written by Casefile holds one.
//
// # The hash chain
//
// Each entry names its predecessor: prev is the lower-case hex SHA-256 of
// the canonical bytes of entry index-1. Entry 0, the genesis, has no
// predecessor; its prev is 64 zeros (GenesisPrev). Entry 0 is always a
// case.created entry (CaseInfo): the case's title, id, checkpoint origin
// and the fingerprint of the key that signs its checkpoints.
//
// The rule is written once, in CheckLink; ChainChecker applies it to a
// log read from entry 0 (Case.Walk) and recomputes the Merkle root, for
// Verify, export.Build and export.Verify alike. ArtefactIndex is the one
// reading of artefact.ingested entries (artefact → its ingest entries,
// names, size, exhibit number).
//
// # Merkle tree and checkpoints
//
// The entries are also the leaves of an RFC 6962 Merkle tree (SHA-256):
// the leaf hash of an entry is SHA-256(0x00 || canonical bytes)
// (Entry.LeafHash); interior nodes are SHA-256(0x01 || left || right).
// The tree hashes are stored in the order golang.org/x/mod/sumdb/tlog
// stores them (tlog.StoredHashIndex), so that tlog's proofs apply as they
// are. The hashes a commit adds have consecutive indexes and are stored
// together, in runs of up to 31 (hr/ below). Cases written before 2026-12-05 store
// each hash under a key of its own (h/); they open, verify and prove as
// before, and their later commits add runs after their single hashes.
// Verification reads the single hashes, then the runs, and requires them
// to give every index once, in order.
//
// After every commit the log signs a checkpoint, a C2SP tlog-checkpoint
// body carried in a C2SP signed note (golang.org/x/mod/sumdb/note,
// Ed25519):
//
//	<origin>\n<tree size in decimal>\n<base64 root hash>\n
//
// The origin is the case's checkpoint origin ("casefile.invalid/case/<case
// id>"), which is also the name of the signing key; Casefile writes no
// extension lines and reads any (Checkpoint, SignCheckpoint,
// OpenCheckpoint). Every checkpoint is kept, so a later log can be proven
// consistent with any earlier one (ConsistencyProof) and any entry
// included in it (InclusionProof).
//
// An entry may also commit to many items of its own (one per assessed
// source, one per observation) by the RFC 6962 root of their canonical
// JSON (LeafTree): each item can then be shown and proven on its own.
//
// # Key spaces
//
// A case is stored in an ordered key-value Backend (Badger on disk; memory
// in tests). Keys start with a short prefix that says who owns them. This
// package owns the first nine and refuses writes to them from any other
// (AppendAtomic, WriteDerived):
//
//	layout                               the store layout version, in decimal ASCII (below)
//	entryfiles                           the pointer of the last record of the entry files indexed (layout 4)
//	er/<index, 8 bytes big-endian>       up to 256 consecutive canonical entries written together, '\n' between them, the last at that index, or a pointer to their record in the entry files
//	e/<index, 8 bytes big-endian>        one entry's canonical bytes (cases written before entry runs)
//	hr/<tlog stored-hash index, 8 bytes> up to 31 consecutive 32-byte tree hashes of one commit, end to end, the last at that index
//	h/<tlog stored-hash index, 8 bytes>  one 32-byte Merkle tree hash (cases written before hash runs)
//	k/<tree size, 8 bytes>               the signed checkpoint of that size
//	c/<SHA-256 of the chunk>             one chunk of artefact bytes (or a chunk-list page)
//	a/<SHA-256 of the artefact>          the artefact record: size, chunk size, chunk-list pages (JSON)
//
// The layout version says which of these key spaces the log uses: 1,
// entries and tree hashes one per key (e/, h/); 2, tree hashes in runs
// (hr/); 3, entries in runs too (er/); 4, the runs of durable commits in
// entry files, er/ holding pointers to them (above); 5, bulk derived
// values possibly in value files (above). It is written with a case's first
// commit, and with the first commit a newer Casefile makes to an older
// case (layout 5 also with the first bulk value WriteDerived stores in it), whose earlier keys stay as they are (so a case of layout 3 may
// still hold e/ and h/ keys for its first entries). Cases written before
// the version existed have no layout key. A Casefile that finds a layout
// newer than it knows refuses to open the case, saying so (ErrNewerLayout),
// rather than reporting keys it cannot read as damage. The key is not
// signed: it tells a reader how to read, and verification checks what it
// reads, not the key.
//
// Derived data lives beside the log under prefixes of the packages that
// derive it, written in the same atomic batch as the entry that records
// it, and checked by verification against that entry:
//
//	r/ v/ w/ j/ jp/   evidence/eventstore: parse runs, event blocks (s2), malformed lines, indicator postings
//	xs/1/ xt/1/ xr/   evidence/eventstore: the search index (terms, time columns, records per part of a run)
//	ss/               evidence/eventstore: the latest search.saved entry of each name
//	o/ q/             enrich/observe: observations by indicator, sources consulted
//	rl/               evidence/resultleaves: the per-source leaves of an assessment (s2), or past
//	                  8 MiB of leaves (since issue 18) s2 of a manifest ("#parts" and the hex SHA-256
//	                  of each part, a line each) committed with the entry; records of earlier cases
//	                  are read and verified as before
//	rlp/              evidence/resultleaves: one part of a large result's leaves, keyed by the SHA-256
//	                  of the stored value, written before the entry (a part no manifest names is
//	                  left by an interrupted recording and read by nothing)
//	wg/ wc/ wt/       evidence/witness: the witnessing policy, cosignatures, timestamps
//	u/ t/             ui: workbench users and API tokens (bound to user.* entries)
//	ws/               ui: workbench sessions, keyed by a hash of the cookie (not evidence; outside the log)
//
// Artefact bytes are stored in chunks of ChunkSize bytes, each keyed by
// its own SHA-256 (the Badger store keeps them in pack files instead of
// c/ keys, behind the same Chunks interface). An artefact record lists
// its chunks through chunk-list pages of up to 1024 hashes, themselves
// stored as chunks. Identical content is stored once; each ingest of it
// is a custody entry of its own.
//
// The artefact.ingested entry names the content's SHA-256 and, since
// record_sha256 was added, the hex SHA-256 of the record's stored bytes
// (the record is canonical JSON: {"chunk_size":…,"chunks":…,"pages":[…],
// "size":…}). The signed log then commits to the exact list of chunks:
// the content is proven by checking that the record hashes to
// record_sha256, each page and each chunk to the hash that names it, each
// chunk's length and the counts to the record's size and chunk size. Each
// byte is hashed once and the chunks are checked in any order, on every
// core — local verify and verify --from alike, so a big artefact is
// verified in parallel wherever it is kept. That proves the bytes are the
// ones hashed at ingest, when the content SHA-256 (and MD5, SHA-1) were
// computed from them and signed with the record's hash. An artefact whose
// entries carry no record_sha256 (ingested before it existed) is proven
// by recomputing its whole-content SHA-256 and the MD5/SHA-1 recorded, in
// one sequential pass; VerifyOptions.FullHash (verify --full-hash) does
// that for every artefact, when the standard digests must be recomputed.
//
// A case created with `casefile init --blobs s3://BUCKET/PREFIX` keeps its
// chunks as objects under PREFIX (evidence/s3blobs), written with Object
// Lock retention, and publishes a complete copy of the case beside them
// that `casefile verify --from` (or any C2SP tlog-tiles client for the
// log) checks without the local store:
//
//	chunks/<SHA-256>      one chunk
//	artefacts/<SHA-256>   the artefact record
//	public-key.pem        the case key
//	tile/…, tile/entries/…  the log in C2SP tlog-tiles layout (entry bundles hold the canonical entries)
//	checkpoint            the latest signed checkpoint, written after the tiles it covers
//
// # What Verify detects
//
// Case.Verify recomputes everything from the stored bytes and reports each
// problem found (Problem, with a kind from ProblemEntry, ProblemChunk,
// ProblemArtefact, ProblemCheckpoint, ProblemSignature, ProblemStore):
//
//   - an entry that is not canonical, lacks a member, is stored under
//     another index than it names (reordered), or is missing (removed);
//     entry runs that overlap, leave a gap, or hold fewer or more entries
//     than their keys say, each named by the index of the entry concerned;
//   - a broken hash chain, including an entry 0 whose prev is not
//     GenesisPrev;
//   - a stored tree hash that does not match the entries;
//   - a checkpoint whose signature does not verify with the case key, whose
//     origin is not the case's, whose root does not match the entries it
//     covers (an entry changed after signing), that covers more entries
//     than are stored (a truncated tail), and entries no checkpoint covers;
//   - a case.created entry that does not say what the case directory says
//     (title, id, origin, key fingerprint), when asked (VerifyOptions.Expect);
//   - a log that does not extend a checkpoint kept outside the case
//     (VerifyOptions.Trusted): shortened or forked;
//   - an artefact whose record does not hash to the record_sha256 its
//     entries recorded; whose bytes do not hash to its name (recomputed
//     for artefacts without record_sha256, or with FullHash); whose size or
//     recorded MD5/SHA-1 (recomputed likewise) differs from its entries,
//     that no entry names, or that an entry names but is not stored; a
//     chunk or chunk-list page that does not hash to its key, is missing,
//     or whose length disagrees with the record; damage to the store's own
//     files.
//
// Verification cannot prove by itself that the signing key was not used
// by someone else, nor that the log was not rewritten whole with the same
// key after the last checkpoint anyone kept outside the case; Report.NotProven
// says so in words. Witnessing and exports are the answer.
//
// # Entry kinds
//
// Each kind is owned by one package, which writes it and decodes its
// payload; the table lists every kind Casefile writes (the architecture
// test in cmd/casefile fails when a kind constant is missing here).
//
//	kind                   owner                 payload type
//	case.created           evidence              CaseInfo
//	artefact.ingested      evidence              IngestPayload
//	ingest.failed          evidence              IngestFailedPayload
//	events.parsed          evidence/eventstore   eventstore.Run
//	search.saved           evidence/eventstore   name, query (an empty query removes the name)
//	export.created         evidence/export       a JSON object: package, checkpoint, what it holds
//	witnessing.configured  evidence/witness      witness.Policy
//	observations.recorded  enrich/observe        observe.Payload
//	dataset.failed         enrich/observe        artefact, name, error, summary (strings)
//	assessment.recorded    graph                 graph.AssessmentPayload
//	assessment.overridden  graph                 graph.OverridePayload
//	notification.prepared  graph/notify          notify.Prepared
//	annotation.added       evidence/annotate     annotate.MarkPayload (a tag, star or comment)
//	note.written           evidence/annotate     annotate.NotePayload
//	ioc.listed             evidence/annotate     annotate.IOCPayload
//	annotation.withdrawn   evidence/annotate     annotate.WithdrawPayload
//	user.added             ui                    user, role, password_hash_sha256, full_name, email
//	user.disabled          ui                    user, reason
//	user.enabled           ui                    user
//	user.role_changed      ui                    user, role, previous_role
//	user.token_created     ui                    user, role, token_id, token_sha256, expires
//	user.token_revoked     ui                    user, token_id, token_sha256
//	user.login             ui                    user, role, remote
//	user.login_failed      ui                    remote, failed, refused, users, from, to
//	user.logout            ui                    user, role, remote
//	evidence.viewed        ui                    user, role, artefact, mode, offset, bytes, lines
//	export.downloaded      ui                    user, role, package, its hash, summary
//	verify.started         ui                    user, role, summary
//	view.saved             ui                    ui.ViewPayload
//	hold.set               evidence/s3blobs      s3blobs.HoldPayload
//	hold.released          evidence/s3blobs      s3blobs.HoldPayload
//
// Payloads may carry a "summary" string: a sentence for people, shown by
// Describe. Readers ignore members they do not know, so a kind's payload
// may gain members; a member's meaning never changes.
package evidence
