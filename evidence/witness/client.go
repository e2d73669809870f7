package witness

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

// ConflictError is a witness's 409 answer: the size of the latest
// checkpoint it cosigned for the log is Known, not the old size sent.
type ConflictError struct{ Known uint64 }

func (e *ConflictError) Error() string {
	return fmt.Sprintf("the witness last cosigned size %d", e.Known)
}

// StatusError is any other refusal, with the HTTP status code.
type StatusError struct {
	Code int
	Msg  string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("HTTP %d %s: %s", e.Code, http.StatusText(e.Code), e.Msg)
}

// AddCheckpoint sends the signed checkpoint ck with a consistency proof
// from old to the witness at base (its submission prefix) and returns the
// signature lines it answered with.
func AddCheckpoint(ctx context.Context, hc *http.Client, base string, old uint64, proof tlog.TreeProof, ck []byte) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "old %d\n", old)
	for _, h := range proof {
		b.WriteString(base64.StdEncoding.EncodeToString(h[:]) + "\n")
	}
	b.WriteByte('\n')
	b.Write(ck)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(base, "/")+"/add-checkpoint", &b)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, err
	}
	switch resp.StatusCode {
	case http.StatusOK:
		return body, nil
	case http.StatusConflict:
		n, err := strconv.ParseUint(strings.TrimSuffix(string(body), "\n"), 10, 64)
		if err != nil || resp.Header.Get("Content-Type") != sizeType {
			return nil, &StatusError{resp.StatusCode, "conflict without a size"}
		}
		return nil, &ConflictError{Known: n}
	default:
		return nil, &StatusError{resp.StatusCode, strings.TrimSpace(string(body))}
	}
}
