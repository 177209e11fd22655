package sqlstore

import (
	"context"
	"maps"
	"slices"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/dialect/feature"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

type identityModel struct {
	bun.BaseModel `bun:"table:identities"`

	Address                   string     `bun:"address,pk"`
	ClientID                  string     `bun:"client_id,notnull"`
	PublicKey                 []byte     `bun:"public_key,notnull"`
	IdentityVersion           int        `bun:"identity_version,notnull"`
	CreatedAt                 timestamp  `bun:"created_at,notnull"`
	TierID                    string     `bun:"tier_id,notnull"`
	TierIDBeforeDeletion      string     `bun:"tier_id_before_deletion,nullzero"`
	Status                    int        `bun:"status,notnull"`
	DeletionGracePeriodEndsAt *timestamp `bun:"deletion_grace_period_ends_at"`
}

func toIdentityModel(i driver.Identity) *identityModel {
	key := i.PublicKey
	if key == nil {
		key = []byte{} // bun writes a nil slice as NULL
	}
	return &identityModel{
		Address: i.Address, ClientID: i.ClientID, PublicKey: key, IdentityVersion: i.IdentityVersion,
		CreatedAt: newTimestamp(i.CreatedAt), TierID: i.TierID, TierIDBeforeDeletion: i.TierIDBeforeDeletion,
		Status: int(i.Status), DeletionGracePeriodEndsAt: newTimestampPtr(i.DeletionGracePeriodEndsAt),
	}
}

func (m *identityModel) record() driver.Identity {
	return driver.Identity{
		Address: m.Address, ClientID: m.ClientID, PublicKey: m.PublicKey, IdentityVersion: m.IdentityVersion,
		CreatedAt: m.CreatedAt.Time, TierID: m.TierID, TierIDBeforeDeletion: m.TierIDBeforeDeletion,
		Status: driver.IdentityStatus(m.Status), DeletionGracePeriodEndsAt: m.DeletionGracePeriodEndsAt.ptr(),
	}
}

type featureFlagModel struct {
	bun.BaseModel `bun:"table:identity_feature_flags"`

	IdentityAddress string `bun:"identity_address,pk"`
	Name            string `bun:"name,pk"`
	Enabled         bool   `bun:"enabled,notnull"`
}

type identityStore struct{ db bun.IDB }

func (s identityStore) Insert(ctx context.Context, i driver.Identity) error {
	return insert(ctx, s.db, "insert identity", toIdentityModel(i))
}

func (s identityStore) Get(ctx context.Context, address string) (driver.Identity, error) {
	var m identityModel
	if err := s.db.NewSelect().Model(&m).Where("address = ?", address).Scan(ctx); err != nil {
		return driver.Identity{}, translate("get identity", err)
	}
	return m.record(), nil
}

func (s identityStore) Update(ctx context.Context, i driver.Identity) error {
	res, err := s.db.NewUpdate().Model(toIdentityModel(i)).
		Column("tier_id", "tier_id_before_deletion", "status", "deletion_grace_period_ends_at").
		WherePK().Exec(ctx)
	return affectedOne("update identity", res, err)
}

func (s identityStore) CountByClient(ctx context.Context, clientID string) (int, error) {
	n, err := s.db.NewSelect().Model((*identityModel)(nil)).Where("client_id = ?", clientID).Count(ctx)
	return int(n), translate("count identities", err)
}

func (s identityStore) FeatureFlags(ctx context.Context, address string) (map[string]bool, error) {
	var ms []featureFlagModel
	if err := s.db.NewSelect().Model(&ms).Where("identity_address = ?", address).Scan(ctx); err != nil {
		return nil, translate("get feature flags", err)
	}
	flags := make(map[string]bool, len(ms))
	for _, m := range ms {
		flags[m.Name] = m.Enabled
	}
	return flags, nil
}

func (s identityStore) UpsertFeatureFlags(ctx context.Context, address string, flags map[string]bool) error {
	if len(flags) == 0 {
		return nil
	}
	// Rows in name order: concurrent upserts lock them in the same order.
	ms := make([]featureFlagModel, 0, len(flags))
	for _, name := range slices.Sorted(maps.Keys(flags)) {
		ms = append(ms, featureFlagModel{IdentityAddress: address, Name: name, Enabled: flags[name]})
	}
	if s.db.Dialect().Features().Has(feature.InsertOnConflict) {
		_, err := s.db.NewInsert().Model(&ms).
			On("CONFLICT (identity_address, name) DO UPDATE").
			Set("enabled = EXCLUDED.enabled").
			Exec(ctx)
		return translate("upsert feature flags", err)
	}
	if s.db.Dialect().Name() == dialect.MSSQL {
		_, err := featureFlagMerge(s.db, ms).Exec(ctx)
		return translate("upsert feature flags", err)
	}
	return translate("upsert feature flags", upsertFeatureFlagsPortable(ctx, s.db, ms))
}

// featureFlagMerge is SetFeatureFlags' upsert on SQL Server: one statement,
// so that concurrent upserts of a flag do not both insert it.
func featureFlagMerge(db bun.IDB, ms []featureFlagModel) *bun.RawQuery {
	rows := make([][]any, len(ms))
	for i, m := range ms {
		rows[i] = []any{m.IdentityAddress, m.Name, m.Enabled}
	}
	return mergeRows(db, "identity_feature_flags", []string{"identity_address", "name", "enabled"},
		[]string{"identity_address", "name"}, []string{"enabled"}, rows, "")
}

// upsertFeatureFlagsPortable updates each flag and inserts those that did
// not exist, in one transaction, for dialects without ON CONFLICT.
func upsertFeatureFlagsPortable(ctx context.Context, db bun.IDB, ms []featureFlagModel) error {
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for i := range ms {
			res, err := tx.NewUpdate().Model(&ms[i]).Column("enabled").WherePK().Exec(ctx)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n > 0 {
				continue
			}
			if _, err := tx.NewInsert().Model(&ms[i]).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}
