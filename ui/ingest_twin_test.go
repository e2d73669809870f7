package ui

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/casefile/casefile/evidence"
)

// TestUploadTwin: an upload of the gzip of a log already uploaded is
// preserved, not parsed again, and its result names the twin (real WRCCDC
// 2018 Zeek sample).
func TestUploadTwin(t *testing.T) {
	plain, err := os.ReadFile("/work/shared/data/zeek-wrccdc2018-brimdata/zeek-default/ssh.log")
	if err != nil {
		t.Skipf("real sample not available: %v", err)
	}
	gz, err := os.ReadFile("/work/shared/data/zeek-wrccdc2018-brimdata/zeek-default/ssh.log.gz")
	if err != nil {
		t.Skipf("real sample not available: %v", err)
	}
	f := newFixture(t, "")
	c := f.login(t, "ann")
	before := entryKinds(t, f.h.Case)
	if resp := c.upload(t, "ssh.log", plain, true); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload ssh.log: %d", resp.StatusCode)
	}
	resp := c.upload(t, "ssh.log.gz", gz, true)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload ssh.log.gz: %d", resp.StatusCode)
	}
	_, body := c.get(resp.Header.Get("Location"))
	if !strings.Contains(body, "the same content as &#34;ssh.log&#34;") || !strings.Contains(body, "not parsed: the same content is already in the case") {
		t.Fatalf("result page does not name the twin:\n%s", body)
	}
	after := entryKinds(t, f.h.Case)
	if after[evidence.KindArtefactIngested]-before[evidence.KindArtefactIngested] != 2 || after["events.parsed"]-before["events.parsed"] != 1 {
		t.Fatalf("ingested %d, parsed %d: want both preserved, one parsed",
			after[evidence.KindArtefactIngested]-before[evidence.KindArtefactIngested], after["events.parsed"]-before["events.parsed"])
	}
}
