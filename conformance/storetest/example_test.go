package storetest_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/openbackbone/openbackbone/adapters/sqlstore"
	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/conformance/storetest"
)

// harness makes migrated, empty stores that share nothing: here a SQLite
// file each; on a shared server, a database or schema each, dropped by
// Close.
type harness struct {
	t      testing.TB
	stores []*sqlstore.Store
}

func (h *harness) MakeStore(ctx context.Context) (driver.Store, error) {
	st, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(h.t.TempDir(), "store.db"), sqlstore.Options{})
	if err != nil {
		return nil, err
	}
	h.stores = append(h.stores, st)
	return st, st.Migrate(ctx)
}

func (h *harness) Close() {
	for _, st := range h.stores {
		st.Close()
	}
}

func newHarness(_ context.Context, t testing.TB) (storetest.Harness, error) {
	return &harness{t: t}, nil
}

// An adapter author certifies a driver.Store from the adapter's
// conformance_test.go: TestConformance hands the suite a HarnessMaker;
// RunBenchmarks takes the same one.
func ExampleRunConformanceTests() {
	// In conformance_test.go:
	//
	//	func TestConformance(t *testing.T) { storetest.RunConformanceTests(t, newHarness) }
	//	func BenchmarkStore(b *testing.B)  { storetest.RunBenchmarks(b, newHarness) }
	var _ storetest.HarnessMaker = newHarness
}
