package sqlstore

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

type externalEventModel struct {
	bun.BaseModel `bun:"table:external_events"`

	ID                string    `bun:"id,pk"`
	Owner             string    `bun:"owner,notnull"`
	Index             int64     `bun:"idx,notnull"`
	Type              string    `bun:"type,notnull"`
	CreatedAt         timestamp `bun:"created_at,notnull"`
	Payload           []byte    `bun:"payload,notnull"`
	SyncRunID         string    `bun:"sync_run_id,nullzero"`
	SyncErrorCount    int       `bun:"sync_error_count,notnull"`
	IsDeliveryBlocked bool      `bun:"is_delivery_blocked,notnull"`
	Context           string    `bun:"context_id,nullzero"`
}

func toExternalEventModel(e driver.ExternalEvent) *externalEventModel {
	payload := e.Payload
	if payload == nil {
		payload = []byte{} // bun writes a nil slice as NULL
	}
	return &externalEventModel{
		ID: e.ID, Owner: e.Owner, Index: e.Index, Type: e.Type, CreatedAt: newTimestamp(e.CreatedAt), Payload: payload,
		SyncRunID: e.SyncRunID, SyncErrorCount: e.SyncErrorCount, IsDeliveryBlocked: e.IsDeliveryBlocked, Context: e.Context,
	}
}

func (m *externalEventModel) record() driver.ExternalEvent {
	return driver.ExternalEvent{
		ID: m.ID, Owner: m.Owner, Type: m.Type, Index: m.Index, CreatedAt: m.CreatedAt.Time, Payload: m.Payload,
		SyncRunID: m.SyncRunID, SyncErrorCount: m.SyncErrorCount, IsDeliveryBlocked: m.IsDeliveryBlocked, Context: m.Context,
	}
}

func externalEventRecords(ms []externalEventModel) []driver.ExternalEvent {
	out := make([]driver.ExternalEvent, len(ms))
	for i := range ms {
		out[i] = ms[i].record()
	}
	return out
}

type externalEventStore stores

func (s externalEventStore) Insert(ctx context.Context, e driver.ExternalEvent) (driver.ExternalEvent, error) {
	// Read the highest index and insert the next in one transaction: SQLite
	// holds the write lock throughout; on PostgreSQL a concurrent insert
	// for the owner makes one transaction fail to serialize, and it is
	// retried. The unique index on (owner, idx) backs both.
	err := stores(s).atomic(ctx, func(db bun.IDB) error {
		next, err := nextIndex(ctx, db, (*externalEventModel)(nil), e.Owner)
		if err != nil {
			return err
		}
		e.Index = next
		return insertRows(ctx, db, toExternalEventModel(e), 1)
	})
	if err != nil {
		return driver.ExternalEvent{}, translate("insert external event", err)
	}
	return e, nil
}

// nextIndex returns one past the owner's highest idx in the model's table,
// or 0. The unique (owner, idx) index answers it from its last entry.
func nextIndex(ctx context.Context, db bun.IDB, model any, owner string) (int64, error) {
	var last *int64
	err := db.NewSelect().Model(model).ColumnExpr("max(idx)").Where("owner = ?", owner).Scan(ctx, &last)
	if err != nil || last == nil {
		return 0, err
	}
	return *last + 1, nil
}

func (s externalEventStore) ListDeliverable(ctx context.Context, owner string, maxErrors int) ([]driver.ExternalEvent, error) {
	var ms []externalEventModel
	err := s.db.NewSelect().Model(&ms).
		Where("owner = ? AND sync_run_id IS NULL", owner).
		Where("is_delivery_blocked = ? AND sync_error_count < ?", false, maxErrors).
		OrderExpr("idx").Scan(ctx)
	if err != nil {
		return nil, translate("list deliverable external events", err)
	}
	return externalEventRecords(ms), nil
}

// idChunk bounds the IDs one statement lists, whatever the dialect's limit
// on a statement's size.
const idChunk = 500

// forChunks calls fn with ids in slices of at most idChunk.
func forChunks(ids []string, fn func(chunk []string) error) error {
	for len(ids) > 0 {
		n := min(len(ids), idChunk)
		if err := fn(ids[:n]); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

func (s externalEventStore) AssignToSyncRun(ctx context.Context, ids []string, syncRunID string) error {
	err := stores(s).atomic(ctx, func(db bun.IDB) error {
		return forChunks(ids, func(chunk []string) error {
			_, err := db.NewUpdate().Model((*externalEventModel)(nil)).
				Set("sync_run_id = ?", syncRunID).
				Where("id IN (?)", bun.In(chunk)).
				Exec(ctx)
			return err
		})
	})
	return translate("assign external events", err)
}

func (s externalEventStore) ListBySyncRun(ctx context.Context, syncRunID string, page driver.PageRequest) ([]driver.ExternalEvent, int, error) {
	total, err := s.db.NewSelect().Model((*externalEventModel)(nil)).Where("sync_run_id = ?", syncRunID).Count(ctx)
	if err != nil {
		return nil, 0, translate("count external events of sync run", err)
	}
	var ms []externalEventModel
	err = s.db.NewSelect().Model(&ms).Where("sync_run_id = ?", syncRunID).
		OrderExpr("idx").Limit(int64(page.Size)).Offset(int64(page.Offset())).Scan(ctx)
	if err != nil {
		return nil, 0, translate("list external events of sync run", err)
	}
	return externalEventRecords(ms), int(total), nil
}

func (s externalEventStore) AllBySyncRun(ctx context.Context, syncRunID string) ([]driver.ExternalEvent, error) {
	var ms []externalEventModel
	if err := s.db.NewSelect().Model(&ms).Where("sync_run_id = ?", syncRunID).OrderExpr("idx").Scan(ctx); err != nil {
		return nil, translate("list external events of sync run", err)
	}
	return externalEventRecords(ms), nil
}

func (s externalEventStore) RecordSyncErrors(ctx context.Context, ids []string) error {
	err := stores(s).atomic(ctx, func(db bun.IDB) error {
		return forChunks(ids, func(chunk []string) error {
			_, err := db.NewUpdate().Model((*externalEventModel)(nil)).
				Set("sync_run_id = NULL").
				Set("sync_error_count = sync_error_count + 1").
				Where("id IN (?)", bun.In(chunk)).
				Exec(ctx)
			return err
		})
	})
	return translate("record sync errors", err)
}

func (s externalEventStore) HasUnsyncedWithoutErrors(ctx context.Context, owner string) (bool, error) {
	ok, err := s.db.NewSelect().Model((*externalEventModel)(nil)).
		Where("owner = ? AND sync_run_id IS NULL", owner).
		Where("is_delivery_blocked = ? AND sync_error_count = 0", false).
		Exists(ctx)
	return ok, translate("look for unsynced external events", err)
}

func (s externalEventStore) SetBlockedByContext(ctx context.Context, owner, eventType, context string, blocked bool) error {
	_, err := s.db.NewUpdate().Model((*externalEventModel)(nil)).
		Set("is_delivery_blocked = ?", blocked).
		Where("owner = ? AND context_id = ? AND type = ?", owner, context, eventType).
		Exec(ctx)
	return translate("block external events", err)
}

func (s externalEventStore) DeleteUnsyncedByContext(ctx context.Context, owner, context string, onlyBlocked bool) error {
	q := s.db.NewDelete().Model((*externalEventModel)(nil)).
		Where("owner = ? AND context_id = ? AND sync_run_id IS NULL", owner, context)
	if onlyBlocked {
		q = q.Where("is_delivery_blocked = ?", true)
	}
	_, err := q.Exec(ctx)
	return translate("delete external events", err)
}
