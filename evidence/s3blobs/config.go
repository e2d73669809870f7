// Package s3blobs keeps a case's artefact chunks in S3-compatible object
// storage with Object Lock, and publishes the custody log beside them in
// the C2SP tlog-tiles layout, so that the bucket alone is a complete,
// verifiable copy of the case.
//
// Layout under s3://BUCKET/PREFIX/:
//
//	chunks/<sha256 hex>      artefact chunks and chunk-list pages (write once)
//	artefacts/<sha256 hex>   artefact records: which pages make up an artefact
//	public-key.pem           the case's public key (checked by fingerprint)
//	tile/<L>/<N>[.p/<W>]     Merkle tree tiles (C2SP tlog-tiles)
//	tile/entries/<N>[.p/<W>] entry bundles: the canonical custody entries
//	checkpoint               the latest signed checkpoint, written last
//
// Credentials come from the AWS environment variables or the AWS shared
// credentials file (profile AWS_PROFILE), never from the case directory.
package s3blobs

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config says where a case's objects live and how they are locked. It is
// kept in casefile.json: it holds no secret.
type Config struct {
	Bucket   string `json:"bucket"`
	Prefix   string `json:"prefix,omitempty"`   // without leading or trailing slash
	Endpoint string `json:"endpoint,omitempty"` // e.g. http://127.0.0.1:7070; empty: AWS S3
	Region   string `json:"region,omitempty"`
	// Retention is COMPLIANCE or GOVERNANCE with RetentionDays > 0, or
	// empty: the bucket's default retention, if any, applies.
	Retention     string `json:"retention,omitempty"`
	RetentionDays int    `json:"retention_days,omitempty"`
	LegalHold     bool   `json:"legal_hold,omitempty"` // every object is written under legal hold
	// AllowUnlocked accepts a bucket without Object Lock: objects there
	// can be overwritten or deleted, and verify says so.
	AllowUnlocked bool `json:"allow_unlocked,omitempty"`
}

// URL is s3://BUCKET/PREFIX.
func (c Config) URL() string {
	if c.Prefix == "" {
		return "s3://" + c.Bucket
	}
	return "s3://" + c.Bucket + "/" + c.Prefix
}

// ParseURL reads s3://BUCKET[/PREFIX] into a Config.
func ParseURL(s string) (Config, error) {
	var c Config
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "s3" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return c, fmt.Errorf("%q: want s3://BUCKET/PREFIX", s)
	}
	c.Bucket = u.Host
	c.Prefix = strings.Trim(u.Path, "/")
	if strings.Contains(c.Prefix, "//") {
		return c, fmt.Errorf("%q: empty path segment in the prefix", s)
	}
	return c, nil
}

// ParseRetention reads compliance:DAYS or governance:DAYS.
func ParseRetention(s string) (mode string, days int, err error) {
	m, d, ok := strings.Cut(strings.ToLower(strings.TrimSpace(s)), ":")
	n, nerr := strconv.Atoi(d)
	if !ok || nerr != nil || n <= 0 || n > 100*366 || (m != "compliance" && m != "governance") {
		return "", 0, fmt.Errorf("retention %q: want compliance:DAYS or governance:DAYS (e.g. compliance:3650)", s)
	}
	return strings.ToUpper(m), n, nil
}

// Validate checks a Config read from casefile.json or the command line.
func (c Config) Validate() error {
	if c.Bucket == "" {
		return errors.New("s3 storage: no bucket")
	}
	if c.Retention != "" {
		if _, _, err := ParseRetention(c.Retention + ":" + strconv.Itoa(c.RetentionDays)); err != nil {
			return err
		}
	}
	if c.Endpoint != "" {
		u, err := url.Parse(c.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return fmt.Errorf("s3 endpoint %q: want http(s)://HOST[:PORT]", c.Endpoint)
		}
	}
	return nil
}

// key is the object name of rel under the prefix.
func (c Config) key(rel string) string {
	if c.Prefix == "" {
		return rel
	}
	return c.Prefix + "/" + rel
}

// retainUntil is when the retention of an object written now ends.
func (c Config) retainUntil(now time.Time) time.Time {
	return now.Add(time.Duration(c.RetentionDays) * 24 * time.Hour)
}
