package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

var (
	_ driver.Pinger          = (*Store)(nil)
	_ driver.OutboxInspector = outboxStore{}
)

// Ping runs a trivial query, so that a database that accepts connections
// but cannot answer (recovering, out of connections) counts as down.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.db.NewRaw("SELECT 1").Scan(ctx, &one); err != nil {
		return translate("ping", err)
	}
	return nil
}

// Backlog counts the outbox messages in one aggregate query; created_at is
// indexed with the claim order, so MIN is cheap.
func (s outboxStore) Backlog(ctx context.Context) (driver.OutboxBacklog, error) {
	var row struct {
		Count  int        `bun:"n"`
		Oldest *timestamp `bun:"oldest"`
	}
	err := s.db.NewSelect().Model((*outboxMessageModel)(nil)).
		ColumnExpr("COUNT(*) AS n").ColumnExpr("MIN(created_at) AS oldest").
		Scan(ctx, &row)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return driver.OutboxBacklog{}, translate("outbox backlog", err)
	}
	b := driver.OutboxBacklog{Count: row.Count}
	if row.Oldest != nil {
		b.Oldest = row.Oldest.Time
	}
	return b, nil
}
