package sqlstore

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/internal/testservices"
)

// allMigrations lists the migrations of the dialect's directory.
func allMigrations(t *testing.T, st *Store) []string {
	t.Helper()
	_, ms, err := st.migrator()
	require.NoError(t, err)
	var names []string
	for _, m := range ms.Sorted() {
		names = append(names, m.String())
	}
	require.NotEmpty(t, names)
	return names
}

func TestMigrationStatusOfAFreshDatabaseChangesNothing(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, open func(t *testing.T) *Store) {
		ctx := context.Background()
		st := open(t)
		status, err := st.MigrationStatus(ctx)
		require.NoError(t, err)
		require.Equal(t, MigrationStatus{Pending: allMigrations(t, st)}, status)
		exists, err := st.tableExists(ctx, migrationsTable)
		require.NoError(t, err)
		require.False(t, exists, "MigrationStatus must not create tables")
	})
}

func TestMigrateIsIdempotent(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, open func(t *testing.T) *Store) {
		ctx := context.Background()
		st := open(t)
		for range 3 {
			require.NoError(t, st.Migrate(ctx))
			status, err := st.MigrationStatus(ctx)
			require.NoError(t, err)
			require.Equal(t, MigrationStatus{Applied: allMigrations(t, st)}, status)
		}
		var n int
		require.NoError(t, st.db.NewSelect().Table(migrationsTable).ColumnExpr("count(*)").Scan(ctx, &n))
		require.Equal(t, len(allMigrations(t, st)), n, "each migration must be recorded once")
	})
}

func TestMigrateConcurrently(t *testing.T) {
	run := func(t *testing.T, open func() *Store) {
		ctx := context.Background()
		const processes = 4
		stores := make([]*Store, processes)
		for i := range stores {
			stores[i] = open()
		}
		errs := make([]error, processes)
		var wg sync.WaitGroup
		for i, st := range stores {
			wg.Go(func() { errs[i] = st.Migrate(ctx) })
		}
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err, "concurrent Migrate calls must all succeed")
		}
		status, err := stores[0].MigrationStatus(ctx)
		require.NoError(t, err)
		require.Equal(t, MigrationStatus{Applied: allMigrations(t, stores[0])}, status)
		var n int
		require.NoError(t, stores[0].db.NewSelect().Table(migrationsTable).ColumnExpr("count(*)").Scan(ctx, &n))
		require.Equal(t, len(status.Applied), n, "each migration must be applied and recorded once")
		require.NoError(t, stores[0].Tiers().Insert(ctx, driver.Tier{ID: "TIR1", Name: "one"}))
	}
	t.Run("SQLite", func(t *testing.T) {
		dsn := "sqlite:" + filepath.Join(t.TempDir(), "store.db")
		run(t, func() *Store { return openTest(t, dsn, Options{}) })
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		dsn := testservices.Postgres(t)
		schema := newSchemaName(t, dsn)
		run(t, func() *Store { return openTest(t, dsn, Options{Schema: schema}) })
	})
	t.Run("SQLServer", func(t *testing.T) {
		dsn := testservices.SQLServerDatabase(t)
		run(t, func() *Store { return openTest(t, dsn, Options{}) })
	})
}

func TestMigrationStatusReportsMigrationsOfNewerVersions(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, open func(t *testing.T) *Store) {
		ctx := context.Background()
		st := open(t)
		require.NoError(t, st.Migrate(ctx))
		_, err := st.db.ExecContext(ctx, "INSERT INTO ? (name, group_id) VALUES ('9999', 99)", bun.Ident(migrationsTable))
		require.NoError(t, err)
		status, err := st.MigrationStatus(ctx)
		require.NoError(t, err)
		require.Equal(t, []string{"9999"}, status.Unknown)
		require.Empty(t, status.Pending)
	})
}
