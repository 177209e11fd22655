package sqlstore

import (
	"context"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/feature"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

type tokenModel struct {
	bun.BaseModel `bun:"table:tokens,alias:t"`

	ID              string    `bun:"id,pk"`
	CreatedBy       string    `bun:"created_by,nullzero"`
	CreatedByDevice string    `bun:"created_by_device,nullzero"`
	CreatedAt       timestamp `bun:"created_at,notnull"`
	ExpiresAt       timestamp `bun:"expires_at,notnull"`
	// Content and Password are NULL for nil and empty for empty.
	Content           []byte `bun:"content"`
	ForIdentity       string `bun:"for_identity,nullzero"`
	Password          []byte `bun:"password"`
	AccessFailedCount int    `bun:"access_failed_count,notnull"`
}

type tokenAllocationModel struct {
	bun.BaseModel `bun:"table:token_allocations"`

	TokenID           string    `bun:"token_id,pk"`
	AllocatedBy       string    `bun:"allocated_by,pk"`
	AllocatedByDevice string    `bun:"allocated_by_device,notnull"`
	AllocatedAt       timestamp `bun:"allocated_at,notnull"`
}

func toTokenModel(t driver.Token) *tokenModel {
	return &tokenModel{
		ID: t.ID, CreatedBy: t.CreatedBy, CreatedByDevice: t.CreatedByDevice, CreatedAt: newTimestamp(t.CreatedAt),
		ExpiresAt: newTimestamp(t.ExpiresAt), Content: t.Content, ForIdentity: t.ForIdentity, Password: t.Password,
		AccessFailedCount: t.AccessFailedCount,
	}
}

func (m *tokenModel) record() driver.Token {
	return driver.Token{
		ID: m.ID, CreatedBy: m.CreatedBy, CreatedByDevice: m.CreatedByDevice, CreatedAt: m.CreatedAt.Time,
		ExpiresAt: m.ExpiresAt.Time, Content: m.Content, ForIdentity: m.ForIdentity, Password: m.Password,
		AccessFailedCount: m.AccessFailedCount,
	}
}

type tokenStore stores

func (s tokenStore) Insert(ctx context.Context, t driver.Token) error {
	return insert(ctx, s.db, "insert token", toTokenModel(t))
}

func (s tokenStore) Get(ctx context.Context, id string) (driver.Token, error) {
	var m tokenModel
	if err := s.db.NewSelect().Model(&m).Where("id = ?", id).Scan(ctx); err != nil {
		return driver.Token{}, translate("get token", err)
	}
	return m.record(), nil
}

func (s tokenStore) Update(ctx context.Context, t driver.Token) error {
	res, err := s.db.NewUpdate().Model(toTokenModel(t)).
		Column("created_by", "created_by_device", "content", "access_failed_count").
		WherePK().Exec(ctx)
	return affectedOne("update token", res, err)
}

func (s tokenStore) IncrementAccessFailed(ctx context.Context, id string) (int, error) {
	if !s.db.Dialect().Features().Has(feature.Returning) {
		n, err := incrementAccessFailedPortable(ctx, s.db, id)
		return n, translate("increment token access failures", err)
	}
	var n int
	err := s.db.NewUpdate().Model((*tokenModel)(nil)).
		Set("access_failed_count = access_failed_count + 1").
		Where("id = ?", id).
		Returning("access_failed_count").
		Scan(ctx, &n)
	return n, translate("increment token access failures", err)
}

// incrementAccessFailedPortable is IncrementAccessFailed for dialects
// without RETURNING: it reads the count back in the same transaction, where
// the updated row stays locked until commit.
func incrementAccessFailedPortable(ctx context.Context, db bun.IDB, id string) (int, error) {
	var n int
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*tokenModel)(nil)).Set("access_failed_count = access_failed_count + 1").Where("id = ?", id).Exec(ctx)
		if err := rowsMatched(res, err); err != nil {
			return err
		}
		return tx.NewSelect().Model((*tokenModel)(nil)).Column("access_failed_count").Where("id = ?", id).Scan(ctx, &n)
	})
	return n, err
}

func (s tokenStore) Delete(ctx context.Context, id string) error {
	err := stores(s).atomic(ctx, func(db bun.IDB) error {
		res, err := db.NewDelete().Model((*tokenModel)(nil)).Where("id = ?", id).Exec(ctx)
		if err := rowsMatched(res, err); err != nil {
			return err
		}
		_, err = db.NewDelete().Model((*tokenAllocationModel)(nil)).Where("token_id = ?", id).Exec(ctx)
		return err
	})
	return translate("delete token", err)
}

func (s tokenStore) Allocate(ctx context.Context, a driver.TokenAllocation) error {
	return insert(ctx, s.db, "allocate token", &tokenAllocationModel{
		TokenID: a.TokenID, AllocatedBy: a.AllocatedBy, AllocatedByDevice: a.AllocatedByDevice,
		AllocatedAt: newTimestamp(a.AllocatedAt),
	})
}

func (s tokenStore) IsAllocatedBy(ctx context.Context, tokenID, identity string) (bool, error) {
	ok, err := s.db.NewSelect().Model((*tokenAllocationModel)(nil)).
		Where("token_id = ? AND allocated_by = ?", tokenID, identity).
		Exists(ctx)
	return ok, translate("look up token allocation", err)
}

func (s tokenStore) List(ctx context.Context, identity string, ids []string, page driver.PageRequest) ([]driver.Token, int, error) {
	if len(ids) == 0 {
		return []driver.Token{}, 0, nil
	}
	filter := func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("t.id IN (?)", bun.In(ids)).WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("t.created_by = ?", identity).
				WhereOr("EXISTS (?)", s.db.NewSelect().TableExpr("token_allocations AS a").ColumnExpr("1").
					Where("a.token_id = t.id AND a.allocated_by = ?", identity))
		})
	}
	total, err := s.db.NewSelect().Model((*tokenModel)(nil)).Apply(filter).Count(ctx)
	if err != nil {
		return nil, 0, translate("count tokens", err)
	}
	var ms []tokenModel
	err = s.db.NewSelect().Model(&ms).Apply(filter).
		OrderExpr("t.created_at, t.id").Limit(int64(page.Size)).Offset(int64(page.Offset())).
		Scan(ctx)
	if err != nil {
		return nil, 0, translate("list tokens", err)
	}
	out := make([]driver.Token, len(ms))
	for i := range ms {
		out[i] = ms[i].record()
	}
	return out, int(total), nil
}
