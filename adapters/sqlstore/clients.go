package sqlstore

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

type clientModel struct {
	bun.BaseModel `bun:"table:clients"`

	ClientID      string    `bun:"client_id,pk"`
	DisplayName   string    `bun:"display_name,notnull"`
	SecretHash    string    `bun:"secret_hash,notnull"`
	DefaultTierID string    `bun:"default_tier_id,notnull"`
	MaxIdentities *int64    `bun:"max_identities"`
	CreatedAt     timestamp `bun:"created_at,notnull"`
}

func toClientModel(c driver.Client) *clientModel {
	m := &clientModel{ClientID: c.ClientID, DisplayName: c.DisplayName, SecretHash: c.SecretHash, DefaultTierID: c.DefaultTierID, CreatedAt: newTimestamp(c.CreatedAt)}
	if c.MaxIdentities != nil {
		n := int64(*c.MaxIdentities)
		m.MaxIdentities = &n
	}
	return m
}

func (m *clientModel) record() driver.Client {
	c := driver.Client{ClientID: m.ClientID, DisplayName: m.DisplayName, SecretHash: m.SecretHash, DefaultTierID: m.DefaultTierID, CreatedAt: m.CreatedAt.Time}
	if m.MaxIdentities != nil {
		n := int(*m.MaxIdentities)
		c.MaxIdentities = &n
	}
	return c
}

type clientStore struct{ db bun.IDB }

func (s clientStore) Insert(ctx context.Context, c driver.Client) error {
	return insert(ctx, s.db, "insert client", toClientModel(c))
}

func (s clientStore) Get(ctx context.Context, clientID string) (driver.Client, error) {
	var m clientModel
	if err := s.db.NewSelect().Model(&m).Where("client_id = ?", clientID).Scan(ctx); err != nil {
		return driver.Client{}, translate("get client", err)
	}
	return m.record(), nil
}

func (s clientStore) List(ctx context.Context) ([]driver.Client, error) {
	var ms []clientModel
	if err := s.db.NewSelect().Model(&ms).OrderExpr("created_at, client_id").Scan(ctx); err != nil {
		return nil, translate("list clients", err)
	}
	out := make([]driver.Client, len(ms))
	for i := range ms {
		out[i] = ms[i].record()
	}
	return out, nil
}

func (s clientStore) Update(ctx context.Context, c driver.Client) error {
	res, err := s.db.NewUpdate().Model(toClientModel(c)).
		Column("display_name", "secret_hash", "default_tier_id", "max_identities").
		WherePK().Exec(ctx)
	return affectedOne("update client", res, err)
}

func (s clientStore) Delete(ctx context.Context, clientID string) error {
	res, err := s.db.NewDelete().Model((*clientModel)(nil)).Where("client_id = ?", clientID).Exec(ctx)
	return affectedOne("delete client", res, err)
}
