package sqlstore_test

import (
	"context"
	"crypto/rand"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openbackbone/openbackbone/adapters/sqlstore"
	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/conformance/storetest"
	"github.com/openbackbone/openbackbone/internal/testservices"
)

// harness makes SQLite stores in temporary files, PostgreSQL stores in
// fresh schemas that Close drops, or SQL Server stores in fresh databases
// dropped when the test ends.
type harness struct {
	t      testing.TB
	db     string // "sqlite", "postgres" or "sqlserver"
	pg     string // PostgreSQL DSN
	stores []*sqlstore.Store
}

func (h *harness) MakeStore(ctx context.Context) (driver.Store, error) {
	dsn, opts := "sqlite:"+filepath.Join(h.t.TempDir(), "store.db"), sqlstore.Options{}
	switch h.db {
	case "postgres":
		dsn, opts.Schema = h.pg, "storetest_"+strings.ToLower(rand.Text())
	case "sqlserver":
		dsn = testservices.SQLServerDatabase(h.t)
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
		if h.db == "postgres" {
			_ = st.DropSchema(context.Background())
		}
		st.Close()
	}
}

// maker skips tb, saying why, when the database is not at hand.
func maker(tb testing.TB, db string) storetest.HarnessMaker {
	var pg string
	switch db {
	case "postgres":
		pg = testservices.Postgres(tb)
	case "sqlserver":
		testservices.SQLServer(tb)
	}
	return func(_ context.Context, t testing.TB) (storetest.Harness, error) {
		return &harness{t: t, db: db, pg: pg}, nil
	}
}

func TestConformanceSQLite(t *testing.T)     { storetest.RunConformanceTests(t, maker(t, "sqlite")) }
func TestConformancePostgreSQL(t *testing.T) { storetest.RunConformanceTests(t, maker(t, "postgres")) }
func TestConformanceSQLServer(t *testing.T)  { storetest.RunConformanceTests(t, maker(t, "sqlserver")) }

func BenchmarkSQLite(b *testing.B)     { storetest.RunBenchmarks(b, maker(b, "sqlite")) }
func BenchmarkPostgreSQL(b *testing.B) { storetest.RunBenchmarks(b, maker(b, "postgres")) }
func BenchmarkSQLServer(b *testing.B)  { storetest.RunBenchmarks(b, maker(b, "sqlserver")) }
