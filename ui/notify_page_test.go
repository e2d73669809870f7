package ui

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The notify page prepares what `casefile notify` prepares, records each
// file, and offers one archive whose download is recorded; a bad reply
// address is refused with a message and nothing is written.
func TestNotifyPage(t *testing.T) {
	f := newFixture(t, "tor-bruteforce")
	c := f.login(t, "ann")
	if resp, page := c.get("/notify"); resp.StatusCode != 200 || !strings.Contains(page, "Prepare the reports") {
		t.Fatalf("notify form: %d", resp.StatusCode)
	}
	before := entryKinds(t, f.h.Case)
	resp, page := c.postForm("/notify", url.Values{"csrf": {c.csrf}, "org": {"Acme"}, "contact": {"not an address"}, "tlp": {"amber"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "reply to") {
		t.Fatalf("bad contact: %d", resp.StatusCode)
	}
	if after := entryKinds(t, f.h.Case); after["notification.prepared"] != before["notification.prepared"] {
		t.Fatal("a refused form recorded something")
	}
	resp, _ = c.postForm("/notify", url.Values{"csrf": {c.csrf}, "org": {"Acme"}, "contact": {"soc@acme.example"}, "tlp": {"green"}, "detected": {"2026-11-20T09:30"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("notify: %d", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	_, page = c.get(loc)
	if !strings.Contains(page, "Reports prepared") || !strings.Contains(page, "nis2-notification-draft.txt") || !strings.Contains(page, "stix-bundle.json") {
		t.Fatalf("result page lacks the reports")
	}
	prepared := entryKinds(t, f.h.Case)["notification.prepared"] - before["notification.prepared"]
	if prepared < 2 { // at least the MISP event and the NIS2 draft
		t.Fatalf("%d notification.prepared entries", prepared)
	}
	resp, body := c.get(loc + "/download")
	if resp.StatusCode != 200 {
		t.Fatalf("download: %d", resp.StatusCode)
	}
	gz, err := gzip.NewReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
	}
	all := strings.Join(names, " ")
	for _, want := range []string{"misp-event.json", "stix-bundle.json", "nis2-notification-draft.txt", "summary.txt"} {
		if !strings.Contains(all, want) {
			t.Errorf("the archive lacks %s: %v", want, names)
		}
	}
	if entryKinds(t, f.h.Case)[KindExportDownloaded] != before[KindExportDownloaded]+1 {
		t.Error("the download was not recorded")
	}
}
