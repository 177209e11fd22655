package gocloudblob_test

import (
	"context"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/openbackbone/openbackbone/adapters/gocloudblob"
	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/conformance/blobtest"
)

// harness opens a store on one URL; each test gets a URL of its own (a fresh
// directory, or a fresh mem:// store).
type harness struct {
	url  string
	opts gocloudblob.Options
}

func (h *harness) MakeBlob(ctx context.Context) (driver.Blob, error) {
	return gocloudblob.Open(ctx, h.url, h.opts)
}
func (h *harness) Close() {}

func fileHarness(prefix string) blobtest.HarnessMaker {
	return func(_ context.Context, t testing.TB) (blobtest.Harness, error) {
		u := url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(t.TempDir(), "blobs"))}
		return &harness{url: u.String(), opts: gocloudblob.Options{Prefix: prefix}}, nil
	}
}

func memHarness(context.Context, testing.TB) (blobtest.Harness, error) {
	return &harness{url: "mem://"}, nil
}

func TestConformance(t *testing.T) {
	t.Run("file", func(t *testing.T) { blobtest.RunConformanceTests(t, fileHarness("")) })
	t.Run("file-prefix", func(t *testing.T) { blobtest.RunConformanceTests(t, fileHarness("tenant/")) })
	t.Run("mem", func(t *testing.T) { blobtest.RunConformanceTests(t, memHarness) })
}

func BenchmarkBlob(b *testing.B) {
	b.Run("file", func(b *testing.B) { blobtest.RunBenchmarks(b, fileHarness("")) })
	b.Run("mem", func(b *testing.B) { blobtest.RunBenchmarks(b, memHarness) })
}
