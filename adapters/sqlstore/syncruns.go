package sqlstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

type syncRunModel struct {
	bun.BaseModel `bun:"table:sync_runs"`

	ID              string     `bun:"id,pk"`
	Type            int        `bun:"type,notnull"`
	CreatedBy       string     `bun:"created_by,notnull"`
	Index           int64      `bun:"idx,notnull"`
	CreatedAt       timestamp  `bun:"created_at,notnull"`
	ExpiresAt       timestamp  `bun:"expires_at,notnull"`
	CreatedByDevice string     `bun:"created_by_device,notnull"`
	EventCount      int        `bun:"event_count,notnull"`
	FinalizedAt     *timestamp `bun:"finalized_at"`
}

func toSyncRunModel(r driver.SyncRun) *syncRunModel {
	return &syncRunModel{
		ID: r.ID, Type: int(r.Type), CreatedBy: r.CreatedBy, Index: r.Index, CreatedAt: newTimestamp(r.CreatedAt),
		ExpiresAt: newTimestamp(r.ExpiresAt), CreatedByDevice: r.CreatedByDevice, EventCount: r.EventCount,
		FinalizedAt: newTimestampPtr(r.FinalizedAt),
	}
}

func (m *syncRunModel) record() driver.SyncRun {
	return driver.SyncRun{
		ID: m.ID, Type: driver.SyncRunType(m.Type), Index: m.Index, CreatedAt: m.CreatedAt.Time, ExpiresAt: m.ExpiresAt.Time,
		CreatedBy: m.CreatedBy, CreatedByDevice: m.CreatedByDevice, EventCount: m.EventCount, FinalizedAt: m.FinalizedAt.ptr(),
	}
}

type syncRunStore stores

func (s syncRunStore) Insert(ctx context.Context, r driver.SyncRun) error {
	// The unique index on (created_by, idx) turns a concurrent start into
	// ErrConflict, or on PostgreSQL into a serialization failure that InTx
	// retries.
	return insert(ctx, s.db, "insert sync run", toSyncRunModel(r))
}

func (s syncRunStore) Get(ctx context.Context, id string) (driver.SyncRun, error) {
	var m syncRunModel
	if err := s.db.NewSelect().Model(&m).Where("id = ?", id).Scan(ctx); err != nil {
		return driver.SyncRun{}, translate("get sync run", err)
	}
	return m.record(), nil
}

func (s syncRunStore) Latest(ctx context.Context, identity string) (driver.SyncRun, error) {
	var m syncRunModel
	err := s.db.NewSelect().Model(&m).Where("created_by = ?", identity).OrderExpr("idx DESC").Limit(1).Scan(ctx)
	if err != nil {
		return driver.SyncRun{}, translate("get latest sync run", err)
	}
	return m.record(), nil
}

func (s syncRunStore) Update(ctx context.Context, r driver.SyncRun) error {
	res, err := s.db.NewUpdate().Model(toSyncRunModel(r)).Column("expires_at", "finalized_at").WherePK().Exec(ctx)
	return affectedOne("update sync run", res, err)
}

func (s syncRunStore) DeleteFinalizedBefore(ctx context.Context, t time.Time) (int, error) {
	var n int64
	err := stores(s).atomic(ctx, func(db bun.IDB) error {
		res, err := db.NewDelete().Model((*syncRunModel)(nil)).
			Where("finalized_at IS NOT NULL AND finalized_at < ?", newTimestamp(t)).
			Exec(ctx)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), translate("delete finalized sync runs", err)
}
