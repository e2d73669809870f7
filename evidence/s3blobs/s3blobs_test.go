package s3blobs_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
	"golang.org/x/mod/sumdb/note"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/casedir"
	"github.com/casefile/casefile/evidence/keys"
	"github.com/casefile/casefile/evidence/s3blobs"
	"github.com/casefile/casefile/evidence/s3blobs/s3test"
)

var testPass = []byte("correct horse battery staple s3")

// newCase creates a case whose chunks live in a fresh bucket of srv.
func newCase(t testing.TB, srv *s3test.Server, bucket string, locked bool, mod func(*s3blobs.Config)) *casedir.Handle {
	t.Helper()
	srv.Bucket(t, bucket, locked)
	cfg := s3blobs.Config{Bucket: bucket, Prefix: "cases/one", Endpoint: srv.Endpoint, Retention: "GOVERNANCE", RetentionDays: 1}
	if mod != nil {
		mod(&cfg)
	}
	h, err := casedir.Create(context.Background(), filepath.Join(t.TempDir(), "case"), casedir.CreateOptions{
		Title: "S3 test", Examiner: "Tess <t@example.org>", Passphrase: testPass, Command: "test", Blobs: &cfg,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func ingest(t *testing.T, h *casedir.Handle, name string, data []byte) *evidence.IngestResult {
	t.Helper()
	res, err := h.Ingest(context.Background(), bytes.NewReader(data), evidence.ArtefactMeta{Name: name}, evidence.IngestOptions{Actor: "Tess"})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func publish(t testing.TB, h *casedir.Handle) *s3blobs.PublishResult {
	t.Helper()
	res, err := h.PublishBlobs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// readCopy reads the published case back with the case's public key, as
// verify --from does on another machine.
func readCopy(t testing.TB, h *casedir.Handle) *s3blobs.Copy {
	t.Helper()
	cfg := h.Blobs.Config()
	st, err := s3blobs.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM, err := os.ReadFile(filepath.Join(h.Dir, casedir.PublicKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := keys.PublicKey(pubPEM)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	cp, err := s3blobs.ReadCopy(context.Background(), st, func(origin string) (note.Verifier, error) { return keys.Verifier(pub, origin) }, tmp)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cp.Close()
		// The copy of the log was on disk, and is removed with the copy.
		if left, _ := os.ReadDir(tmp); len(left) != 0 {
			t.Errorf("the copy's temporary store was left: %v", left)
		}
	})
	return cp
}

func verify(t *testing.T, c *evidence.Case) *evidence.Report {
	t.Helper()
	r, err := c.Verify(context.Background(), evidence.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func chunkKey(h *casedir.Handle, sum [32]byte) string {
	return h.Blobs.Config().Prefix + "/chunks/" + hex.EncodeToString(sum[:])
}

func TestIngestVerifyAndCopy(t *testing.T) {
	srv := s3test.Start(t)
	h := newCase(t, srv, "evidence", true, nil)
	big := randomBytes(t, 3<<20+123) // four chunks and a chunk-list page
	res := ingest(t, h, "disk.img", big)
	ingest(t, h, "auth.log", []byte("Nov 12 03:14:07 web01 sshd[1]: Failed password for root from 203.0.113.9 port 22 ssh2\n"))
	if r := verify(t, h.Case); !r.OK || r.Bytes != int64(len(big))+86 {
		t.Fatalf("verify of the case in the bucket: %+v", r)
	}
	// Every chunk is an object, locked as configured.
	sum := sha256.Sum256(big[:evidence.ChunkSize])
	st, err := srv.Client.StatObject(context.Background(), "evidence", chunkKey(h, sum), minio.StatObjectOptions{})
	if err != nil {
		t.Fatalf("first chunk of %s not in the bucket: %v", res.Digest, err)
	}
	if st.Metadata.Get("X-Amz-Object-Lock-Mode") != "GOVERNANCE" {
		t.Errorf("chunk object lock mode %q, want GOVERNANCE (headers %v)", st.Metadata.Get("X-Amz-Object-Lock-Mode"), st.Metadata)
	}

	pr := publish(t, h)
	if pr.From != 1 || pr.To != h.Log().Size() || pr.Artefacts != 2 { // case.created was published at Create
		t.Fatalf("publish: %+v", pr)
	}
	cp := readCopy(t, h)
	if r := verify(t, cp.Case); !r.OK || r.Entries != h.Log().Size() || r.Artefacts != 2 || r.Bytes != int64(len(big))+86 {
		t.Fatalf("verify of the published copy: %+v", r)
	}

	// Incremental: 300 more entries cross an entry-bundle boundary.
	for i := range 300 {
		ingest(t, h, "note.txt", []byte(strings.Repeat("x", i+1)))
	}
	pr = publish(t, h)
	if pr.From != 3 || pr.To != 303 || pr.Artefacts != 300 {
		t.Fatalf("second publish: %+v", pr)
	}
	if pr := publish(t, h); pr.From != 303 || pr.Objects != 0 {
		t.Fatalf("publish with nothing new wrote %+v", pr)
	}
	if r := verify(t, readCopy(t, h).Case); !r.OK || r.Entries != 303 {
		t.Fatalf("verify of the copy after 300 more entries: %+v", r)
	}
}

func TestPrefixInUseRefused(t *testing.T) {
	srv := s3test.Start(t)
	h := newCase(t, srv, "evidence", true, nil)
	cfg := h.Blobs.Config()
	_, err := casedir.Create(context.Background(), filepath.Join(t.TempDir(), "second"), casedir.CreateOptions{
		Title: "second", Examiner: "Tess", Passphrase: testPass, Command: "test", Blobs: &cfg,
	})
	if err == nil || !strings.Contains(err.Error(), "already holds objects") {
		t.Fatalf("a second case on the same prefix: %v", err)
	}
}

func TestUnlockedBucketRefused(t *testing.T) {
	srv := s3test.Start(t)
	srv.Bucket(t, "plain", false)
	cfg := s3blobs.Config{Bucket: "plain", Endpoint: srv.Endpoint}
	_, err := s3blobs.Open(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "no Object Lock") || !strings.Contains(err.Error(), "--allow-unlocked") {
		t.Fatalf("open of a bucket without Object Lock: %v", err)
	}
	cfg.AllowUnlocked = true
	st, err := s3blobs.Open(context.Background(), cfg)
	if err != nil || st.Locked() {
		t.Fatalf("with AllowUnlocked: %v, locked %v", err, st != nil && st.Locked())
	}
}

func TestTamperedObjectNamed(t *testing.T) {
	srv := s3test.Start(t)
	h := newCase(t, srv, "evidence", true, nil)
	data := []byte("GET /admin HTTP/1.1 from 198.51.100.7\n")
	ingest(t, h, "access.log", data)
	publish(t, h)
	// Someone with the bucket's keys writes a new version of the chunk.
	sum := sha256.Sum256(data)
	forged := []byte("GET /index HTTP/1.1 from 198.51.100.7\n")
	if _, err := srv.Client.PutObject(context.Background(), "evidence", chunkKey(h, sum), bytes.NewReader(forged), int64(len(forged)), minio.PutObjectOptions{}); err != nil {
		t.Fatalf("second client could not write a new version: %v", err)
	}
	want := "chunk " + evidence.Digest(sum).String()
	for name, c := range map[string]*evidence.Case{"case": h.Case, "published copy": readCopy(t, h).Case} {
		r := verify(t, c)
		if r.OK {
			t.Fatalf("%s: verify found nothing after the chunk was overwritten", name)
		}
		found := false
		for _, p := range r.Problems {
			found = found || p.Where == want
		}
		if !found {
			t.Errorf("%s: problems %+v do not name %s", name, r.Problems, want)
		}
	}
}

func TestLockedObjectCannotBeDeleted(t *testing.T) {
	srv := s3test.Start(t)
	h := newCase(t, srv, "evidence", true, func(c *s3blobs.Config) { c.Retention = "COMPLIANCE" })
	data := []byte("evidence that must stay\n")
	ingest(t, h, "keep.txt", data)
	key := chunkKey(h, sha256.Sum256(data))
	ctx := context.Background()
	st, err := srv.Client.StatObject(ctx, "evidence", key, minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	err = srv.Client.RemoveObject(ctx, "evidence", key, minio.RemoveObjectOptions{VersionID: st.VersionID, GovernanceBypass: true})
	if err == nil {
		t.Fatal("the server deleted an object under compliance retention")
	}
	if _, err := srv.Client.StatObject(ctx, "evidence", key, minio.StatObjectOptions{VersionID: st.VersionID}); err != nil {
		t.Fatalf("the object is gone after a refused delete: %v", err)
	}
	if r := verify(t, h.Case); !r.OK {
		t.Fatalf("verify after the refused delete: %+v", r.Problems)
	}
}

// TestReingestUploadsNothing ingests the same bytes twice: the second
// ingest finds every chunk in the bucket (the store asks in the
// background) and writes no object version.
func TestReingestUploadsNothing(t *testing.T) {
	srv := s3test.Start(t)
	h := newCase(t, srv, "evidence", true, nil)
	data := randomBytes(t, 2<<20+7) // three chunks and a chunk-list page
	versions := func() int {
		n := 0
		for o := range srv.Client.ListObjects(context.Background(), "evidence", minio.ListObjectsOptions{Prefix: h.Blobs.Config().Prefix + "/chunks/", Recursive: true, WithVersions: true}) {
			if o.Err != nil {
				t.Fatal(o.Err)
			}
			n++
		}
		return n
	}
	ingest(t, h, "disk.img", data)
	if n := versions(); n != 4 {
		t.Fatalf("after the first ingest the bucket holds %d chunk versions, want 4", n)
	}
	if res := ingest(t, h, "copy.img", data); !res.Duplicate {
		t.Fatal("the second ingest is not a duplicate")
	}
	if n := versions(); n != 4 {
		t.Fatalf("the second ingest of the same bytes wrote %d chunk versions more", n-4)
	}
	if r := verify(t, h.Case); !r.OK || r.Artefacts != 1 {
		t.Fatalf("verify: %+v", r)
	}
}

func TestLegalHold(t *testing.T) {
	srv := s3test.Start(t)
	h := newCase(t, srv, "evidence", true, func(c *s3blobs.Config) { c.Retention = "" })
	data := []byte("held evidence\n")
	ingest(t, h, "held.txt", data)
	publish(t, h)
	ctx := context.Background()
	n, err := h.Blobs.SetLegalHold(ctx, true)
	if err != nil || n < 5 { // chunk, record, key, bundle, tile, checkpoint
		t.Fatalf("set legal hold: %d objects, %v", n, err)
	}
	hc, err := h.Blobs.LegalHolds(ctx)
	if err != nil || hc.Held != n || hc.Objects != n {
		t.Fatalf("after set: %+v, %v", hc, err)
	}
	key := chunkKey(h, sha256.Sum256(data))
	st, _ := srv.Client.StatObject(ctx, "evidence", key, minio.StatObjectOptions{})
	if err := srv.Client.RemoveObject(ctx, "evidence", key, minio.RemoveObjectOptions{VersionID: st.VersionID, GovernanceBypass: true}); err == nil {
		t.Fatal("the server deleted an object under legal hold")
	}
	if _, err := h.Blobs.SetLegalHold(ctx, false); err != nil {
		t.Fatal(err)
	}
	if hc, err := h.Blobs.LegalHolds(ctx); err != nil || hc.Held != 0 {
		t.Fatalf("after release: %+v, %v", hc, err)
	}
	// Without retention nor hold, the object can now be deleted.
	if err := srv.Client.RemoveObject(ctx, "evidence", key, minio.RemoveObjectOptions{VersionID: st.VersionID}); err != nil {
		t.Fatalf("delete after the hold was released: %v", err)
	}
	if r := verify(t, h.Case); r.OK {
		t.Fatal("verify found nothing after a chunk was deleted")
	}
}

// TestTamperedLogNamed overwrites the published entry bundle and then a
// tile: reading the copy fails, naming where.
func TestTamperedLogNamed(t *testing.T) {
	srv := s3test.Start(t)
	h := newCase(t, srv, "evidence", true, nil)
	ingest(t, h, "a.log", []byte("one\n"))
	publish(t, h)
	bundle := "cases/one/tile/entries/000.p/2"
	st, err := srv.Client.GetObject(context.Background(), "evidence", bundle, minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(st)
	forged := bytes.Replace(raw, []byte(`"a.log"`), []byte(`"b.log"`), 1)
	if bytes.Equal(forged, raw) {
		t.Fatalf("the bundle does not name a.log: %q", raw)
	}
	srv.Overwrite(t, "evidence", bundle, forged)
	if _, err := readCopyErr(h); err == nil || !strings.Contains(err.Error(), "hash mismatch for entry 1") {
		t.Fatalf("reading a copy with a forged entry: %v", err)
	}
	srv.Overwrite(t, "evidence", bundle, raw)
	srv.Overwrite(t, "evidence", "cases/one/tile/0/000.p/2", bytes.Repeat([]byte{7}, 64))
	if _, err := readCopyErr(h); err == nil || !strings.Contains(err.Error(), "do not match the signed checkpoint") {
		t.Fatalf("reading a copy with a forged tile: %v", err)
	}
}

func readCopyErr(h *casedir.Handle) (*s3blobs.Copy, error) {
	st, err := s3blobs.Open(context.Background(), h.Blobs.Config())
	if err != nil {
		return nil, err
	}
	v := h.Verifier()
	return s3blobs.ReadCopy(context.Background(), st, func(string) (note.Verifier, error) { return v, nil }, "")
}

// TestRollbackNamed puts an earlier checkpoint back as the latest (the log
// shortened, in the bucket): the locked versions of the checkpoint object
// show it.
func TestRollbackNamed(t *testing.T) {
	srv := s3test.Start(t)
	h := newCase(t, srv, "evidence", true, nil)
	first := h.Log().Checkpoint() // published at Create
	ingest(t, h, "a.log", []byte("one\n"))
	ingest(t, h, "b.log", []byte("two\n"))
	publish(t, h)
	hr, err := h.Blobs.CheckHistory(context.Background(), h.Case, "")
	if err != nil || hr.Versions != 2 || hr.Smallest != 1 || hr.Largest != 3 || len(hr.Problems) != 0 {
		t.Fatalf("history of an intact copy: %+v, %v", hr, err)
	}
	srv.Overwrite(t, "evidence", "cases/one/checkpoint", first)
	cp := readCopy(t, h)
	if r := verify(t, cp.Case); !r.OK || r.Entries != 1 {
		t.Fatalf("the rolled-back copy should look intact on its own: %+v", r)
	}
	hr, err = cp.Store.CheckHistory(context.Background(), cp.Case, cp.CheckpointVersion)
	if err != nil || len(hr.Problems) != 1 || !strings.Contains(hr.Problems[0], "signed for 3 entries, but the log has 1: entries 1 to 2 were removed") {
		t.Fatalf("history of a rolled-back copy: %+v, %v", hr, err)
	}
}

// An entry bundle of tlog-tiles holds entries of at most 65535 bytes, and
// the tree's leaves are the entries themselves: a case kept in object
// storage refuses a longer entry before it enters the log (publishing it
// would fail for ever), and publishes one of just under the limit, which
// the copy read back from the bucket holds byte for byte.
func TestEntriesFitTlogTiles(t *testing.T) {
	srv := s3test.Start(t)
	h := newCase(t, srv, "large", true, nil)
	ctx := context.Background()
	big := evidence.Draft{Kind: "test.large", Actor: "Tess", Payload: map[string]string{"text": strings.Repeat("x", 70000)}}
	if _, err := h.Append(ctx, big); err == nil || !strings.Contains(err.Error(), "tlog-tiles") {
		t.Fatalf("an entry over 64 KiB: %v", err)
	}
	if _, err := h.AppendAtomic(ctx, nil, big); err == nil || !strings.Contains(err.Error(), "tlog-tiles") {
		t.Fatalf("an entry over 64 KiB, atomic: %v", err)
	}
	if _, err := h.Ingest(ctx, strings.NewReader("x"), evidence.ArtefactMeta{Name: "n", Note: strings.Repeat("n", 70000)}, evidence.IngestOptions{Actor: "Tess"}); err == nil || !strings.Contains(err.Error(), "tlog-tiles") {
		t.Fatalf("an ingest whose entry is over 64 KiB: %v", err)
	}
	es, err := h.Append(ctx, evidence.Draft{Kind: "test.large", Actor: "Tess", Payload: map[string]string{"text": strings.Repeat("y", 65000)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(es[0].Raw) < 65000 || len(es[0].Raw) > evidence.MaxTileEntry {
		t.Fatalf("entry of %d bytes", len(es[0].Raw))
	}
	publish(t, h)
	cp := readCopy(t, h)
	got, err := cp.Entry(es[0].Index)
	if err != nil || !bytes.Equal(got.Raw, es[0].Raw) {
		t.Fatalf("the copy's entry %d: %v", es[0].Index, err)
	}
	if r, err := cp.Verify(ctx, evidence.VerifyOptions{}); err != nil || !r.OK {
		t.Fatalf("verify of the copy: %v %+v", err, r.First())
	}
}

// A checkpoint published after a copy was read (a server publishing while
// verify --from runs) is not taken for entries removed from the copy; a
// check that ignores which version the copy was read from would say so.
func TestHistoryPublishedSince(t *testing.T) {
	srv := s3test.Start(t)
	h := newCase(t, srv, "evidence", true, nil)
	ingest(t, h, "a.log", []byte("one\n"))
	publish(t, h)
	cp := readCopy(t, h)
	ingest(t, h, "b.log", []byte("two\n"))
	publish(t, h)
	hr, err := cp.Store.CheckHistory(context.Background(), cp.Case, cp.CheckpointVersion)
	if err != nil || len(hr.Problems) != 0 || hr.Later != 1 || hr.Versions != 2 || hr.Largest != 2 {
		t.Fatalf("history of a copy read before the last publication: %+v, %v", hr, err)
	}
	if cp.CheckpointVersion == "" {
		t.Fatal("the copy does not say which checkpoint version it was read from")
	}
	hr, err = cp.Store.CheckHistory(context.Background(), cp.Case, "")
	if err != nil || len(hr.Problems) != 1 || !strings.Contains(hr.Problems[0], "entries 2 to 2 were removed") {
		t.Fatalf("without the version read: %+v, %v", hr, err)
	}
}

// A record rewritten in the bucket to the chunk list of another artefact
// (every chunk valid) is named by verify --from: the entry commits to the
// record's hash.
func TestTamperedRecordNamed(t *testing.T) {
	srv := s3test.Start(t)
	h := newCase(t, srv, "evidence", true, nil)
	a := ingest(t, h, "disk.img", randomBytes(t, evidence.ChunkSize*5/2))
	b := ingest(t, h, "other.img", randomBytes(t, evidence.ChunkSize*5/2))
	publish(t, h)
	other, err := h.ArtefactRecordJSON(b.Digest)
	if err != nil {
		t.Fatal(err)
	}
	key := strings.TrimPrefix(h.Blobs.Config().Prefix+"/artefacts/"+a.Digest.Hex(), "/")
	if _, err := srv.Client.PutObject(context.Background(), "evidence", key, bytes.NewReader(other), int64(len(other)), minio.PutObjectOptions{}); err != nil {
		t.Fatalf("second client could not write a new version: %v", err)
	}
	r := verify(t, readCopy(t, h).Case)
	if p := r.First(); p == nil || p.Where != "artefact "+a.Digest.String() || !strings.Contains(p.Detail, "the record was changed") {
		t.Fatalf("problems %+v do not name the record of %s", r.Problems, a.Digest)
	}
}
