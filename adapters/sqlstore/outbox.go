package sqlstore

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

type outboxMessageModel struct {
	bun.BaseModel `bun:"table:outbox_messages"`

	ID         string     `bun:"id,pk"`
	Topic      string     `bun:"topic,notnull"`
	Body       []byte     `bun:"body,notnull"`
	CreatedAt  timestamp  `bun:"created_at,notnull"`
	LeaseUntil *timestamp `bun:"lease_until"`
}

func (m *outboxMessageModel) record() driver.OutboxMessage {
	return driver.OutboxMessage{ID: m.ID, Topic: m.Topic, Body: m.Body, CreatedAt: m.CreatedAt.Time}
}

type outboxStore stores

func (s outboxStore) Append(ctx context.Context, msgs ...driver.OutboxMessage) error {
	if len(msgs) == 0 {
		return nil
	}
	ms := make([]outboxMessageModel, len(msgs))
	for i, m := range msgs {
		body := m.Body
		if body == nil {
			body = []byte{} // bun writes a nil slice as NULL
		}
		ms[i] = outboxMessageModel{ID: m.ID, Topic: m.Topic, Body: body, CreatedAt: newTimestamp(m.CreatedAt)}
	}
	if len(ms) == 1 {
		return insert(ctx, s.db, "append outbox message", &ms[0])
	}
	// Several rows must all be stored or none: in a transaction of their
	// own, or in the caller's.
	err := stores(s).atomic(ctx, func(db bun.IDB) error { return insertRows(ctx, db, &ms, len(ms)) })
	return translate("append outbox messages", err)
}

// claimable selects the messages whose lease, if any, ended by now.
func claimable(now time.Time) (string, []any) {
	return "(lease_until IS NULL OR lease_until <= ?)", []any{newTimestamp(now)}
}

// claimLock is the FOR clause that lets concurrent claimers pass over the
// rows another one is claiming, where the dialect has one (SQL Server would
// use the READPAST hint instead). SQLite has one writer at a time and needs
// none.
func claimLock(d dialect.Name) string {
	if d == dialect.PG {
		return "UPDATE SKIP LOCKED"
	}
	return ""
}

func (s outboxStore) Claim(ctx context.Context, now, leaseUntil time.Time, limit int) ([]driver.OutboxMessage, error) {
	if limit <= 0 {
		return []driver.OutboxMessage{}, nil
	}
	where, args := claimable(now)
	// One statement: the oldest claimable messages, taken and leased at
	// once, so that no other claimer can get them in between.
	oldest := s.db.NewSelect().Model((*outboxMessageModel)(nil)).Column("id").
		Where(where, args...).OrderExpr("created_at, id").Limit(int64(limit)).
		Apply(func(q *bun.SelectQuery) *bun.SelectQuery {
			if lock := claimLock(s.db.Dialect().Name()); lock != "" {
				q = q.For(lock)
			}
			return q
		})
	var ms []outboxMessageModel
	_, err := s.db.NewUpdate().Model((*outboxMessageModel)(nil)).
		Set("lease_until = ?", newTimestamp(leaseUntil)).
		Where("id IN (?)", oldest).
		Where(where, args...).
		Returning("id, topic, body, created_at").
		Exec(ctx, &ms)
	if err != nil {
		return nil, translate("claim outbox messages", err)
	}
	slices.SortFunc(ms, func(a, b outboxMessageModel) int {
		if c := a.CreatedAt.Compare(b.CreatedAt.Time); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	out := make([]driver.OutboxMessage, len(ms))
	for i := range ms {
		out[i] = ms[i].record()
	}
	return out, nil
}

func (s outboxStore) Delete(ctx context.Context, ids []string) error {
	err := forChunks(ids, func(chunk []string) error {
		_, err := s.db.NewDelete().Model((*outboxMessageModel)(nil)).Where("id IN (?)", bun.In(chunk)).Exec(ctx)
		return err
	})
	return translate("delete outbox messages", err)
}
