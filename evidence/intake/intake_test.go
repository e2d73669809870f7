package intake_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence"
	"github.com/casefile/casefile/evidence/eventstore"
	"github.com/casefile/casefile/evidence/intake"
	"github.com/casefile/casefile/evidence/memstore"
)

const zeekDir = "/work/shared/data/zeek-wrccdc2018-brimdata"

func newService(t *testing.T) (*intake.Service, *evidence.Case) {
	t.Helper()
	c, err := memstore.NewCase(context.Background(), "T", "T")
	if err != nil {
		t.Fatal(err)
	}
	return intake.New(c, eventstore.New(c)), c
}

func ingestFile(t *testing.T, s *intake.Service, path string, force bool) *intake.Outcome {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("real sample not available: %v", err)
	}
	defer f.Close()
	out, err := s.Ingest(context.Background(), intake.Request{Body: f, Meta: evidence.ArtefactMeta{Name: filepath.Base(path), Path: path},
		Options: evidence.IngestOptions{Actor: "T"}, Parse: eventstore.ParseOptions{Name: filepath.Base(path), Actor: "T"}, Force: force})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestTwinsRealZeek ingests the WRCCDC 2018 ssh log as Zeek wrote it (TSV),
// then its gzip, its JSON form and the JSON's gzip: each is preserved, only
// the first is parsed, and each names the twin. With Force a twin is parsed.
func TestTwinsRealZeek(t *testing.T) {
	s, c := newService(t)
	first := ingestFile(t, s, filepath.Join(zeekDir, "zeek-default/ssh.log"), false)
	if first.ParseErr != nil || first.Run == nil || first.Run.Events != 22 || first.Twin != nil {
		t.Fatalf("ssh.log: run %+v err %v twin %+v", first.Run, first.ParseErr, first.Twin)
	}
	for _, p := range []string{"zeek-default/ssh.log.gz", "zeek-json/ssh.json", "zeek-json/ssh.json.gz"} {
		out := ingestFile(t, s, filepath.Join(zeekDir, p), false)
		if !errors.Is(out.ParseErr, intake.ErrTwin) || out.Twin == nil || out.Run != nil || out.Duplicate {
			t.Fatalf("%s: parse %v, twin %+v", p, out.ParseErr, out.Twin)
		}
		if ok, _ := c.HasArtefact(out.Digest); !ok {
			t.Fatalf("%s: a twin must be preserved", p)
		}
		t.Logf("%s: %s", p, out.Twin.Warning())
	}
	// An unrelated Zeek log of another name is parsed.
	if out := ingestFile(t, s, filepath.Join(zeekDir, "zeek-default/notice.log"), false); out.ParseErr != nil || out.Twin != nil {
		t.Fatalf("notice.log: %v %+v", out.ParseErr, out.Twin)
	}
	runs, _ := eventstore.New(c).Current()
	var events int64
	for _, r := range runs {
		events += r.Events
	}
	if len(runs) != 2 || events != 22+207 {
		t.Fatalf("%d runs, %d events: twins were counted", len(runs), events)
	}
	// The plain file after its gzip.
	s3, _ := newService(t)
	ingestFile(t, s3, filepath.Join(zeekDir, "zeek-default/ntlm.log.gz"), false)
	if out := ingestFile(t, s3, filepath.Join(zeekDir, "zeek-default/ntlm.log"), false); out.Twin == nil || !strings.Contains(out.Twin.How, "gzip-compressed") {
		t.Fatalf("ntlm.log after its gzip: %+v", out.Twin)
	}
	// Forced, a twin is parsed (and still named).
	s2, _ := newService(t)
	ingestFile(t, s2, filepath.Join(zeekDir, "zeek-json/ssh.json"), false)
	out := ingestFile(t, s2, filepath.Join(zeekDir, "zeek-default/ssh.log.gz"), true)
	if out.Twin == nil || out.ParseErr != nil || out.Run == nil {
		t.Fatalf("forced: twin %+v parse %v", out.Twin, out.ParseErr)
	}
}

// TestIngestFailureRecorded: a read that fails preserves nothing and
// leaves an ingest.failed entry with the typed payload.
func TestIngestFailureRecorded(t *testing.T) {
	s, c := newService(t)
	_, err := s.Ingest(context.Background(), intake.Request{Body: failingReader{}, Meta: evidence.ArtefactMeta{Name: "x", Path: "/evidence/x\x1b", Source: "web01"},
		Options: evidence.IngestOptions{Actor: "T"}})
	var pe *intake.PreserveError
	if !errors.As(err, &pe) || pe.RecordErr != nil {
		t.Fatalf("error %v", err)
	}
	e, err := c.Entry(c.Log().Size() - 1)
	if err != nil {
		t.Fatal(err)
	}
	var p evidence.IngestFailedPayload
	if e.Kind != evidence.KindIngestFailed || e.DecodePayload(&p) != nil || p.Path != "/evidence/x%1B" || p.Source != "web01" || !strings.Contains(p.Error, "disk on fire") {
		t.Fatalf("%s %s", e.Kind, e.Payload)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }
