package sqlstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

type challengeModel struct {
	bun.BaseModel `bun:"table:challenges"`

	ID              string    `bun:"id,pk"`
	ExpiresAt       timestamp `bun:"expires_at,notnull"`
	CreatedBy       string    `bun:"created_by,nullzero"`
	CreatedByDevice string    `bun:"created_by_device,nullzero"`
}

func toChallengeModel(c driver.Challenge) *challengeModel {
	return &challengeModel{ID: c.ID, ExpiresAt: newTimestamp(c.ExpiresAt), CreatedBy: c.CreatedBy, CreatedByDevice: c.CreatedByDevice}
}

func (m *challengeModel) record() driver.Challenge {
	return driver.Challenge{ID: m.ID, ExpiresAt: m.ExpiresAt.Time, CreatedBy: m.CreatedBy, CreatedByDevice: m.CreatedByDevice}
}

type challengeStore struct{ db bun.IDB }

func (s challengeStore) Insert(ctx context.Context, c driver.Challenge) error {
	return insert(ctx, s.db, "insert challenge", toChallengeModel(c))
}

func (s challengeStore) Get(ctx context.Context, id string) (driver.Challenge, error) {
	var m challengeModel
	if err := s.db.NewSelect().Model(&m).Where("id = ?", id).Scan(ctx); err != nil {
		return driver.Challenge{}, translate("get challenge", err)
	}
	return m.record(), nil
}

func (s challengeStore) DeleteExpiredBefore(ctx context.Context, t time.Time) (int, error) {
	res, err := s.db.NewDelete().Model((*challengeModel)(nil)).Where("expires_at < ?", newTimestamp(t)).Exec(ctx)
	return rowsAffected("delete expired challenges", res, err)
}
