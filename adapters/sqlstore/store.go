// Package sqlstore implements driver.Store on SQL databases through bun:
// SQLite (pure Go, modernc.org/sqlite), PostgreSQL (pgdriver) and SQL
// Server (github.com/microsoft/go-mssqldb).
//
// Open connects; Migrate creates or upgrades the tables and is not run by
// Open, so that deployments choose when the schema changes:
//
//	store, err := sqlstore.Open(ctx, "sqlite:data/backbone.db", sqlstore.Options{})
//	…
//	err = store.Migrate(ctx)
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/dialect/feature"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/pgdriver"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// Options configure a Store. The zero value is valid.
type Options struct {
	// Schema is the PostgreSQL schema that holds every table of the store,
	// including the migration bookkeeping. Migrate creates it if missing.
	// It must match [a-z_][a-z0-9_]{0,62}. Empty means the server's
	// search_path (usually "public"). Not supported on SQLite or SQL
	// Server: there the DSN's database (and the login's default schema)
	// holds the tables.
	Schema string
	// Logger receives the store's records: applied migrations at Info,
	// retried transactions at Debug. Nil discards them.
	Logger *slog.Logger
	// MaxOpenConns bounds the connection pool. Zero means 4 × GOMAXPROCS
	// (at least 4); an in-memory SQLite database always uses one
	// connection, because each connection would see a database of its own.
	MaxOpenConns int
	// TxAttempts is how often InTx runs a transaction that keeps failing
	// with serialization failures or deadlocks before it gives up with
	// driver.ErrBusy. Zero means 25: PostgreSQL's serializable isolation
	// locks index pages, not only rows, so under concurrent load even
	// unrelated transactions conflict now and then; 8–32 concurrent
	// clients needed up to 10 attempts in our load runs.
	TxAttempts int
}

var (
	schemaPattern = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)
	schemePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]{0,30}$`)
)

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxOpenConns == 0 {
		o.MaxOpenConns = max(4, 4*runtime.GOMAXPROCS(0))
	}
	if o.TxAttempts == 0 {
		o.TxAttempts = defaultTxAttempts
	}
	return o
}

func (o Options) validate(d dialect.Name) error {
	if o.TxAttempts < 0 {
		return fmt.Errorf("sqlstore: Options.TxAttempts must not be negative, got %d", o.TxAttempts)
	}
	if o.MaxOpenConns < 0 {
		return fmt.Errorf("sqlstore: Options.MaxOpenConns must not be negative, got %d", o.MaxOpenConns)
	}
	if o.Schema != "" {
		if d != dialect.PG {
			return errors.New("sqlstore: Options.Schema is supported on PostgreSQL only")
		}
		if !schemaPattern.MatchString(o.Schema) {
			return fmt.Errorf("sqlstore: Options.Schema %q must match %s", o.Schema, schemaPattern)
		}
	}
	return nil
}

// Store is a driver.Store on a SQL database. It is safe for concurrent use.
type Store struct {
	stores
	db      *bun.DB
	dialect dialect.Name
	schema  string // PostgreSQL only; empty for the search_path default
	log     *slog.Logger
	// txAttempts is Options.TxAttempts with its default.
	txAttempts int
	closeOnce  sync.Once
	closeErr   error
}

var _ driver.Store = (*Store)(nil)

// DSN forms Open accepts, for error messages.
const knownDSNs = "sqlite:<path>, sqlite://<path>, sqlite::memory:, postgres://…, postgresql://…, sqlserver://…"

// Open connects to the database the DSN names and checks that it answers.
// It does not create or change tables; call Migrate for that.
//
//   - sqlite:<path> or sqlite://<path>: a SQLite database file, relative to
//     the working directory or absolute (sqlite:///var/lib/backbone.db). The
//     file and its parent directories are created if missing. The DSN takes
//     no query parameters; the store sets WAL journaling, a 5 s busy
//     timeout, foreign keys and immediate write transactions itself.
//   - sqlite::memory:: a private in-memory database on one connection, for
//     tests. It vanishes on Close.
//   - postgres://user:password@host:port/database?sslmode=… (or
//     postgresql://): PostgreSQL through pgdriver. Query parameters are
//     pgdriver's (sslmode, sslrootcert, sslcert, sslkey, application_name,
//     connect_timeout, dial_timeout, read_timeout, write_timeout, timeout);
//     any other is sent to the server as a run-time parameter, which
//     rejects names it does not know.
//   - sqlserver://user:password@host:port?database=name&…: SQL Server
//     through go-mssqldb, whose URL form and query parameters (encrypt,
//     TrustServerCertificate, certificate, app name, connection timeout,
//     dial timeout, …) it takes unchanged. The database parameter is
//     required, so that the tables never land in the login's default
//     database (often master). Times are stored as datetime2(6) in UTC,
//     strings as nvarchar with a binary collation, so that comparisons and
//     order are by code point as on the other databases.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	opts = opts.withDefaults()
	var (
		db  *bun.DB
		err error
	)
	scheme, _, _ := strings.Cut(dsn, ":")
	switch strings.ToLower(scheme) {
	case "sqlite":
		if err = opts.validate(dialect.SQLite); err == nil {
			db, err = openSQLite(dsn, opts)
		}
	case "postgres", "postgresql":
		if err = opts.validate(dialect.PG); err == nil {
			db, err = openPostgres(dsn, opts)
		}
	case "sqlserver":
		if err = opts.validate(dialect.MSSQL); err == nil {
			db, err = openMSSQL(ctx, dsn, opts)
		}
	default:
		// Never echo the DSN beyond a plausible scheme: it may carry a
		// password.
		if !schemePattern.MatchString(scheme) || scheme == dsn {
			return nil, fmt.Errorf("sqlstore: DSN has no known scheme (known: %s)", knownDSNs)
		}
		return nil, fmt.Errorf("sqlstore: unknown database scheme %q (known: %s)", scheme, knownDSNs)
	}
	if err != nil {
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlstore: connect: %w", err)
	}
	st := &Store{db: db, dialect: db.Dialect().Name(), schema: opts.Schema, log: opts.Logger, txAttempts: opts.TxAttempts}
	st.stores = stores{db: db, root: st}
	return st, nil
}

// sqliteParams are the connection settings of every SQLite connection:
// WAL lets readers run beside the one writer; the busy timeout makes a
// writer wait for the lock instead of failing; _txlock=immediate takes the
// write lock at BEGIN, so two read-modify-write transactions never both
// hold a read snapshot and deadlock on the upgrade.
const sqliteParams = "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"

func openSQLite(dsn string, opts Options) (*bun.DB, error) {
	path := strings.TrimPrefix(dsn[len("sqlite:"):], "//")
	switch {
	case path == "":
		return nil, errors.New("sqlstore: sqlite DSN needs a path: sqlite:<path> or sqlite::memory:")
	case strings.ContainsAny(path, "?#"):
		return nil, errors.New("sqlstore: sqlite DSN takes no query parameters")
	}
	memory := path == ":memory:"
	if !memory {
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("sqlstore: create database directory: %w", err)
			}
		}
	}
	sqldb, err := sql.Open("sqlite", path+"?"+sqliteParams)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open sqlite: %w", err)
	}
	if memory {
		// Every connection to :memory: opens a new, empty database; keep
		// exactly one, forever.
		opts.MaxOpenConns = 1
	}
	sqldb.SetMaxOpenConns(opts.MaxOpenConns)
	// Idle connections are cheap for SQLite, and reopening one reruns the
	// pragmas; keep them all.
	sqldb.SetMaxIdleConns(opts.MaxOpenConns)
	sqldb.SetConnMaxLifetime(0)
	sqldb.SetConnMaxIdleTime(0)
	return bun.NewDB(sqldb, sqlitedialect.New()), nil
}

func openPostgres(dsn string, opts Options) (_ *bun.DB, err error) {
	u, err := url.Parse(dsn)
	if err != nil {
		// url.Parse quotes the whole DSN in its message; don't.
		return nil, errors.New("sqlstore: malformed postgres DSN")
	}
	if opts.Schema != "" && u.Query().Has("search_path") {
		return nil, errors.New("sqlstore: set either Options.Schema or the DSN's search_path, not both")
	}
	pgOpts := []pgdriver.Option{pgdriver.WithDSN(dsn)}
	if opts.Schema != "" {
		pgOpts = append(pgOpts, func(c *pgdriver.Config) {
			params := make(map[string]any, len(c.ConnParams)+1)
			for k, v := range c.ConnParams {
				params[k] = v
			}
			params["search_path"] = opts.Schema
			c.ConnParams = params
		})
	}
	// pgdriver.WithDSN panics on a DSN it cannot use.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("sqlstore: postgres DSN: %v", r)
		}
	}()
	sqldb := sql.OpenDB(pgdriver.NewConnector(pgOpts...))
	sqldb.SetMaxOpenConns(opts.MaxOpenConns)
	sqldb.SetMaxIdleConns(opts.MaxOpenConns)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	sqldb.SetConnMaxLifetime(time.Hour)
	return bun.NewDB(sqldb, pgdialect.New()), nil
}

// Close closes the database connections. Calling it again returns the
// first call's result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.db.Close() })
	return s.closeErr
}

// DropSchema removes Options.Schema with every table in it. It is meant for
// tests that isolate themselves in a schema of their own, and fails unless
// the store is on PostgreSQL with a Schema.
func (s *Store) DropSchema(ctx context.Context) error {
	if s.dialect != dialect.PG || s.schema == "" {
		return errors.New("sqlstore: DropSchema needs PostgreSQL and Options.Schema")
	}
	_, err := s.db.ExecContext(ctx, "DROP SCHEMA IF EXISTS ? CASCADE", bun.Ident(s.schema))
	return translate("drop schema", err)
}

// Transaction retries: enough to ride out the serialization failures of a
// busy PostgreSQL (see Options.TxAttempts), short enough to give up while a
// client still waits (about 5 s at most).
const (
	defaultTxAttempts = 25
	txBackoffBase     = 2 * time.Millisecond
	txBackoffMax      = 250 * time.Millisecond
)

// InTx runs fn in one transaction and commits iff fn returns nil; fn's error
// comes back unchanged. On PostgreSQL the transaction is SERIALIZABLE and is
// run again (Options.TxAttempts times, with jittered backoff) when the database
// reports a serialization failure (40001) or deadlock (40P01); on SQL Server
// it is SERIALIZABLE (key-range locks) and is run again when chosen as a
// deadlock victim (1205) or on a snapshot update conflict (3960); on SQLite the
// transaction holds the write lock from BEGIN, and is run again when the
// lock stays busy past the busy timeout. When the attempts run out, the
// error wraps driver.ErrBusy.
func (s *Store) InTx(ctx context.Context, fn func(tx driver.Tx) error) error {
	return s.inTx(ctx, func(tx bun.Tx) error { return fn(stores{db: tx}) })
}

// inTx is InTx on a bun.Tx, for the stores' own multi-statement writes.
func (s *Store) inTx(ctx context.Context, fn func(tx bun.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := s.runTx(ctx, fn)
		if err == nil || !retryable(err) {
			return err
		}
		if attempt >= s.txAttempts {
			// Nothing was written; tell the caller it may try again.
			return fmt.Errorf("sqlstore: transaction gave up after %d attempts: %w: %w", attempt, driver.ErrBusy, err)
		}
		wait := min(txBackoffBase<<(attempt-1), txBackoffMax)
		wait = wait/2 + rand.N(wait/2+1)
		s.log.DebugContext(ctx, "sqlstore: retrying transaction", "attempt", attempt, "wait", wait, "error", err)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

func (s *Store) runTx(ctx context.Context, fn func(tx bun.Tx) error) (err error) {
	var txOpts *sql.TxOptions
	if s.dialect == dialect.PG || s.dialect == dialect.MSSQL {
		txOpts = &sql.TxOptions{Isolation: sql.LevelSerializable}
	}
	tx, err := s.db.BeginTx(ctx, txOpts)
	if err != nil {
		return translate("begin transaction", err)
	}
	done := false
	defer func() {
		if !done { // fn panicked
			_ = tx.Rollback()
		}
	}()
	if err := fn(tx); err != nil {
		done = true
		_ = tx.Rollback()
		return err
	}
	done = true
	return translate("commit", tx.Commit())
}

// stores hands out the per-aggregate stores on a bun.IDB: the *bun.DB for
// Store (each call autocommits), a bun.Tx inside InTx.
type stores struct {
	db bun.IDB
	// root is the Store whose own view this is; nil inside InTx.
	root *Store
}

func (s stores) Challenges() driver.ChallengeStore         { return challengeStore{s.db} }
func (s stores) Identities() driver.IdentityStore          { return identityStore{s.db} }
func (s stores) Devices() driver.DeviceStore               { return deviceStore{s.db} }
func (s stores) Clients() driver.ClientStore               { return clientStore{s.db} }
func (s stores) Tiers() driver.TierStore                   { return tierStore{s.db} }
func (s stores) SyncRuns() driver.SyncRunStore             { return syncRunStore(s) }
func (s stores) ExternalEvents() driver.ExternalEventStore { return externalEventStore(s) }
func (s stores) Datawallets() driver.DatawalletStore       { return datawalletStore(s) }
func (s stores) Outbox() driver.OutboxStore                { return outboxStore(s) }
func (s stores) Relationships() driver.RelationshipStore   { return relationshipStore(s) }
func (s stores) RelationshipTemplates() driver.RelationshipTemplateStore {
	return relationshipTemplateStore(s)
}
func (s stores) Messages() driver.MessageStore { return messageStore(s) }
func (s stores) Tokens() driver.TokenStore     { return tokenStore(s) }
func (s stores) Files() driver.FileStore       { return fileStore(s) }
func (s stores) PushRegistrations() driver.PushRegistrationStore {
	return pushRegistrationStore{s.db}
}
func (s stores) Announcements() driver.AnnouncementStore { return announcementStore(s) }
func (s stores) Admin() driver.AdminStore                { return adminStore(s) }
func (s stores) Quotas() driver.QuotaStore               { return quotaStore(s) }
func (s stores) Deletion() driver.DeletionStore          { return deletionStore(s) }

// atomic runs fn, whose statements must commit together, in the view's
// transaction; on the Store's own view, in a transaction of its own that is
// retried like InTx's.
func (s stores) atomic(ctx context.Context, fn func(db bun.IDB) error) error {
	if s.root == nil {
		return fn(s.db)
	}
	return s.root.inTx(ctx, func(tx bun.Tx) error { return fn(tx) })
}

// insert stores a new row and reports a duplicate key as ErrConflict.
// Where the dialect has INSERT … ON CONFLICT DO NOTHING, the duplicate is
// skipped rather than raised, so that a PostgreSQL transaction stays usable
// after ErrConflict; elsewhere the unique violation is translated (SQL
// Server ends only the statement, not the transaction, on one).
func insert(ctx context.Context, db bun.IDB, op string, model any) error {
	return translate(op, insertRows(ctx, db, model, 1))
}

// insertRows is insert for a model of n rows, returning the native error
// (errDuplicate for a skipped row). On a duplicate, rows inserted before it
// may remain: run it in a transaction that is rolled back on error.
func insertRows(ctx context.Context, db bun.IDB, model any, n int) error {
	if n > mssqlMaxInsertRows && db.Dialect().Name() == dialect.MSSQL {
		return insertInChunks(ctx, db, model, mssqlMaxInsertRows)
	}
	q := db.NewInsert().Model(model)
	if !db.Dialect().Features().Has(feature.InsertOnConflict) {
		_, err := q.Exec(ctx)
		return err
	}
	res, err := q.On("CONFLICT DO NOTHING").Exec(ctx)
	if err != nil {
		return err
	}
	if got, err := res.RowsAffected(); err != nil {
		return err
	} else if got < int64(n) {
		return errDuplicate
	}
	return nil
}

// affectedOne turns an UPDATE's or DELETE's result into ErrNotFound when
// no row matched.
func affectedOne(op string, res sql.Result, err error) error {
	if err != nil {
		return translate(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return translate(op, err)
	}
	if n == 0 {
		return translate(op, sql.ErrNoRows)
	}
	return nil
}

// rowsAffected returns how many rows an UPDATE or DELETE touched.
func rowsAffected(op string, res sql.Result, err error) (int, error) {
	if err != nil {
		return 0, translate(op, err)
	}
	n, err := res.RowsAffected()
	return int(n), translate(op, err)
}

// rowsMatched is affectedOne without the translation, for statements inside
// atomic: sql.ErrNoRows when the UPDATE or DELETE matched no row.
func rowsMatched(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err == nil && n == 0 {
		err = sql.ErrNoRows
	}
	return err
}
