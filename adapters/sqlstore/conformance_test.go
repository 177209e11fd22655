package sqlstore_test

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openbackbone/openbackbone/adapters/sqlstore"
	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/conformance/storetest"
)

// postgresEnv names the PostgreSQL server the tests use, e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const postgresEnv = "OPENBACKBONE_TEST_POSTGRES_DSN"

// harness makes SQLite stores in temporary files, or PostgreSQL stores in
// fresh schemas that Close drops.
type harness struct {
	t      testing.TB
	pg     string // PostgreSQL DSN; empty for SQLite
	stores []*sqlstore.Store
}

func (h *harness) MakeStore(ctx context.Context) (driver.Store, error) {
	dsn, opts := "sqlite:"+filepath.Join(h.t.TempDir(), "store.db"), sqlstore.Options{}
	if h.pg != "" {
		dsn, opts.Schema = h.pg, "storetest_"+strings.ToLower(rand.Text())
	}
	st, err := sqlstore.Open(ctx, dsn, opts)
	if err != nil {
		return nil, err
	}
	h.stores = append(h.stores, st)
	return st, st.Migrate(ctx)
}

func (h *harness) Close() {
	for _, st := range h.stores {
		if h.pg != "" {
			_ = st.DropSchema(context.Background())
		}
		st.Close()
	}
}

func maker(tb testing.TB, pg bool) storetest.HarnessMaker {
	dsn := os.Getenv(postgresEnv)
	if pg && dsn == "" {
		tb.Skipf("set %s (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run against PostgreSQL", postgresEnv)
	}
	return func(_ context.Context, t testing.TB) (storetest.Harness, error) {
		h := &harness{t: t}
		if pg {
			h.pg = dsn
		}
		return h, nil
	}
}

func TestConformanceSQLite(t *testing.T)     { storetest.RunConformanceTests(t, maker(t, false)) }
func TestConformancePostgreSQL(t *testing.T) { storetest.RunConformanceTests(t, maker(t, true)) }

func BenchmarkSQLite(b *testing.B)     { storetest.RunBenchmarks(b, maker(b, false)) }
func BenchmarkPostgreSQL(b *testing.B) { storetest.RunBenchmarks(b, maker(b, true)) }
