package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	mssql "github.com/microsoft/go-mssqldb"
	"github.com/microsoft/go-mssqldb/msdsn"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/mssqldialect"
	"github.com/uptrace/bun/migrate"
)

// binaryCollation is the collation of every string column and of every
// string the store compares on SQL Server: code-point order and
// case-sensitive equality, as PostgreSQL's "C" and SQLite's default give.
// The server's default collation is usually case-insensitive, which would
// let "abc" and "ABC" collide in unique keys.
const binaryCollation = "Latin1_General_100_BIN2"

func openMSSQL(ctx context.Context, dsn string, opts Options) (*bun.DB, error) {
	cfg, err := msdsn.Parse(dsn)
	if err != nil {
		// go-mssqldb names the offending parameter, never the password.
		return nil, fmt.Errorf("sqlstore: sqlserver DSN: %w", err)
	}
	if cfg.Database == "" {
		return nil, errors.New("sqlstore: sqlserver DSN needs ?database=<name>, so that the tables do not land in the login's default database")
	}
	sqldb := sql.OpenDB(mssql.NewConnectorConfig(cfg))
	sqldb.SetMaxOpenConns(opts.MaxOpenConns)
	sqldb.SetMaxIdleConns(opts.MaxOpenConns)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	sqldb.SetConnMaxLifetime(time.Hour)
	// The dialect asks the server for its version at once, and only logs
	// when it cannot: report an unreachable server as Open's error instead.
	if err := sqldb.PingContext(ctx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("sqlstore: connect: %w", err)
	}
	return bun.NewDB(sqldb, mssqldialect.New()), nil
}

// lockMigrationsMSSQL takes an exclusive session application lock
// (sp_getapplock) keyed by the schema (see lockSession). bun's Migrator.Init cannot create its tables twice on SQL Server
// (no CREATE TABLE IF NOT EXISTS), so the migrations table is created here,
// under the lock, when missing; the locks table is not needed.
func (s *Store) lockMigrationsMSSQL(ctx context.Context) (func(), error) {
	unlock, err := s.lockSession(ctx, sessionLock{
		schemaQuery: "SELECT SCHEMA_NAME()",
		try: func(ctx context.Context, conn bun.Conn, name string) (bool, error) {
			// 0: granted; 1: granted after waiting; negative: not granted.
			var status int
			err := conn.QueryRowContext(ctx, "DECLARE @r int; EXEC @r = sp_getapplock @Resource = ?, @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = 0; SELECT @r", name).Scan(&status)
			return status >= 0, err
		},
		release: func(ctx context.Context, conn bun.Conn, name string) error {
			_, err := conn.ExecContext(ctx, "EXEC sp_releaseapplock @Resource = ?, @LockOwner = 'Session'", name)
			return err
		},
	})
	if err != nil {
		return nil, err
	}
	exists, err := s.tableExists(ctx, migrationsTable)
	if err == nil && !exists {
		_, err = s.db.NewCreateTable().Model((*migrate.Migration)(nil)).ModelTableExpr(migrationsTable).Exec(ctx)
	}
	if err != nil {
		unlock()
		return nil, fmt.Errorf("sqlstore: create migration tables: %w", err)
	}
	return unlock, nil
}

// mergeRows renders one SQL Server MERGE that inserts the rows, or updates
// the columns update of those whose key columns match an existing row:
// the upsert PostgreSQL and SQLite write as INSERT … ON CONFLICT DO UPDATE.
// HOLDLOCK keeps the key range locked from the match to the write, so
// that concurrent merges of one key leave one row. Each row holds a value
// per column of cols, in order; output, if not empty, is an OUTPUT clause
// ("inserted.a, inserted.b"). A column of the VALUES list takes its type
// from its values, and one of only NULLs is an int, which SQL Server does
// not convert to datetime2: rows carry no NULL times.
func mergeRows(db bun.IDB, table string, cols, key, update []string, rows [][]any, output string) *bun.RawQuery {
	var b strings.Builder
	args := make([]any, 0, 1+len(rows)*len(cols)+2*len(cols))
	b.WriteString("MERGE INTO ? WITH (HOLDLOCK) AS t USING (VALUES ")
	args = append(args, bun.Ident(table))
	for i, row := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(")
		for j, v := range row {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("?")
			args = append(args, v)
		}
		b.WriteString(")")
	}
	b.WriteString(") AS s (")
	args = writeColumns(&b, args, cols, ", ", "?")
	b.WriteString(") ON ")
	args = writeColumns(&b, args, key, " AND ", "t.? = s.?")
	if len(update) > 0 {
		b.WriteString(" WHEN MATCHED THEN UPDATE SET ")
		args = writeColumns(&b, args, update, ", ", "? = s.?")
	}
	b.WriteString(" WHEN NOT MATCHED THEN INSERT (")
	args = writeColumns(&b, args, cols, ", ", "?")
	b.WriteString(") VALUES (")
	args = writeColumns(&b, args, cols, ", ", "s.?")
	b.WriteString(")")
	if output != "" {
		b.WriteString(" OUTPUT " + output)
	}
	// A MERGE must end with a semicolon.
	b.WriteString(";")
	return db.NewRaw(b.String(), args...)
}

// writeColumns writes format once per column of cols, joined by sep, and
// appends to args the column's name for each "?" of format.
func writeColumns(b *strings.Builder, args []any, cols []string, sep, format string) []any {
	n := strings.Count(format, "?")
	for j, c := range cols {
		if j > 0 {
			b.WriteString(sep)
		}
		b.WriteString(format)
		for range n {
			args = append(args, bun.Ident(c))
		}
	}
	return args
}

// mssqlMaxInsertRows is the most rows one INSERT … VALUES may hold on SQL
// Server.
const mssqlMaxInsertRows = 1000

// insertInChunks inserts the rows of model, a pointer to a slice, with one
// INSERT per size rows.
func insertInChunks(ctx context.Context, db bun.IDB, model any, size int) error {
	rows := reflect.ValueOf(model).Elem()
	for i := 0; i < rows.Len(); i += size {
		chunk := reflect.New(rows.Type())
		chunk.Elem().Set(rows.Slice(i, min(i+size, rows.Len())))
		if _, err := db.NewInsert().Model(chunk.Interface()).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}
