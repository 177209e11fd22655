package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

type tierQuotaDefinitionModel struct {
	bun.BaseModel `bun:"table:tier_quota_definitions"`

	ID        string `bun:"id,pk"`
	TierID    string `bun:"tier_id,notnull"`
	MetricKey string `bun:"metric_key,notnull"`
	Max       int    `bun:"max,notnull"`
	Period    string `bun:"period,notnull"`
}

type individualQuotaModel struct {
	bun.BaseModel `bun:"table:individual_quotas"`

	ID              string `bun:"id,pk"`
	IdentityAddress string `bun:"identity_address,notnull"`
	MetricKey       string `bun:"metric_key,notnull"`
	Max             int    `bun:"max,notnull"`
	Period          string `bun:"period,notnull"`
}

type metricStatusModel struct {
	bun.BaseModel `bun:"table:metric_statuses,alias:ms"`

	IdentityAddress  string    `bun:"identity_address,pk"`
	MetricKey        string    `bun:"metric_key,pk"`
	IsExhaustedUntil timestamp `bun:"is_exhausted_until,notnull"`
}

type quotaStore stores

func (s quotaStore) InsertTierQuota(ctx context.Context, d driver.TierQuotaDefinition) error {
	return insert(ctx, s.db, "insert tier quota definition", &tierQuotaDefinitionModel{
		ID: d.ID, TierID: d.TierID, MetricKey: d.MetricKey, Max: d.Max, Period: d.Period,
	})
}

func (s quotaStore) TierQuotas(ctx context.Context, tierID string) ([]driver.TierQuotaDefinition, error) {
	var ms []tierQuotaDefinitionModel
	err := s.db.NewSelect().Model(&ms).Where("tier_id = ?", tierID).OrderExpr("metric_key, period, id").Scan(ctx)
	if err != nil {
		return nil, translate("list tier quota definitions", err)
	}
	out := make([]driver.TierQuotaDefinition, len(ms))
	for i, m := range ms {
		out[i] = driver.TierQuotaDefinition{ID: m.ID, TierID: m.TierID, MetricKey: m.MetricKey, Max: m.Max, Period: m.Period}
	}
	return out, nil
}

func (s quotaStore) DeleteTierQuota(ctx context.Context, tierID, id string) error {
	res, err := s.db.NewDelete().Model((*tierQuotaDefinitionModel)(nil)).Where("id = ? AND tier_id = ?", id, tierID).Exec(ctx)
	return affectedOne("delete tier quota definition", res, err)
}

func (s quotaStore) InsertIndividualQuota(ctx context.Context, q driver.IndividualQuota) error {
	return insert(ctx, s.db, "insert individual quota", &individualQuotaModel{
		ID: q.ID, IdentityAddress: q.IdentityAddress, MetricKey: q.MetricKey, Max: q.Max, Period: q.Period,
	})
}

func (s quotaStore) IndividualQuotas(ctx context.Context, address string) ([]driver.IndividualQuota, error) {
	var ms []individualQuotaModel
	err := s.db.NewSelect().Model(&ms).Where("identity_address = ?", address).OrderExpr("metric_key, period, id").Scan(ctx)
	if err != nil {
		return nil, translate("list individual quotas", err)
	}
	out := make([]driver.IndividualQuota, len(ms))
	for i, m := range ms {
		out[i] = driver.IndividualQuota{ID: m.ID, IdentityAddress: m.IdentityAddress, MetricKey: m.MetricKey, Max: m.Max, Period: m.Period}
	}
	return out, nil
}

func (s quotaStore) DeleteIndividualQuota(ctx context.Context, address, id string) error {
	res, err := s.db.NewDelete().Model((*individualQuotaModel)(nil)).Where("id = ? AND identity_address = ?", id, address).Exec(ctx)
	return affectedOne("delete individual quota", res, err)
}

func (s quotaStore) SetStatuses(ctx context.Context, statuses []driver.MetricStatus) error {
	var put []metricStatusModel
	drop := map[string][]string{} // address → metric keys
	for _, st := range statuses {
		if st.IsExhaustedUntil.IsZero() {
			drop[st.IdentityAddress] = append(drop[st.IdentityAddress], st.MetricKey)
			continue
		}
		put = append(put, metricStatusModel{IdentityAddress: st.IdentityAddress, MetricKey: st.MetricKey, IsExhaustedUntil: newTimestamp(st.IsExhaustedUntil)})
	}
	err := stores(s).atomic(ctx, func(db bun.IDB) error {
		for address, keys := range drop {
			if _, err := db.NewDelete().Model((*metricStatusModel)(nil)).
				Where("identity_address = ? AND metric_key IN (?)", address, bun.In(keys)).Exec(ctx); err != nil {
				return err
			}
		}
		if len(put) == 0 {
			return nil
		}
		if db.Dialect().Name() == dialect.MSSQL {
			_, err := metricStatusMerge(db, put).Exec(ctx)
			return err
		}
		_, err := db.NewInsert().Model(&put).
			On("CONFLICT (identity_address, metric_key) DO UPDATE").
			Set("is_exhausted_until = EXCLUDED.is_exhausted_until").Exec(ctx)
		return err
	})
	return translate("set metric statuses", err)
}

// metricStatusMerge is SetStatuses' upsert on SQL Server.
func metricStatusMerge(db bun.IDB, put []metricStatusModel) *bun.RawQuery {
	rows := make([][]any, len(put))
	for i, m := range put {
		rows[i] = []any{m.IdentityAddress, m.MetricKey, m.IsExhaustedUntil}
	}
	return mergeRows(db, "metric_statuses",
		[]string{"identity_address", "metric_key", "is_exhausted_until"},
		[]string{"identity_address", "metric_key"},
		[]string{"is_exhausted_until"}, rows, "")
}

func (s quotaStore) ExhaustedStatuses(ctx context.Context, address string, metricKeys []string, now time.Time) ([]driver.MetricStatus, error) {
	if len(metricKeys) == 0 {
		return nil, nil
	}
	var ms []metricStatusModel
	err := s.db.NewSelect().Model(&ms).
		Where("identity_address = ? AND metric_key IN (?) AND is_exhausted_until > ?", address, bun.In(metricKeys), newTimestamp(now)).
		OrderExpr("metric_key").Scan(ctx)
	if err != nil {
		return nil, translate("read metric statuses", err)
	}
	out := make([]driver.MetricStatus, len(ms))
	for i, m := range ms {
		out[i] = driver.MetricStatus{IdentityAddress: m.IdentityAddress, MetricKey: m.MetricKey, IsExhaustedUntil: m.IsExhaustedUntil.Time}
	}
	return out, nil
}

func (s quotaStore) ExhaustedIdentitiesOfTier(ctx context.Context, tierID string, now time.Time) ([]string, error) {
	var out []string
	err := s.db.NewSelect().TableExpr("metric_statuses AS ms").
		ColumnExpr("DISTINCT ms.identity_address").
		Join("JOIN identities AS i ON i.address = ms.identity_address").
		Where("ms.is_exhausted_until > ? AND i.tier_id = ?", newTimestamp(now), tierID).
		Scan(ctx, &out)
	return out, translate("list exhausted identities of tier", err)
}

func (s quotaStore) DeleteIdentity(ctx context.Context, address string) error {
	err := stores(s).atomic(ctx, func(db bun.IDB) error {
		if _, err := db.NewDelete().Model((*individualQuotaModel)(nil)).Where("identity_address = ?", address).Exec(ctx); err != nil {
			return err
		}
		_, err := db.NewDelete().Model((*metricStatusModel)(nil)).Where("identity_address = ?", address).Exec(ctx)
		return err
	})
	return translate("delete quotas of identity", err)
}

// usageQueries count one metric for (address, from, to); each reads an
// index that starts with the creator and the creation time. Arguments:
// ?0 address, ?1 from, ?2 to, ?3 and ?4 the bounds shifted by a challenge's
// lifetime, ?5 true (compared with boolean columns).
var usageQueries = map[string]string{
	driver.MetricNumberOfSentMessages:             `SELECT count(*) FROM messages WHERE created_by = ?0 AND created_at >= ?1 AND created_at < ?2`,
	driver.MetricNumberOfRelationshipTemplates:    `SELECT count(*) FROM relationship_templates WHERE created_by = ?0 AND created_at >= ?1 AND created_at < ?2`,
	driver.MetricNumberOfFiles:                    `SELECT count(*) FROM files WHERE created_by = ?0 AND created_at >= ?1 AND created_at < ?2`,
	driver.MetricUsedFileStorageSpace:             `SELECT coalesce(sum(cipher_size), 0) FROM files WHERE created_by = ?0 AND created_at >= ?1 AND created_at < ?2`,
	driver.MetricNumberOfTokens:                   `SELECT count(*) FROM tokens WHERE created_by = ?0 AND created_at >= ?1 AND created_at < ?2`,
	driver.MetricNumberOfStartedDeletionProcesses: `SELECT count(*) FROM deletion_processes WHERE identity_address = ?0 AND created_at >= ?1 AND created_at < ?2`,
	// A challenge records no creation time; it expires ten minutes after it.
	driver.MetricNumberOfCreatedChallenges:              `SELECT count(*) FROM challenges WHERE created_by = ?0 AND expires_at >= ?3 AND expires_at < ?4`,
	driver.MetricNumberOfCreatedDatawalletModifications: `SELECT count(*) FROM datawallet_modifications WHERE owner = ?0 AND created_at >= ?1 AND created_at < ?2`,
	driver.MetricNumberOfCreatedDevices:                 `SELECT count(*) FROM devices WHERE identity_address = ?0 AND created_at >= ?1 AND created_at < ?2`,
	// Two index ranges, one per side; an identity is never on both sides of
	// a relationship. Statuses: 10 Pending, 20 Active, 50 Terminated,
	// 60 DeletionProposed.
	driver.MetricNumberOfRelationships: `SELECT
		(SELECT count(*) FROM relationships WHERE from_address = ?0 AND created_at >= ?1 AND created_at < ?2
			AND (status IN (10, 20, 50) OR (status = 60 AND to_has_decomposed = ?5)))
		+ (SELECT count(*) FROM relationships WHERE to_address = ?0 AND created_at >= ?1 AND created_at < ?2
			AND (status IN (20, 50) OR (status = 60 AND from_has_decomposed = ?5)))`,
}

// challengeLifetime is how long after its creation a challenge expires, as
// the reference counts created challenges.
const challengeLifetime = 10 * time.Minute

func (s quotaStore) Usage(ctx context.Context, metricKey, address string, from, to time.Time) (int64, error) {
	q, ok := usageQueries[metricKey]
	if !ok {
		return 0, fmt.Errorf("sqlstore: usage: unknown metric key %q", metricKey)
	}
	var n int64
	err := s.db.NewRaw(q, address, storable(from), storable(to),
		storable(from.Add(challengeLifetime)), storable(to.Add(challengeLifetime)),
		true, // SQL Server has no boolean expressions, only bit values
	).Scan(ctx, &n)
	return n, translate("count usage of "+metricKey, err)
}

// lastStorable is the latest time a column holds.
var lastStorable = time.Date(9999, 12, 31, 23, 59, 59, 999_999_000, time.UTC)

// storable clamps an interval bound to the years a column holds, so that
// the interval of the Total period may end after the year 9999.
func storable(t time.Time) timestamp {
	if t.After(lastStorable) {
		t = lastStorable
	}
	return newTimestamp(t)
}
