package ui

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/casefile/casefile/enrich/observe"
)

// uploadDataset posts one dataset file through the enrich page's form.
func (c *client) uploadDataset(t testing.TB, name, kind string, data []byte, withCSRF bool) (*http.Response, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if withCSRF {
		mw.WriteField("csrf", c.csrf)
	}
	mw.WriteField("kind", kind)
	mw.WriteField("mtimes", "[1795132800000]") // 2026-11-20, the day of the fixture's events
	w, _ := mw.CreateFormFile("files", name)
	w.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", c.base+"/enrich/upload", &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

// The enrich page: an upload is preserved (the entry says it is a dataset
// and who uploaded it), consulted, and listed among the preserved
// datasets; choosing it again records nothing new; a file that is not the
// kind asked for stays preserved and the page says why it was not used.
// Only an analyst may enrich, and an upload needs its CSRF token.
func TestEnrichPage(t *testing.T) {
	f := newFixture(t, "")
	ann := f.login(t, "ann")
	_, page := ann.get("/enrich")
	if !strings.Contains(page, "No dataset has been preserved") {
		t.Error("an empty case lists datasets")
	}
	// A bulk Tor exit list naming the hostile fixture's address.
	list := []byte("185.220.101.4\n")
	was := ann.sources(t, "q=185.220.101.4").Sources[0]
	before := entryKinds(t, f.h.Case)
	resp, page := ann.uploadDataset(t, "torbulkexitlist", "tor-exits", list, true)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `id="enrich-report"`) {
		t.Fatalf("upload: %d\n%s", resp.StatusCode, page)
	}
	after := entryKinds(t, f.h.Case)
	if after["artefact.ingested"] != before["artefact.ingested"]+1 || after[observe.KindObservations] <= before[observe.KindObservations] {
		t.Errorf("upload recorded %d ingests and %d observation entries", after["artefact.ingested"]-before["artefact.ingested"], after[observe.KindObservations]-before[observe.KindObservations])
	}
	obs, err := observe.Observations(f.h.Case, "185.220.101.4")
	if err != nil || len(obs) == 0 || obs[0].SourceType != "tor-exits" || obs[0].DatasetDate.IsZero() {
		t.Fatalf("observations of the listed address: %+v %v", obs, err)
	}
	ds, err := observe.Preserved(f.h.Case)
	if err != nil || len(ds) != 1 || ds[0].Name != "torbulkexitlist" || ds[0].Type != "tor-exits" || ds[0].Used == 0 {
		t.Fatalf("preserved datasets: %+v %v", ds, err)
	}
	e, err := f.h.Entry(ds[0].Entry)
	if err != nil || !strings.Contains(string(e.Payload), observe.DatasetSource+", uploaded through the web workbench by ann") {
		t.Errorf("the ingest entry does not say it is a dataset uploaded by ann: %s", e.Payload)
	}
	_, page = ann.get("/enrich")
	if !strings.Contains(page, `value="`+ds[0].Artefact+`"`) || !strings.Contains(page, "torbulkexitlist") {
		t.Error("the page does not list the preserved dataset")
	}
	// Chosen again: nothing new.
	n := entryKinds(t, f.h.Case)[observe.KindObservations]
	resp, page = ann.postForm("/enrich", url.Values{"csrf": {ann.csrf}, "dataset": {ds[0].Artefact}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "already") {
		t.Errorf("consulting again: %d", resp.StatusCode)
	}
	if m := entryKinds(t, f.h.Case)[observe.KindObservations]; m != n {
		t.Errorf("consulting again recorded %d entries", m-n)
	}
	// A list that is not the kind asked for.
	resp, page = ann.uploadDataset(t, "list.txt", "mmdb", []byte("185.220.101.5\n"), true)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "not mmdb (it stays preserved)") {
		t.Errorf("wrong kind: %d, the page does not say why", resp.StatusCode)
	}
	if entryKinds(t, f.h.Case)[observe.KindDatasetFailed] != 1 {
		t.Error("no dataset.failed entry")
	}
	// Access.
	for _, name := range []string{"carl", "vic"} {
		c := f.login(t, name)
		if resp, _ := c.uploadDataset(t, "x", "detect", list, true); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s upload: %d", name, resp.StatusCode)
		}
	}
	if resp, _ := ann.uploadDataset(t, "x", "detect", []byte("185.220.101.6\n"), false); resp.StatusCode != http.StatusForbidden {
		t.Errorf("upload without CSRF: %d", resp.StatusCode)
	}
	resp, _ = ann.postForm("/enrich", url.Values{"csrf": {ann.csrf}, "dataset": {"not a digest"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a bad dataset reference: %d", resp.StatusCode)
	}
	// The sources table shows what enrichment recorded: the assessment is
	// made anew.
	if now := ann.sources(t, "q=185.220.101.4").Sources[0]; now.Probability == was.Probability && now.Role == was.Role {
		t.Errorf("the listed Tor exit's assessment did not change (%s %.4f)", now.Role, now.Probability)
	}
}

// The same through the API with a token: list the datasets, upload one,
// consult it again, record the assessment; counsel's token may list but
// not enrich or record.
func TestEnrichAndRecordAPI(t *testing.T) {
	f := newFixture(t, "")
	ann, _, err := NewToken(t.Context(), f.h.Case, testExaminer, "ann", 0)
	if err != nil {
		t.Fatal(err)
	}
	carl, _, err := NewToken(t.Context(), f.h.Case, testExaminer, "carl", 0)
	if err != nil {
		t.Fatal(err)
	}
	call := func(tok, method, path, ctype string, body []byte, into any) int {
		t.Helper()
		req, _ := http.NewRequest(method, f.ts.URL+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if into != nil && resp.StatusCode == http.StatusOK {
			if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
		}
		return resp.StatusCode
	}
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("kind", "tor-exits")
	w, _ := mw.CreateFormFile("files", "torbulkexitlist")
	w.Write([]byte("185.220.101.4\n"))
	mw.Close()
	if code := call(carl, "POST", "/api/v1/enrich/upload", mw.FormDataContentType(), b.Bytes(), nil); code != http.StatusForbidden {
		t.Errorf("counsel upload: %d", code)
	}
	var up struct {
		Report observe.Report
		Error  string
	}
	if code := call(ann, "POST", "/api/v1/enrich/upload", mw.FormDataContentType(), b.Bytes(), &up); code != http.StatusOK ||
		len(up.Report.Datasets) != 1 || !up.Report.Datasets[0].Preserved || up.Report.Datasets[0].Recorded == 0 || up.Error != "" {
		t.Fatalf("upload: %d %+v", code, up)
	}
	var list struct{ Datasets []observe.PreservedDataset }
	if code := call(carl, "GET", "/api/v1/datasets", "", nil, &list); code != http.StatusOK || len(list.Datasets) != 1 || list.Datasets[0].Artefact != up.Report.Datasets[0].Artefact {
		t.Fatalf("datasets: %d %+v", code, list)
	}
	form := []byte(url.Values{"dataset": {list.Datasets[0].Artefact}}.Encode())
	var again struct{ Report observe.Report }
	if code := call(ann, "POST", "/api/v1/enrich", "application/x-www-form-urlencoded", form, &again); code != http.StatusOK ||
		len(again.Report.Datasets) != 1 || again.Report.Datasets[0].Recorded != 0 {
		t.Errorf("consult again: %d %+v", code, again)
	}
	if code := call(carl, "POST", "/api/v1/assessment", "", nil, nil); code != http.StatusForbidden {
		t.Errorf("counsel record: %d", code)
	}
	var rec struct {
		Entry      uint64
		Assessment struct {
			ResultRoot string `json:"result_root"`
		}
	}
	if code := call(ann, "POST", "/api/v1/assessment", "", nil, &rec); code != http.StatusOK || rec.Entry == 0 || rec.Assessment.ResultRoot == "" {
		t.Fatalf("record: %d %+v", code, rec)
	}
	var src sourcesAnswer
	if code := call(carl, "GET", "/api/v1/sources?limit=1", "", nil, &src); code != http.StatusOK || !src.Recorded || src.LastRecorded == nil || src.LastRecorded.Entry != rec.Entry {
		t.Errorf("sources after recording: %d recorded=%v", code, src.Recorded)
	}
}
