package sqlstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"slices"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/migrate"
)

// migrationFiles holds one directory of SQL migrations per dialect:
// migrations/<dialect>/NNNN_name.tx.up.sql, each run in a transaction.
//
//go:embed migrations
var migrationFiles embed.FS

// The bookkeeping tables carry our name so that they never mix with an
// embedder's own bun migrations in the same schema.
const (
	migrationsTable     = "openbackbone_migrations"
	migrationLocksTable = "openbackbone_migration_locks"
)

// migrationLockWait bounds how long Migrate waits for a migration running
// in another process.
const migrationLockWait = 2 * time.Minute

func migrationsDir(d dialect.Name) (string, error) {
	switch d {
	case dialect.SQLite:
		return "migrations/sqlite", nil
	case dialect.PG:
		return "migrations/postgres", nil
	case dialect.MSSQL:
		return "migrations/mssql", nil
	}
	return "", fmt.Errorf("sqlstore: no migrations for dialect %s", d)
}

func (s *Store) migrator() (*migrate.Migrator, *migrate.Migrations, error) {
	dir, err := migrationsDir(s.dialect)
	if err != nil {
		return nil, nil, err
	}
	sub, err := fs.Sub(migrationFiles, dir)
	if err != nil {
		return nil, nil, err
	}
	ms := migrate.NewMigrations()
	if err := ms.Discover(sub); err != nil {
		return nil, nil, fmt.Errorf("sqlstore: read migrations: %w", err)
	}
	return migrate.NewMigrator(s.db, ms,
		migrate.WithTableName(migrationsTable),
		migrate.WithLocksTableName(migrationLocksTable),
		// Record a migration only once it has committed, so that a failed
		// one runs again next time.
		migrate.WithMarkAppliedOnSuccess(true),
	), ms, nil
}

// Migrate applies the pending migrations, each in its own transaction, and
// does nothing when there are none. Processes may run it at the same time:
// one applies the migrations while the others wait for it (at most two
// minutes) and then find nothing left to do. On PostgreSQL it first creates
// Options.Schema if missing, and serializes through an advisory lock, which
// the server releases if the process dies; on SQL Server likewise through
// an application lock (sp_getapplock); on SQLite through a row in
// openbackbone_migration_locks, which a process killed while migrating
// leaves behind (delete it by hand).
func (s *Store) Migrate(ctx context.Context) error {
	m, _, err := s.migrator()
	if err != nil {
		return err
	}
	if s.schema != "" {
		_, err := s.db.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS ?", bun.Ident(s.schema))
		// Two processes creating the schema at once may race in the
		// catalog; the loser's unique violation means it exists.
		if err != nil && !uniqueViolation(err) {
			return translate("create schema", err)
		}
	}
	unlock, err := s.lockMigrations(ctx, m)
	if err != nil {
		return err
	}
	defer unlock()
	group, err := m.Migrate(ctx)
	if err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	for _, mg := range group.Migrations {
		s.log.InfoContext(ctx, "sqlstore: applied migration", "migration", mg.String())
	}
	return nil
}

// lockMigrations creates the bookkeeping tables and takes the migration
// lock; the returned function releases it.
func (s *Store) lockMigrations(ctx context.Context, m *migrate.Migrator) (unlock func(), err error) {
	ctx, cancel := context.WithTimeout(ctx, migrationLockWait)
	defer cancel()
	switch s.dialect {
	case dialect.PG:
		return s.lockMigrationsPG(ctx, m)
	case dialect.MSSQL:
		return s.lockMigrationsMSSQL(ctx)
	}
	if err := m.Init(ctx); err != nil {
		return nil, fmt.Errorf("sqlstore: create migration tables: %w", err)
	}
	for {
		err := m.Lock(ctx)
		if err == nil {
			return func() {
				if err := m.Unlock(context.WithoutCancel(ctx)); err != nil {
					s.log.Error("sqlstore: release migration lock", "error", err)
				}
			}, nil
		}
		if !uniqueViolation(err) {
			return nil, fmt.Errorf("sqlstore: take migration lock: %w", err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("sqlstore: migration lock held by another process (if none is migrating, delete the row from %s): %w", migrationLocksTable, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// lockMigrationsPG takes a session advisory lock keyed by the schema (see
// lockSession) and creates the bookkeeping tables under it.
func (s *Store) lockMigrationsPG(ctx context.Context, m *migrate.Migrator) (func(), error) {
	unlock, err := s.lockSession(ctx, sessionLock{
		schemaQuery: "SELECT current_schema()",
		try: func(ctx context.Context, conn bun.Conn, name string) (ok bool, err error) {
			err = conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock(?)", advisoryKey(name)).Scan(&ok)
			return ok, err
		},
		release: func(ctx context.Context, conn bun.Conn, name string) error {
			_, err := conn.ExecContext(ctx, "SELECT pg_advisory_unlock(?)", advisoryKey(name))
			return err
		},
	})
	if err != nil {
		return nil, err
	}
	if err := m.Init(ctx); err != nil {
		unlock()
		return nil, fmt.Errorf("sqlstore: create migration tables: %w", err)
	}
	return unlock, nil
}

// advisoryKey is the number PostgreSQL's advisory lock functions know the
// lock named name by.
func advisoryKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return int64(h.Sum64())
}

// MigrationStatus lists migrations by name ("0001_initial"), in order.
type MigrationStatus struct {
	// Applied are the migrations the database has.
	Applied []string
	// Pending are the migrations Migrate would apply.
	Pending []string
	// Unknown are migrations the database has but this build does not
	// know: the database was migrated by a newer version.
	Unknown []string
}

// MigrationStatus reports which migrations the database has and which are
// pending. It changes nothing, also on a database never migrated.
func (s *Store) MigrationStatus(ctx context.Context) (MigrationStatus, error) {
	m, ms, err := s.migrator()
	if err != nil {
		return MigrationStatus{}, err
	}
	var st MigrationStatus
	exists, err := s.tableExists(ctx, migrationsTable)
	if err != nil {
		return st, err
	}
	if !exists {
		for _, mg := range ms.Sorted() {
			st.Pending = append(st.Pending, mg.String())
		}
		return st, nil
	}
	withStatus, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return st, fmt.Errorf("sqlstore: migration status: %w", err)
	}
	for _, mg := range withStatus {
		if mg.IsApplied() {
			st.Applied = append(st.Applied, mg.String())
		} else {
			st.Pending = append(st.Pending, mg.String())
		}
	}
	missing, err := m.MissingMigrations(ctx)
	if err != nil {
		return st, fmt.Errorf("sqlstore: migration status: %w", err)
	}
	for _, mg := range missing {
		st.Unknown = append(st.Unknown, mg.Name)
	}
	slices.Sort(st.Unknown)
	return st, nil
}

func (s *Store) tableExists(ctx context.Context, table string) (bool, error) {
	var n int
	var err error
	switch s.dialect {
	case dialect.SQLite:
		err = s.db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", table).Scan(&n)
	case dialect.PG:
		err = s.db.QueryRowContext(ctx, "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = ?", table).Scan(&n)
	case dialect.MSSQL:
		err = s.db.QueryRowContext(ctx, "SELECT count(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = SCHEMA_NAME() AND TABLE_NAME = ? AND TABLE_TYPE = 'BASE TABLE'", table).Scan(&n)
	default:
		err = errors.New("unsupported dialect")
	}
	if err != nil {
		return false, translate("look up table "+table, err)
	}
	return n > 0, nil
}
