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
// (sp_getapplock) keyed by the schema on a connection of its own, which the
// server releases if the process dies, polling so that no statement waits
// long. bun's Migrator.Init cannot create its tables twice on SQL Server
// (no CREATE TABLE IF NOT EXISTS), so the migrations table is created here,
// under the lock, when missing; the locks table is not needed.
func (s *Store) lockMigrationsMSSQL(ctx context.Context) (func(), error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, translate("migration lock connection", err)
	}
	var schema string
	if err := conn.QueryRowContext(ctx, "SELECT SCHEMA_NAME()").Scan(&schema); err != nil {
		conn.Close()
		return nil, translate("current schema", err)
	}
	resource := "openbackbone/sqlstore migrate " + schema
	for {
		var status int
		// 0: granted; 1: granted after waiting; negative: not granted.
		err := conn.QueryRowContext(ctx, "DECLARE @r int; EXEC @r = sp_getapplock @Resource = ?, @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = 0; SELECT @r", resource).Scan(&status)
		if err != nil {
			conn.Close()
			return nil, translate("take migration lock", err)
		}
		if status >= 0 {
			break
		}
		select {
		case <-ctx.Done():
			conn.Close()
			return nil, fmt.Errorf("sqlstore: migration lock held by another process: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	unlock := func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), "EXEC sp_releaseapplock @Resource = ?, @LockOwner = 'Session'", resource); err != nil {
			s.log.Error("sqlstore: release migration lock", "error", err)
		}
		conn.Close()
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
	for j, c := range cols {
		if j > 0 {
			b.WriteString(", ")
		}
		b.WriteString("?")
		args = append(args, bun.Ident(c))
	}
	b.WriteString(") ON ")
	for j, c := range key {
		if j > 0 {
			b.WriteString(" AND ")
		}
		b.WriteString("t.? = s.?")
		args = append(args, bun.Ident(c), bun.Ident(c))
	}
	if len(update) > 0 {
		b.WriteString(" WHEN MATCHED THEN UPDATE SET ")
		for j, c := range update {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("? = s.?")
			args = append(args, bun.Ident(c), bun.Ident(c))
		}
	}
	b.WriteString(" WHEN NOT MATCHED THEN INSERT (")
	for j, c := range cols {
		if j > 0 {
			b.WriteString(", ")
		}
		b.WriteString("?")
		args = append(args, bun.Ident(c))
	}
	b.WriteString(") VALUES (")
	for j, c := range cols {
		if j > 0 {
			b.WriteString(", ")
		}
		b.WriteString("s.?")
		args = append(args, bun.Ident(c))
	}
	b.WriteString(")")
	if output != "" {
		b.WriteString(" OUTPUT " + output)
	}
	// A MERGE must end with a semicolon.
	b.WriteString(";")
	return db.NewRaw(b.String(), args...)
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
