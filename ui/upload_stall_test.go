package ui

import (
	"bufio"
	"bytes"
	"fmt"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/evidence"
)

// One upload that stops sending used to hold the upload lock forever (no
// read deadline): every other upload waited. Now uploads run side by side
// and the stalled one is ended after UploadIdle, recorded as failed.
func TestStalledUploadDoesNotBlockOthers(t *testing.T) {
	const idle = 3 * time.Second
	f := newFixtureWith(t, "", func(s *Server) { s.cfg.UploadIdle = idle })
	ann := f.login(t, "ann")
	before := entryKinds(t, f.h.Case)

	// The stalled upload: headers and the start of a file, then nothing.
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("csrf", ann.csrf)
	mw.WriteField("source", "stalled upload")
	w, _ := mw.CreateFormFile("files", "stalled.log")
	w.Write([]byte("Nov 20 09:02:19 web01 sshd[1]: Failed password for root from 192.0.2.7 port 1 ssh2\n"))
	u, _ := url.Parse(f.ts.URL)
	var cookies []string
	for _, c := range ann.hc.Jar.Cookies(u) {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /ingest HTTP/1.1\r\nHost: %s\r\nCookie: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		u.Host, strings.Join(cookies, "; "), mw.FormDataContentType(), b.Len()+1<<20)
	conn.Write(b.Bytes())
	time.Sleep(300 * time.Millisecond) // the server is now reading the stalled file

	// A second upload goes through while the first is stalled.
	t0 := time.Now()
	second := make(chan int, 1)
	go func() {
		resp := ann.upload(t, "second.log", []byte("Nov 20 09:03:00 web01 sshd[2]: Failed password for root from 192.0.2.8 port 2 ssh2\n"), true)
		second <- resp.StatusCode
	}()
	select {
	case code := <-second:
		if code != http.StatusSeeOther {
			t.Fatalf("second upload: %d", code)
		}
	case <-time.After(3 * idle):
		conn.Close()
		t.Fatalf("the second upload is still waiting after %s", 3*idle)
	}
	took := time.Since(t0)
	if took >= idle {
		t.Errorf("the second upload took %s: it waited for the stalled one", took)
	}
	// The stalled upload is ended by its read deadline and recorded.
	conn.SetReadDeadline(time.Now().Add(idle + 10*time.Second))
	if _, err := http.ReadResponse(bufio.NewReader(conn), nil); err != nil && !isClosed(err) {
		t.Fatalf("the stalled upload was not ended: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for entryKinds(t, f.h.Case)[evidence.KindIngestFailed] == before[evidence.KindIngestFailed] && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	after := entryKinds(t, f.h.Case)
	if after[evidence.KindIngestFailed] != before[evidence.KindIngestFailed]+1 || after[evidence.KindArtefactIngested] != before[evidence.KindArtefactIngested]+1 {
		t.Errorf("ingest.failed %d → %d, artefact.ingested %d → %d", before[evidence.KindIngestFailed], after[evidence.KindIngestFailed],
			before[evidence.KindArtefactIngested], after[evidence.KindArtefactIngested])
	}
	var failed *evidence.Entry
	f.h.Case.Entries(0, func(e *evidence.Entry) error {
		if e.Kind == evidence.KindIngestFailed {
			failed = e
		}
		return nil
	})
	if failed == nil || !strings.Contains(string(failed.Payload), "sent nothing for 3s") {
		t.Errorf("the failure entry: %+v", failed)
	}
	if rep, err := f.srv.VerifyNow(t.Context()); err != nil || !rep.OK {
		t.Errorf("verify after the stalled upload: %+v %v", rep, err)
	}
}

func isClosed(err error) bool {
	return strings.Contains(err.Error(), "EOF") || strings.Contains(err.Error(), "reset by peer")
}
