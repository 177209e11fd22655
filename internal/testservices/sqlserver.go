package testservices

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	mssql "github.com/microsoft/go-mssqldb"
)

// SQLServerDatabase creates an empty database on SQLServer's server and
// returns a DSN for it (the same DSN with another database parameter); the
// database is dropped when the test ends. SQL Server has no per-connection
// schema, so a database of its own is how a test isolates itself there.
func SQLServerDatabase(t testing.TB) string {
	t.Helper()
	dsn := SQLServer(t)
	name := "t_" + strings.ToLower(rand.Text())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := createDatabase(ctx, dsn, name); err != nil {
		t.Fatalf("SQL Server: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := dropDatabase(ctx, dsn, name); err != nil {
			t.Errorf("SQL Server: %v", err)
		}
	})
	u, err := withDatabase(dsn, name)
	if err != nil {
		t.Fatalf("SQL Server: %v", err)
	}
	return u
}

// withDatabase replaces the database parameter of a sqlserver:// DSN.
func withDatabase(dsn, name string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme != "sqlserver" {
		return "", fmt.Errorf("%s must be a sqlserver://…?database=… URL", SQLServerEnv)
	}
	q := u.Query()
	q.Set("database", name)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// createDatabase creates the database unless it exists, retrying while a
// just-started server still refuses logins.
func createDatabase(ctx context.Context, dsn, name string) error {
	return onServer(ctx, dsn, func(db *sql.DB) error {
		_, err := db.ExecContext(ctx, fmt.Sprintf("IF DB_ID(%s) IS NULL CREATE DATABASE %s", quoteString(name), quoteIdent(name)))
		return err
	})
}

func dropDatabase(ctx context.Context, dsn, name string) error {
	return onServer(ctx, dsn, func(db *sql.DB) error {
		// Pooled connections of the test's stores may still be open.
		_, err := db.ExecContext(ctx, fmt.Sprintf("IF DB_ID(%s) IS NOT NULL BEGIN ALTER DATABASE %s SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE %s END",
			quoteString(name), quoteIdent(name), quoteIdent(name)))
		return err
	})
}

// onServer runs fn on a connection to the DSN's server, in master,
// retrying while the server is not ready.
func onServer(ctx context.Context, dsn string, fn func(db *sql.DB) error) error {
	master, err := withDatabase(dsn, "master")
	if err != nil {
		return err
	}
	c, err := mssql.NewConnector(master)
	if err != nil {
		return fmt.Errorf("%s: %w", SQLServerEnv, err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	for {
		err = fn(db)
		if err == nil || !transient(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Second):
		}
	}
}

func quoteIdent(s string) string  { return "[" + strings.ReplaceAll(s, "]", "]]") + "]" }
func quoteString(s string) string { return "N'" + strings.ReplaceAll(s, "'", "''") + "'" }

// transient reports whether err may pass by itself: no answer yet, or a
// login refused while a just-started server is still recovering (18456),
// rather than an error of the statement, such as a missing permission.
func transient(err error) bool {
	var e mssql.Error
	if errors.As(err, &e) {
		return e.Number == 18456
	}
	return true
}
