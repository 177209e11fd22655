package gocloudblob_test

// The cloud backends run the conformance suite against emulators: S3 against
// an in-process gofakes3 server, GCS against an in-process fake-gcs-server,
// Azure Blob against the Azurite testservices gives (a Node process
// scripts/test-all.sh starts, or a container). The environment variables
// below point a run at another server or at a real bucket instead; see
// docs/adapters.md.

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/fsouza/fake-gcs-server/fakestorage"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/openbackbone/openbackbone/adapters/gocloudblob"
	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/conformance/blobtest"
	"github.com/openbackbone/openbackbone/internal/testservices"
)

const (
	// envS3URL and envGCSURL name a bucket (and its server) to test
	// instead of the in-process fakes.
	envS3URL  = "OPENBACKBONE_TEST_S3_URL"
	envGCSURL = "OPENBACKBONE_TEST_GCS_URL"

	// emulatorBucket is the bucket the in-process fakes serve.
	emulatorBucket = "openbackbone-test"
)

// bucketHarness gives each store a key prefix of its own in one bucket, so
// one bucket serves every rule, and deletes what the rule left behind.
type bucketHarness struct {
	url    string
	prefix string
}

// prefixes counts the harnesses of this process; runID keeps the prefixes of
// two runs against one real bucket apart.
var (
	prefixes atomic.Int64
	runID    = rand.Text()[:10]
)

func bucketHarnessMaker(bucketURL string) blobtest.HarnessMaker {
	return func(context.Context, testing.TB) (blobtest.Harness, error) {
		return &bucketHarness{
			url:    bucketURL,
			prefix: fmt.Sprintf("conformance-%s/%d/", runID, prefixes.Add(1)),
		}, nil
	}
}

func (h *bucketHarness) MakeBlob(ctx context.Context) (driver.Blob, error) {
	return gocloudblob.Open(ctx, h.url, gocloudblob.Options{Prefix: h.prefix})
}

// Close removes the rule's blobs, so a real bucket does not fill up with
// test data. It is best effort: a failed clean-up is no broken rule.
func (h *bucketHarness) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := h.MakeBlob(ctx)
	if err != nil {
		return
	}
	defer b.Close()
	var keys []string
	_ = b.List(ctx, "", func(key string) error { keys = append(keys, key); return nil })
	for _, k := range keys {
		_ = b.Delete(ctx, k)
	}
}

// TestS3Conformance runs the suite on s3:// against OPENBACKBONE_TEST_S3_URL
// (credentials from the AWS environment), or else against an in-process
// gofakes3 server on loopback.
func TestS3Conformance(t *testing.T) {
	u := os.Getenv(envS3URL)
	if u == "" {
		u = s3URL(startFakeS3(t))
	}
	blobtest.RunConformanceTests(t, bucketHarnessMaker(u))
}

// startFakeS3 serves an in-memory S3 holding emulatorBucket on loopback for
// the test, points the AWS SDK's credentials at it, and returns its endpoint.
func startFakeS3(t *testing.T) string {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(emulatorBucket); err != nil {
		t.Fatalf("create fake S3 bucket: %v", err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	// gofakes3 does not check signatures, but the SDK signs every
	// request, so credentials must be there; these are the fake's.
	t.Setenv("AWS_ACCESS_KEY_ID", "openbackbone")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "openbackbone-secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	// No shared configuration files or profiles of whoever runs this.
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_PROFILE", "")
	return srv.URL
}

// s3URL is the URL of the fake's bucket at endpoint.
func s3URL(endpoint string) string {
	q := url.Values{
		"endpoint":       {endpoint},
		"use_path_style": {"true"},
		"disable_https":  {"true"},
		"region":         {"us-east-1"},
		// gofakes3 sends no checksums; validating only where the API
		// requires it keeps the SDK from warning on every read.
		"response_checksum_validation": {"when_required"},
	}
	return (&url.URL{Scheme: "s3", Host: emulatorBucket, RawQuery: q.Encode()}).String()
}

// TestGCSConformance runs the suite on gs:// against
// OPENBACKBONE_TEST_GCS_URL (credentials from Application Default
// Credentials, or anonymous=true with an emulator's endpoint), or else
// against an in-process fake-gcs-server on loopback, reached through the
// endpoint parameter.
func TestGCSConformance(t *testing.T) {
	u := os.Getenv(envGCSURL)
	if u == "" {
		srv, err := fakestorage.NewServerWithOptions(fakestorage.Options{
			Scheme: "http",
			Host:   "127.0.0.1",
			Port:   0, // any free port
		})
		if err != nil {
			t.Fatalf("start fake GCS server: %v", err)
		}
		t.Cleanup(srv.Stop)
		srv.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: emulatorBucket})
		q := url.Values{"endpoint": {srv.URL()}, "anonymous": {"true"}}
		u = (&url.URL{Scheme: "gs", Host: emulatorBucket, RawQuery: q.Encode()}).String()
	}
	blobtest.RunConformanceTests(t, bucketHarnessMaker(u))
}

// TestAzblobConformance runs the suite on azblob:// against
// testservices.Azurite (OPENBACKBONE_TEST_AZBLOB_URL, which may name real
// Azure Blob Storage too), with credentials from the AZURE_STORAGE_*
// environment. With AZURE_STORAGE_CONNECTION_STRING set, the container is
// created if missing.
func TestAzblobConformance(t *testing.T) {
	u := testservices.Azurite(t)
	if cs := os.Getenv("AZURE_STORAGE_CONNECTION_STRING"); cs != "" {
		pu, err := url.Parse(u)
		if err != nil {
			t.Fatalf("%s: %v", testservices.AzblobEnv, err)
		}
		c, err := container.NewClientFromConnectionString(cs, pu.Host, nil)
		if err != nil {
			t.Fatalf("container client from AZURE_STORAGE_CONNECTION_STRING: %v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := c.Create(ctx, nil); err != nil && !bloberror.HasCode(err, bloberror.ContainerAlreadyExists) {
			t.Fatalf("create container %q: %v", pu.Host, err)
		}
	}
	blobtest.RunConformanceTests(t, bucketHarnessMaker(u))
}

// TestGCSEndpointReachesServer checks that the endpoint parameter, not
// Google's default, decides where gs:// requests go: a blob written through
// one fake server is found there and not on another.
func TestGCSEndpointReachesServer(t *testing.T) {
	start := func() *fakestorage.Server {
		srv, err := fakestorage.NewServerWithOptions(fakestorage.Options{Scheme: "http", Host: "127.0.0.1"})
		if err != nil {
			t.Fatalf("start fake GCS server: %v", err)
		}
		t.Cleanup(srv.Stop)
		srv.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: emulatorBucket})
		return srv
	}
	a, b := start(), start()
	ctx := context.Background()
	open := func(srv *fakestorage.Server) driver.Blob {
		q := url.Values{"endpoint": {srv.URL()}, "anonymous": {"true"}}
		blobs, err := gocloudblob.Open(ctx, (&url.URL{Scheme: "gs", Host: emulatorBucket, RawQuery: q.Encode()}).String(), gocloudblob.Options{})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { blobs.Close() })
		return blobs
	}
	w, err := open(a).NewWriter(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.GetObject(emulatorBucket, "k"); err != nil {
		t.Errorf("blob not on the endpoint's server: %v", err)
	}
	if _, err := open(b).NewReader(ctx, "k"); !errors.Is(err, driver.ErrNotFound) {
		t.Errorf("NewReader on the other server = %v, want driver.ErrNotFound", err)
	}
}
