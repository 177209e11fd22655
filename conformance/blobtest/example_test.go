package blobtest_test

import (
	"context"
	"testing"

	"github.com/openbackbone/openbackbone/adapters/gocloudblob"
	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/conformance/blobtest"
)

// harness gives the suite stores of the adapter under test; every MakeBlob
// is a store of its own (here a fresh in-memory one; for a directory or
// bucket, a fresh prefix).
type harness struct{}

func (harness) MakeBlob(ctx context.Context) (driver.Blob, error) {
	return gocloudblob.Open(ctx, "mem://", gocloudblob.Options{})
}

func (harness) Close() {}

func newHarness(context.Context, testing.TB) (blobtest.Harness, error) { return harness{}, nil }

// An adapter author certifies a driver.Blob from the adapter's
// conformance_test.go: TestConformance hands the suite a HarnessMaker, and a
// benchmark may run RunBenchmarks with the same one. examples/customblob
// does it for a store written outside this repository's adapters.
func ExampleRunConformanceTests() {
	// In conformance_test.go:
	//
	//	func TestConformance(t *testing.T) { blobtest.RunConformanceTests(t, newHarness) }
	//	func BenchmarkBlob(b *testing.B)   { blobtest.RunBenchmarks(b, newHarness) }
	var _ blobtest.HarnessMaker = newHarness
}
