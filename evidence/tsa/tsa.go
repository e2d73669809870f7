// Package tsa asks an RFC 3161 time-stamping authority for a timestamp over
// some bytes (a signed checkpoint) and checks such timestamps.
package tsa

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
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
	if c := signer(ts); c != nil {
		return c.Subject.String()
	}
	return "unknown authority"
}

// signer is the certificate of the authority in ts: the one for time
// stamping when the response carries a chain, else the only one.
func signer(ts *timestamp.Timestamp) *x509.Certificate {
	for _, c := range ts.Certificates {
		if slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageTimeStamping) {
			return c
		}
	}
	if len(ts.Certificates) > 0 {
		return ts.Certificates[0]
	}
	return nil
}

// LoadRoots reads the certificates (PEM) of the time-stamping authorities,
// or of the certification authorities behind them, that the examiner
// trusts. Without them a timestamp proves only that whoever holds the key
// in its own certificate signed that time.
func LoadRoots(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("timestamp roots: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("timestamp roots: %s holds no PEM certificate", path)
	}
	return pool, nil
}

// Chains checks that ts was signed with a certificate for time stamping
// that chains to roots, at the time the timestamp states.
func Chains(ts *timestamp.Timestamp, roots *x509.CertPool) error {
	leaf := signer(ts)
	if leaf == nil {
		return errors.New("the timestamp carries no certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range ts.Certificates {
		if c != leaf {
			inter.AddCert(c)
		}
	}
	_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: ts.Time,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}})
	if err != nil {
		return fmt.Errorf("%s is not an authority you trust: %w", Authority(ts), err)
	}
	return nil
}
