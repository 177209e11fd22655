package bustest_test

import (
	"context"
	"testing"

	"github.com/openbackbone/openbackbone/adapters/gocloudbus"
	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/conformance/bustest"
)

// harness gives the suite buses of the adapter under test. A broker-backed
// harness connects every MakeBus to the same broker and reports durable
// subscriptions; an in-process bus cannot keep them past its Close.
type harness struct{}

func (harness) MakeBus(ctx context.Context) (driver.Bus, error) {
	return gocloudbus.Open(ctx, "mem://", gocloudbus.Options{})
}

func (harness) SupportsDurableSubscriptions() bool { return false }

func (harness) Close() {}

func newHarness(context.Context, testing.TB) (bustest.Harness, error) { return harness{}, nil }

// An adapter author certifies a driver.Bus from the adapter's
// conformance_test.go; the rules of driver.BroadcastBus run only for a bus
// that implements it, and say so when skipped.
func ExampleRunConformanceTests() {
	// In conformance_test.go:
	//
	//	func TestConformance(t *testing.T) { bustest.RunConformanceTests(t, newHarness) }
	//	func BenchmarkBus(b *testing.B)    { bustest.RunBenchmarks(b, newHarness) }
	var _ bustest.HarnessMaker = newHarness
}
