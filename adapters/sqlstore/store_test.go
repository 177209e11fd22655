package sqlstore

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/internal/testservices"
)

// forEachDatabase runs fn on SQLite, and on PostgreSQL and SQL Server where
// testservices finds them (else those subtests are skipped, saying why).
// Each store open makes is empty: a file, schema or database of its own.
func forEachDatabase(t *testing.T, fn func(t *testing.T, open func(t *testing.T) *Store)) {
	t.Run("SQLite", func(t *testing.T) {
		fn(t, func(t *testing.T) *Store {
			return openTest(t, "sqlite:"+filepath.Join(t.TempDir(), "store.db"), Options{})
		})
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		dsn := testservices.Postgres(t)
		fn(t, func(t *testing.T) *Store {
			return openTest(t, dsn, Options{Schema: newSchemaName(t, dsn)})
		})
	})
	t.Run("SQLServer", func(t *testing.T) {
		testservices.SQLServer(t)
		fn(t, func(t *testing.T) *Store {
			return openTest(t, testservices.SQLServerDatabase(t), Options{})
		})
	})
}

// newSchemaName returns a PostgreSQL schema name that is dropped when the
// test ends.
func newSchemaName(t *testing.T, dsn string) string {
	schema := "sqlstore_" + strings.ToLower(rand.Text())
	t.Cleanup(func() {
		st, err := Open(context.Background(), dsn, Options{Schema: schema})
		if err == nil {
			_ = st.DropSchema(context.Background())
			st.Close()
		}
	})
	return schema
}

func openTest(t *testing.T, dsn string, opts Options) *Store {
	t.Helper()
	st, err := Open(context.Background(), dsn, opts)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}

func TestOpenRejectsUnknownSchemeListingTheKnownOnes(t *testing.T) {
	_, err := Open(context.Background(), "mysql://user:secret@localhost/db", Options{})
	require.Error(t, err)
	for _, known := range []string{"sqlite:<path>", "sqlite::memory:", "postgres://", "postgresql://", "sqlserver://"} {
		assert.Contains(t, err.Error(), known)
	}
	assert.NotContains(t, err.Error(), "secret", "the error must not echo the DSN")

	_, err = Open(context.Background(), "host=db password=secret", Options{})
	require.ErrorContains(t, err, "no known scheme")
	assert.NotContains(t, err.Error(), "secret", "the error must not echo the DSN")
}

func TestOpenRejectsBadDSNsAndOptions(t *testing.T) {
	dir := t.TempDir()
	for name, tc := range map[string]struct {
		dsn  string
		opts Options
		want string
	}{
		"SQLiteWithoutPath":          {"sqlite:", Options{}, "needs a path"},
		"SQLiteWithQueryParameters":  {"sqlite:" + filepath.Join(dir, "x.db") + "?mode=ro", Options{}, "no query parameters"},
		"SchemaOnSQLite":             {"sqlite:" + filepath.Join(dir, "x.db"), Options{Schema: "app"}, "PostgreSQL only"},
		"BadSchemaName":              {"postgres://u@localhost/db", Options{Schema: "Bad-Name"}, "Options.Schema"},
		"SchemaAndSearchPath":        {"postgres://u@localhost/db?search_path=x", Options{Schema: "app"}, "search_path"},
		"NegativeMaxOpenConns":       {"sqlite:" + filepath.Join(dir, "x.db"), Options{MaxOpenConns: -1}, "MaxOpenConns"},
		"NegativeTxAttempts":         {"sqlite:" + filepath.Join(dir, "x.db"), Options{TxAttempts: -1}, "TxAttempts"},
		"PostgresUnsupportedSSLMode": {"postgres://u:secret@localhost/db?sslmode=bogus", Options{}, "sslmode"},
		"MalformedPostgresDSN":       {"postgres://u:secret@[::1/db", Options{}, "malformed"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Open(context.Background(), tc.dsn, tc.opts)
			require.ErrorContains(t, err, tc.want)
			assert.NotContains(t, err.Error(), "secret", "the error must not echo the DSN")
		})
	}
}

func TestOpenSQLitePathForms(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, tc := range []struct{ dsn, file string }{
		{"sqlite:data/a/backbone.db", filepath.Join(dir, "data/a/backbone.db")},
		{"sqlite://data/b/backbone.db", filepath.Join(dir, "data/b/backbone.db")},
		{"sqlite://" + filepath.Join(dir, "abs/c/backbone.db"), filepath.Join(dir, "abs/c/backbone.db")},
		{"sqlite:" + filepath.Join(dir, "abs/d/backbone.db"), filepath.Join(dir, "abs/d/backbone.db")},
	} {
		t.Run(tc.dsn, func(t *testing.T) {
			ctx := context.Background()
			st, err := Open(ctx, tc.dsn, Options{})
			require.NoError(t, err, "Open must create the parent directories")
			require.NoError(t, st.Migrate(ctx))
			require.NoError(t, st.Tiers().Insert(ctx, driver.Tier{ID: "TIR1", Name: "one"}))
			require.NoError(t, st.Close())
			require.FileExists(t, tc.file)

			st, err = Open(ctx, tc.dsn, Options{})
			require.NoError(t, err)
			defer st.Close()
			_, err = st.Tiers().Get(ctx, "TIR1")
			require.NoError(t, err, "a reopened file must keep its data")
		})
	}
}

func TestOpenSQLiteMemory(t *testing.T) {
	ctx := context.Background()
	st := openTest(t, "sqlite::memory:", Options{})
	require.NoError(t, st.Migrate(ctx))
	require.NoError(t, st.InTx(ctx, func(tx driver.Tx) error {
		return tx.Tiers().Insert(ctx, driver.Tier{ID: "TIR1", Name: "one"})
	}))
	got, err := st.Tiers().List(ctx)
	require.NoError(t, err)
	require.Len(t, got, 1, "the one connection must keep the in-memory database")
}

func TestCloseTwiceReturnsTheFirstResult(t *testing.T) {
	st := openTest(t, "sqlite::memory:", Options{})
	require.NoError(t, st.Close())
	require.NoError(t, st.Close())
}

func TestDropSchemaNeedsPostgresAndSchema(t *testing.T) {
	st := openTest(t, "sqlite::memory:", Options{})
	require.Error(t, st.DropSchema(context.Background()))
}

func TestSQLiteStoresTimesAsFixedWidthUTCText(t *testing.T) {
	ctx := context.Background()
	st := openTest(t, "sqlite:"+filepath.Join(t.TempDir(), "store.db"), Options{})
	require.NoError(t, st.Migrate(ctx))
	zone := time.FixedZone("", -5*3600)
	for id, tm := range map[string]time.Time{
		"CHL1": time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC),
		"CHL2": time.Date(2031, 1, 2, 3, 4, 5, 123_456_789, zone),
	} {
		require.NoError(t, st.Challenges().Insert(ctx, driver.Challenge{ID: id, ExpiresAt: tm}))
	}
	var texts []string
	require.NoError(t, st.db.NewSelect().Table("challenges").Column("expires_at").OrderExpr("id").Scan(ctx, &texts))
	require.Equal(t, []string{"2031-01-02T03:04:05.000000Z", "2031-01-02T08:04:05.123456Z"}, texts)

	got, err := st.Challenges().Get(ctx, "CHL2")
	require.NoError(t, err)
	require.Equal(t, time.Date(2031, 1, 2, 8, 4, 5, 123_456_000, time.UTC), got.ExpiresAt, "times keep microseconds")
}

func TestTimesKeepMicroseconds(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, open func(t *testing.T) *Store) {
		ctx := context.Background()
		st := open(t)
		require.NoError(t, st.Migrate(ctx))
		tm := time.Date(2031, 1, 2, 3, 4, 5, 123_456_789, time.UTC)
		require.NoError(t, st.Challenges().Insert(ctx, driver.Challenge{ID: "CHL1", ExpiresAt: tm}))
		got, err := st.Challenges().Get(ctx, "CHL1")
		require.NoError(t, err)
		require.Equal(t, tm.Truncate(time.Microsecond), got.ExpiresAt)
	})
}

func TestUniqueViolationIsErrConflictKeepingTheCause(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, open func(t *testing.T) *Store) {
		ctx := context.Background()
		st := open(t)
		require.NoError(t, st.Migrate(ctx))
		// A plain INSERT raises the database's own unique violation.
		m := &tierModel{ID: "TIR1", Name: "one"}
		_, err := st.db.NewInsert().Model(m).Exec(ctx)
		require.NoError(t, err)
		_, err = st.db.NewInsert().Model(m).Exec(ctx)
		err = translate("insert tier", err)
		require.ErrorIs(t, err, driver.ErrConflict)
		require.True(t, uniqueViolation(err), "the native error must stay wrapped")

		// Update has no ON CONFLICT: a second backup device violates the
		// partial unique index.
		a := driver.Device{ID: "DVC1", IdentityAddress: "id1", Username: "USR1", IsBackupDevice: true, CreatedAt: time.Now()}
		b := driver.Device{ID: "DVC2", IdentityAddress: "id1", Username: "USR2", CreatedAt: time.Now()}
		require.NoError(t, st.Devices().Insert(ctx, a))
		require.NoError(t, st.Devices().Insert(ctx, b))
		b.IsBackupDevice = true
		require.ErrorIs(t, st.Devices().Update(ctx, b), driver.ErrConflict)
	})
}

func TestInTxRetriesNothingButTransientErrors(t *testing.T) {
	st := openTest(t, "sqlite::memory:", Options{})
	calls := 0
	errFn := errors.New("fn")
	err := st.InTx(context.Background(), func(driver.Tx) error { calls++; return errFn })
	require.Equal(t, errFn, err)
	require.Equal(t, 1, calls, "an ordinary error must not be retried")
}

func TestInTxRollsBackWhenFnPanics(t *testing.T) {
	ctx := context.Background()
	st := openTest(t, "sqlite::memory:", Options{})
	require.NoError(t, st.Migrate(ctx))
	require.Panics(t, func() {
		_ = st.InTx(ctx, func(tx driver.Tx) error {
			_ = tx.Tiers().Insert(ctx, driver.Tier{ID: "TIR1", Name: "one"})
			panic("boom")
		})
	})
	// With one connection, a transaction left open would block this read.
	_, err := st.Tiers().Get(ctx, "TIR1")
	require.ErrorIs(t, err, driver.ErrNotFound)
}

// The portable paths serve dialects without ON CONFLICT or RETURNING (SQL
// Server); check them on the databases at hand.
func TestPortableFallbacks(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, open func(t *testing.T) *Store) {
		ctx := context.Background()
		st := open(t)
		require.NoError(t, st.Migrate(ctx))

		require.NoError(t, st.Devices().Insert(ctx, driver.Device{ID: "DVC1", IdentityAddress: "id1", Username: "USR1", CreatedAt: time.Now()}))
		for want := 1; want <= 2; want++ {
			n, err := incrementFailedLoginsPortable(ctx, st.db, "DVC1")
			require.NoError(t, err)
			require.Equal(t, want, n)
		}
		_, err := incrementFailedLoginsPortable(ctx, st.db, "nope")
		require.ErrorIs(t, translate("increment", err), driver.ErrNotFound)

		flags := func(m map[string]bool) []featureFlagModel {
			var ms []featureFlagModel
			for k, v := range m {
				ms = append(ms, featureFlagModel{IdentityAddress: "id1", Name: k, Enabled: v})
			}
			return ms
		}
		require.NoError(t, upsertFeatureFlagsPortable(ctx, st.db, flags(map[string]bool{"a": true, "b": true})))
		require.NoError(t, upsertFeatureFlagsPortable(ctx, st.db, flags(map[string]bool{"b": false, "c": true})))
		got, err := st.Identities().FeatureFlags(ctx, "id1")
		require.NoError(t, err)
		require.Equal(t, map[string]bool{"a": true, "b": false, "c": true}, got)
	})
}

// A transaction that keeps losing serialization conflicts ends in
// driver.ErrBusy once its attempts are spent, so services can answer "try
// again" instead of failing. PostgreSQL only: there another session's
// committed update of a row the transaction read makes the transaction's own
// update fail with 40001, every time.
func TestInTxGivesUpWithErrBusyAfterItsAttempts(t *testing.T) {
	ctx := context.Background()
	dsn := testservices.Postgres(t)
	st := openTest(t, dsn, Options{Schema: newSchemaName(t, dsn), TxAttempts: 3})
	require.NoError(t, st.Migrate(ctx))
	require.NoError(t, st.Tiers().Insert(ctx, driver.Tier{ID: "TIR1", Name: "one"}))

	calls := 0
	err := st.inTx(ctx, func(tx bun.Tx) error {
		calls++
		var name string
		if err := tx.QueryRowContext(ctx, "SELECT name FROM tiers WHERE id = ?", "TIR1").Scan(&name); err != nil {
			return err
		}
		if _, err := st.db.ExecContext(ctx, "UPDATE tiers SET name = ? WHERE id = ?", fmt.Sprint("other", calls), "TIR1"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "UPDATE tiers SET name = ? WHERE id = ?", name+"!", "TIR1")
		return err
	})
	require.ErrorIs(t, err, driver.ErrBusy)
	require.True(t, retryable(err), "the native cause stays in the chain: %v", err)
	require.Equal(t, 3, calls)
	tier, err := st.Tiers().Get(ctx, "TIR1")
	require.NoError(t, err)
	require.Equal(t, "other3", tier.Name, "nothing of the failed transaction was written")
}
