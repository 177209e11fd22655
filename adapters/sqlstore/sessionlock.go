package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// sessionLock is a migration lock that a database session holds: the server
// lets it go when the connection does, so a migrator that dies leaves no
// stale lock behind. PostgreSQL and SQL Server each have one.
type sessionLock struct {
	// schemaQuery returns the current schema, which names the lock, so that
	// stores in different schemas of one database migrate independently.
	schemaQuery string
	// try takes the lock without waiting and reports whether it got it.
	try func(ctx context.Context, conn bun.Conn, name string) (bool, error)
	// release lets the lock go.
	release func(ctx context.Context, conn bun.Conn, name string) error
}

// lockSession takes l on a connection of its own, polling so that no
// statement waits long or outlasts the driver's read timeout, until ctx ends.
// The returned function releases the lock and the connection.
func (s *Store) lockSession(ctx context.Context, l sessionLock) (unlock func(), err error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, translate("migration lock connection", err)
	}
	var schema string
	if err := conn.QueryRowContext(ctx, l.schemaQuery).Scan(&schema); err != nil {
		conn.Close()
		return nil, translate("current schema", err)
	}
	name := "openbackbone/sqlstore migrate " + schema
	for {
		ok, err := l.try(ctx, conn, name)
		if err != nil {
			conn.Close()
			return nil, translate("take migration lock", err)
		}
		if ok {
			break
		}
		select {
		case <-ctx.Done():
			conn.Close()
			return nil, fmt.Errorf("sqlstore: migration lock held by another process: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	return func() {
		if err := l.release(context.WithoutCancel(ctx), conn, name); err != nil {
			s.log.Error("sqlstore: release migration lock", "error", err)
		}
		conn.Close()
	}, nil
}
