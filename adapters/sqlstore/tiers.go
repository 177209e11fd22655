package sqlstore

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

type tierModel struct {
	bun.BaseModel `bun:"table:tiers"`

	ID                          string `bun:"id,pk"`
	Name                        string `bun:"name,notnull"`
	CanBeUsedAsDefaultForClient bool   `bun:"can_be_used_as_default_for_client,notnull"`
	CanBeManuallyAssigned       bool   `bun:"can_be_manually_assigned,notnull"`
}

func (m *tierModel) record() driver.Tier {
	return driver.Tier{ID: m.ID, Name: m.Name, CanBeUsedAsDefaultForClient: m.CanBeUsedAsDefaultForClient, CanBeManuallyAssigned: m.CanBeManuallyAssigned}
}

func toTierModel(t driver.Tier) *tierModel {
	return &tierModel{ID: t.ID, Name: t.Name, CanBeUsedAsDefaultForClient: t.CanBeUsedAsDefaultForClient, CanBeManuallyAssigned: t.CanBeManuallyAssigned}
}

type tierStore struct{ db bun.IDB }

func (s tierStore) Insert(ctx context.Context, t driver.Tier) error {
	return insert(ctx, s.db, "insert tier", toTierModel(t))
}

func (s tierStore) Get(ctx context.Context, id string) (driver.Tier, error) {
	return s.getWhere(ctx, "get tier", "id = ?", id)
}

func (s tierStore) GetByName(ctx context.Context, name string) (driver.Tier, error) {
	return s.getWhere(ctx, "get tier by name", "name = ?", name)
}

func (s tierStore) getWhere(ctx context.Context, op, where string, arg any) (driver.Tier, error) {
	var m tierModel
	if err := s.db.NewSelect().Model(&m).Where(where, arg).Scan(ctx); err != nil {
		return driver.Tier{}, translate(op, err)
	}
	return m.record(), nil
}

func (s tierStore) List(ctx context.Context) ([]driver.Tier, error) {
	var ms []tierModel
	if err := s.db.NewSelect().Model(&ms).OrderExpr("name").Scan(ctx); err != nil {
		return nil, translate("list tiers", err)
	}
	out := make([]driver.Tier, len(ms))
	for i := range ms {
		out[i] = ms[i].record()
	}
	return out, nil
}

func (s tierStore) Delete(ctx context.Context, id string) error {
	res, err := s.db.NewDelete().Model((*tierModel)(nil)).Where("id = ?", id).Exec(ctx)
	return affectedOne("delete tier", res, err)
}
