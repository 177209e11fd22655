package sqlstore

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// adminStore reads across the aggregates' tables for the operator. Lists
// read one page of the driving table through an index and then the page's
// details in one query per table, so the cost is bounded by the page size.
type adminStore stores

func (s adminStore) ListIdentities(ctx context.Context, f driver.IdentityFilter, order driver.IdentityOrder, page driver.PageRequest) ([]driver.IdentityOverview, int, error) {
	filter := func(q *bun.SelectQuery) *bun.SelectQuery {
		if f.Address != "" {
			q = q.Where("address = ?", f.Address)
		}
		if len(f.TierIDs) > 0 {
			q = q.Where("tier_id IN (?)", bun.In(f.TierIDs))
		}
		if len(f.ClientIDs) > 0 {
			q = q.Where("client_id IN (?)", bun.In(f.ClientIDs))
		}
		if f.CreatedFrom != nil {
			q = q.Where("created_at >= ?", newTimestamp(*f.CreatedFrom))
		}
		if f.CreatedTo != nil {
			q = q.Where("created_at < ?", newTimestamp(*f.CreatedTo))
		}
		return q
	}
	total, err := s.db.NewSelect().Model((*identityModel)(nil)).Apply(filter).Count(ctx)
	if err != nil {
		return nil, 0, translate("count identities", err)
	}
	orderBy := map[driver.IdentityOrder]string{
		driver.IdentitiesByCreatedAt:     "created_at, address",
		driver.IdentitiesByCreatedAtDesc: "created_at DESC, address",
		driver.IdentitiesByAddress:       "address",
		driver.IdentitiesByAddressDesc:   "address DESC",
	}[order]
	if orderBy == "" {
		orderBy = "created_at, address"
	}
	var ms []identityModel
	err = s.db.NewSelect().Model(&ms).Apply(filter).OrderExpr(orderBy).
		Limit(int64(page.Size)).Offset(int64(page.Offset())).Scan(ctx)
	if err != nil {
		return nil, 0, translate("list identities", err)
	}
	out := make([]driver.IdentityOverview, len(ms))
	if len(ms) == 0 {
		return out, int(total), nil
	}
	pos := make(map[string]int, len(ms))
	addresses := make([]string, len(ms))
	tierIDs := map[string]bool{}
	for i := range ms {
		out[i] = driver.IdentityOverview{Identity: ms[i].record()}
		pos[ms[i].Address] = i
		addresses[i] = ms[i].Address
		tierIDs[ms[i].TierID] = true
	}
	var tiers []tierModel
	ids := make([]string, 0, len(tierIDs))
	for id := range tierIDs {
		ids = append(ids, id)
	}
	if err := s.db.NewSelect().Model(&tiers).Where("id IN (?)", bun.In(ids)).Scan(ctx); err != nil {
		return nil, 0, translate("list identities: tiers", err)
	}
	names := map[string]string{}
	for _, t := range tiers {
		names[t.ID] = t.Name
	}
	var devices []struct {
		Address   string     `bun:"identity_address"`
		Count     int        `bun:"n"`
		LastLogin *timestamp `bun:"last_login"`
	}
	err = s.db.NewSelect().TableExpr("devices").
		ColumnExpr("identity_address, COUNT(*) AS n, MAX(last_login_at) AS last_login").
		Where("identity_address IN (?)", bun.In(addresses)).GroupExpr("identity_address").Scan(ctx, &devices)
	if err != nil {
		return nil, 0, translate("list identities: devices", err)
	}
	var wallets []datawalletModel
	if err := s.db.NewSelect().Model(&wallets).Where("owner IN (?)", bun.In(addresses)).Scan(ctx); err != nil {
		return nil, 0, translate("list identities: datawallets", err)
	}
	for i := range out {
		out[i].TierName = names[out[i].TierID]
	}
	for _, d := range devices {
		o := &out[pos[d.Address]]
		o.NumberOfDevices, o.LastLoginAt = d.Count, d.LastLogin.ptr()
	}
	for _, w := range wallets {
		v := w.Version
		out[pos[w.Owner]].DatawalletVersion = &v
	}
	return out, int(total), nil
}

func (s adminStore) countPer(ctx context.Context, op, table, column string) (map[string]int, error) {
	var rows []struct {
		Key string `bun:"k"`
		N   int    `bun:"n"`
	}
	err := s.db.NewSelect().TableExpr(table).ColumnExpr("? AS k, COUNT(*) AS n", bun.Ident(column)).
		GroupExpr("?", bun.Ident(column)).Scan(ctx, &rows)
	if err != nil {
		return nil, translate(op, err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Key] = r.N
	}
	return out, nil
}

func (s adminStore) CountIdentitiesPerTier(ctx context.Context) (map[string]int, error) {
	return s.countPer(ctx, "count identities per tier", "identities", "tier_id")
}

func (s adminStore) CountIdentitiesPerClient(ctx context.Context) (map[string]int, error) {
	return s.countPer(ctx, "count identities per client", "identities", "client_id")
}

func (s adminStore) CountClientsWithDefaultTier(ctx context.Context, tierID string) (int, error) {
	n, err := s.db.NewSelect().Model((*clientModel)(nil)).Where("default_tier_id = ?", tierID).Count(ctx)
	return int(n), translate("count clients with default tier", err)
}

func (s adminStore) ListMessagesOf(ctx context.Context, participant string, incoming bool, page driver.PageRequest) ([]driver.MessageRecord, int, error) {
	filter := func(q *bun.SelectQuery) *bun.SelectQuery {
		if incoming {
			return q.Where("m.id IN (?)", s.db.NewSelect().TableExpr("message_recipients").Column("message_id").Where("address = ?", participant))
		}
		return q.Where("m.created_by = ?", participant)
	}
	total, err := s.db.NewSelect().Model((*messageModel)(nil)).Apply(filter).Count(ctx)
	if err != nil {
		return nil, 0, translate("count messages of participant", err)
	}
	var ms []messageModel
	err = s.db.NewSelect().Model(&ms).Apply(filter).
		OrderExpr("m.created_at, m.id").Limit(int64(page.Size)).Offset(int64(page.Offset())).Scan(ctx)
	if err != nil {
		return nil, 0, translate("list messages of participant", err)
	}
	out, err := withRecipientsAndAttachments(ctx, s.db, ms)
	if err != nil {
		return nil, 0, translate("list messages of participant: recipients and attachments", err)
	}
	return out, int(total), nil
}

func (s adminStore) ListRelationshipsOf(ctx context.Context, participant string, page driver.PageRequest) ([]driver.Relationship, int, error) {
	// Two indexed halves rather than an OR, which neither index serves.
	ids := s.db.NewSelect().TableExpr("relationships").Column("id").Where("from_address = ?", participant).
		UnionAll(s.db.NewSelect().TableExpr("relationships").Column("id").Where("to_address = ?", participant))
	filter := func(q *bun.SelectQuery) *bun.SelectQuery { return q.Where("id IN (?)", ids) }
	total, err := s.db.NewSelect().Model((*relationshipModel)(nil)).Apply(filter).Count(ctx)
	if err != nil {
		return nil, 0, translate("count relationships of participant", err)
	}
	var ms []relationshipModel
	err = s.db.NewSelect().Model(&ms).Apply(filter).
		OrderExpr("created_at, id").Limit(int64(page.Size)).Offset(int64(page.Offset())).Scan(ctx)
	if err != nil {
		return nil, 0, translate("list relationships of participant", err)
	}
	rs, err := withAuditLogs(ctx, s.db, ms)
	if err != nil {
		return nil, 0, translate("list relationships of participant: audit logs", err)
	}
	return rs, int(total), nil
}

func (s adminStore) ListTokensCreatedBy(ctx context.Context, createdBy string, page driver.PageRequest) ([]driver.Token, int, error) {
	filter := func(q *bun.SelectQuery) *bun.SelectQuery { return q.Where("t.created_by = ?", createdBy) }
	total, err := s.db.NewSelect().Model((*tokenModel)(nil)).Apply(filter).Count(ctx)
	if err != nil {
		return nil, 0, translate("count tokens of creator", err)
	}
	var ms []tokenModel
	err = s.db.NewSelect().Model(&ms).Apply(filter).
		OrderExpr("t.created_at, t.id").Limit(int64(page.Size)).Offset(int64(page.Offset())).Scan(ctx)
	if err != nil {
		return nil, 0, translate("list tokens of creator", err)
	}
	out := make([]driver.Token, len(ms))
	for i := range ms {
		out[i] = ms[i].record()
	}
	return out, int(total), nil
}
