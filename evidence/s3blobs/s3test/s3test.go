// Package s3test starts a real S3 server for tests: the Versity S3 gateway
// (versitygw) in posix mode with a versioning directory, which implements
// Object Lock and legal hold. The binary is built once with go install and
// kept under the user cache directory, keyed by version, so that test runs
// after the first start in a second.
//
// When it cannot be built (no module proxy), tests skip with the reason,
// unless CASEFILE_S3_TESTS=required (CI), where they fail.
package s3test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Version is the versitygw release the tests run against.
const Version = "v1.8.0"

// Test credentials of the local server; the tests set them as the AWS
// environment variables, where the store reads credentials from.
const (
	AccessKey = "casefile-test"
	SecretKey = "casefile-test-secret"
)

// Server is a running versitygw.
type Server struct {
	Endpoint string // http://127.0.0.1:PORT
	Root     string
	Client   *minio.Client // a second client, as another person with the keys would use
	pid      int
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary returns the path of the versitygw binary, building it once.
func Binary() (string, error) {
	buildOnce.Do(func() { binPath, buildErr = build() })
	return binPath, buildErr
}

func build() (string, error) {
	if p := os.Getenv("CASEFILE_VERSITYGW"); p != "" {
		return p, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "casefile-s3test", "versitygw-"+Version)
	bin := filepath.Join(dir, "versitygw")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command("go", "install", "github.com/versity/versitygw/cmd/versitygw@"+Version)
	cmd.Env = append(os.Environ(), "GOBIN="+tmp, "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go install versitygw@%s: %v\n%s", Version, err, out)
	}
	// Rename is atomic: a concurrent run sees the whole binary or none.
	if err := os.Rename(filepath.Join(tmp, "versitygw"), bin); err != nil {
		return "", err
	}
	return bin, nil
}

// Start runs a versitygw on 127.0.0.1 for the test, sets the AWS
// credential variables for it, and stops it at cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		if os.Getenv("CASEFILE_S3_TESTS") == "required" {
			t.Fatalf("versitygw is required (CASEFILE_S3_TESTS=required) but could not be built: %v", err)
		}
		t.Skipf("S3 tests skipped: versitygw %s could not be built (set CASEFILE_S3_TESTS=required to fail instead): %v", Version, err)
	}
	base := t.TempDir()
	root, vers := filepath.Join(base, "root"), filepath.Join(base, "versions")
	for _, d := range []string{root, vers} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	addr := freeAddr(t)
	cmd := exec.Command(bin, "--access", AccessKey, "--secret", SecretKey, "--port", addr, "posix", "--versioning-dir", vers, root)
	logf, err := os.Create(filepath.Join(base, "versitygw.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start versitygw: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		logf.Close()
	})
	if err := waitListening(addr, 20*time.Second); err != nil {
		log, _ := os.ReadFile(logf.Name())
		t.Fatalf("versitygw did not start: %v\n%s", err, log)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", SecretKey)
	t.Setenv("AWS_PROFILE", "")
	c, err := minio.New(addr, &minio.Options{Creds: credentials.NewStaticV4(AccessKey, SecretKey, ""), BucketLookup: minio.BucketLookupPath})
	if err != nil {
		t.Fatal(err)
	}
	return &Server{Endpoint: "http://" + addr, Root: root, Client: c, pid: cmd.Process.Pid}
}

// Bucket creates a bucket, with Object Lock when locked.
func (s *Server) Bucket(t testing.TB, name string, locked bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Client.MakeBucket(ctx, name, minio.MakeBucketOptions{ObjectLocking: locked}); err != nil {
		t.Fatalf("make bucket %s: %v", name, err)
	}
}

func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitListening(addr string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Keys lists the object names under prefix.
func (s *Server) Keys(t testing.TB, bucket, prefix string) []string {
	t.Helper()
	var keys []string
	for o := range s.Client.ListObjects(context.Background(), bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			t.Fatalf("list %s/%s: %v", bucket, prefix, o.Err)
		}
		keys = append(keys, o.Key)
	}
	return keys
}

// Overwrite writes a new version of key, as anyone with the bucket's keys
// could (Object Lock keeps the earlier versions, but a plain GET returns
// the new one).
func (s *Server) Overwrite(t testing.TB, bucket, key string, data []byte) {
	t.Helper()
	if _, err := s.Client.PutObject(context.Background(), bucket, key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{}); err != nil {
		t.Fatalf("overwrite %s/%s: %v", bucket, key, err)
	}
}
