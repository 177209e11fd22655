package sqlstore

import (
	"context"
	"database/sql"
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

// claimLock makes concurrent claimers pass over the rows another one is
// claiming, on PostgreSQL with FOR UPDATE SKIP LOCKED. SQLite has one
// writer at a time and needs none.
func claimLock(q *bun.SelectQuery) *bun.SelectQuery {
	q = q.Model((*outboxMessageModel)(nil))
	if q.Dialect().Name() == dialect.PG {
		q = q.For("UPDATE SKIP LOCKED")
	}
	return q
}

// claimStatement is a query Claim executes, scanning the claimed rows.
type claimStatement interface {
	Exec(ctx context.Context, dest ...any) (sql.Result, error)
	String() string
}

// claimQuery is Claim's one statement: the oldest claimable messages,
// taken and leased at once, so that no other claimer can get them in
// between.
func claimQuery(db bun.IDB, now, leaseUntil time.Time, limit int) claimStatement {
	where, args := claimable(now)
	if db.Dialect().Name() == dialect.MSSQL {
		return claimQueryMSSQL(db, where, args, leaseUntil, limit)
	}
	oldest := db.NewSelect().Apply(claimLock).Column("id").
		Where(where, args...).OrderExpr("created_at, id").Limit(int64(limit))
	return db.NewUpdate().Model((*outboxMessageModel)(nil)).
		Set("lease_until = ?", newTimestamp(leaseUntil)).
		Where("id IN (?)", oldest).
		Where(where, args...).
		Returning("id, topic, body, created_at")
}

// claimQueryMSSQL is SQL Server's queue idiom: an UPDATE through a CTE that
// reads the oldest rows with UPDLOCK (keep what is read locked for the
// update), READPAST (skip rows other claimers hold) and ROWLOCK (no coarser
// locks that would hide unclaimed rows). SQL Server refuses READPAST in a
// SERIALIZABLE transaction: Claim works on the Store, not inside InTx, as
// the relay calls it.
func claimQueryMSSQL(db bun.IDB, where string, args []any, leaseUntil time.Time, limit int) claimStatement {
	return db.NewRaw("WITH claimed AS (SELECT TOP (?) id, topic, body, created_at, lease_until FROM outbox_messages WITH (UPDLOCK, READPAST, ROWLOCK) "+
		"WHERE "+where+" ORDER BY created_at, id) "+
		"UPDATE claimed SET lease_until = ? OUTPUT inserted.id, inserted.topic, inserted.body, inserted.created_at",
		append(append([]any{limit}, args...), newTimestamp(leaseUntil))...)
}

func (s outboxStore) Claim(ctx context.Context, now, leaseUntil time.Time, limit int) ([]driver.OutboxMessage, error) {
	if limit <= 0 {
		return []driver.OutboxMessage{}, nil
	}
	var ms []outboxMessageModel
	_, err := claimQuery(s.db, now, leaseUntil, limit).Exec(ctx, &ms)
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
