package s3blobs

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// opTimeout bounds one request on one object (chunks are at most 1 MiB).
const opTimeout = 2 * time.Minute

// newClient connects to cfg's endpoint with credentials from the AWS
// environment variables, then the shared credentials file (AWS_PROFILE),
// in that order: the case directory never holds a secret.
func newClient(cfg Config) (*minio.Client, error) {
	host, secure := "s3.amazonaws.com", true
	if cfg.Endpoint != "" {
		u, err := url.Parse(cfg.Endpoint)
		if err != nil {
			return nil, fmt.Errorf("s3 endpoint %q: %w", cfg.Endpoint, err)
		}
		host, secure = u.Host, u.Scheme == "https"
	}
	creds := credentials.NewChainCredentials([]credentials.Provider{
		&credentials.EnvAWS{},
		&credentials.FileAWSCredentials{Profile: os.Getenv("AWS_PROFILE")},
	})
	tr, err := minio.DefaultTransport(secure)
	if err != nil {
		return nil, err
	}
	tr.MaxIdleConnsPerHost = 64 // reads and writes run in parallel
	return minio.New(host, &minio.Options{
		Creds: creds, Secure: secure, Region: cfg.Region, Transport: tr,
		BucketLookup: minio.BucketLookupPath,
		// Needed to send the SHA-256 the store computed as the object's
		// checksum (no trailer is used: the header carries it).
		TrailingHeaders: true,
	})
}

// notFound reports whether err is S3's "no such key".
func notFound(err error) bool {
	r := minio.ToErrorResponse(err)
	return r.Code == "NoSuchKey" || r.StatusCode == http.StatusNotFound && r.Code != "NoSuchBucket"
}

// lockState reads whether the bucket has Object Lock enabled.
func lockState(ctx context.Context, c *minio.Client, bucket string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	enabled, _, _, _, err := c.GetObjectLockConfig(ctx, bucket)
	if err == nil {
		return enabled == "Enabled", nil
	}
	switch r := minio.ToErrorResponse(err); r.Code {
	case "ObjectLockConfigurationNotFoundError", "ObjectLockConfigurationNotFound":
		return false, nil
	case "NoSuchBucket":
		return false, fmt.Errorf("bucket %s does not exist: create it with Object Lock enabled", bucket)
	case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch":
		return false, fmt.Errorf("bucket %s: %s (%s): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or AWS_PROFILE", bucket, r.Message, r.Code)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return false, fmt.Errorf("s3 endpoint unreachable: %w", err)
	}
	return false, fmt.Errorf("bucket %s: reading its Object Lock configuration: %w", bucket, err)
}
