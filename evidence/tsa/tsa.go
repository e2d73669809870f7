// Package tsa asks an RFC 3161 time-stamping authority for a timestamp over
// some bytes (a signed checkpoint) and checks such timestamps.
package tsa

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/digitorus/timestamp"
)

// MaxResponse bounds a time-stamp response.
const MaxResponse = 1 << 20

// Request asks the RFC 3161 authority at url for a timestamp over data and
// returns the DER TimeStampResp after checking that it covers data.
func Request(ctx context.Context, client *http.Client, url string, data []byte) ([]byte, error) {
	req, err := timestamp.CreateRequest(bytes.NewReader(data), &timestamp.RequestOptions{Hash: crypto.SHA256, Certificates: true})
	if err != nil {
		return nil, fmt.Errorf("timestamp request: %w", err)
	}
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(req))
	if err != nil {
		return nil, fmt.Errorf("timestamp request: %w", err)
	}
	hr.Header.Set("Content-Type", "application/timestamp-query")
	resp, err := client.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("timestamp authority: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("timestamp authority: HTTP %s", resp.Status)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponse+1))
	if err != nil {
		return nil, fmt.Errorf("timestamp authority: %w", err)
	}
	if len(raw) > MaxResponse {
		return nil, errors.New("timestamp authority: response too large")
	}
	if _, err := Check(raw, data); err != nil {
		return nil, fmt.Errorf("timestamp authority: %w", err)
	}
	return raw, nil
}

// Check parses a TimeStampResp, checks its signature with the certificate
// it carries, and that it timestamps SHA-256(data).
func Check(raw, data []byte) (*timestamp.Timestamp, error) {
	if len(raw) > MaxResponse {
		return nil, errors.New("timestamp too large")
	}
	ts, err := timestamp.ParseResponse(raw)
	if err != nil {
		return nil, fmt.Errorf("unreadable or badly signed timestamp: %w", err)
	}
	if !ts.AddTSACertificate || len(ts.Certificates) == 0 {
		return nil, errors.New("the timestamp carries no certificate to check its signature with")
	}
	sum := sha256.Sum256(data)
	if ts.HashAlgorithm != crypto.SHA256 || !bytes.Equal(ts.HashedMessage, sum[:]) {
		return nil, errors.New("the timestamp is not over the signed checkpoint")
	}
	return ts, nil
}

// Authority names the TSA that signed ts: its certificate's subject.
func Authority(ts *timestamp.Timestamp) string {
	if len(ts.Certificates) == 0 {
		return "unknown authority"
	}
	return ts.Certificates[0].Subject.String()
}
