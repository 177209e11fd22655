package sqlstore

import (
	"context"
	"slices"

	"github.com/uptrace/bun"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

type relationshipModel struct {
	bun.BaseModel `bun:"table:relationships"`

	ID                      string    `bun:"id,pk"`
	TemplateID              string    `bun:"template_id,nullzero"`
	From                    string    `bun:"from_address,notnull"`
	To                      string    `bun:"to_address,notnull"`
	PairKey                 string    `bun:"pair_key,notnull"`
	CreatedAt               timestamp `bun:"created_at,notnull"`
	Status                  int       `bun:"status,notnull"`
	CreationContent         []byte    `bun:"creation_content"`
	CreationResponseContent []byte    `bun:"creation_response_content"`
	FromHasDecomposed       bool      `bun:"from_has_decomposed,notnull"`
	ToHasDecomposed         bool      `bun:"to_has_decomposed,notnull"`
}

type relationshipAuditModel struct {
	bun.BaseModel `bun:"table:relationship_audit_entries"`

	ID              string    `bun:"id,pk"`
	RelationshipID  string    `bun:"relationship_id,notnull"`
	Index           int       `bun:"idx,notnull"`
	CreatedAt       timestamp `bun:"created_at,notnull"`
	CreatedBy       string    `bun:"created_by,notnull"`
	CreatedByDevice string    `bun:"created_by_device,nullzero"`
	Reason          int       `bun:"reason,notnull"`
	OldStatus       *int      `bun:"old_status"`
	NewStatus       int       `bun:"new_status,notnull"`
}

// openStatuses are the statuses of which a pair of identities may have one
// relationship at most; the partial unique index on pair_key spells them
// out too.
var openStatuses = []int{int(driver.RelationshipPending), int(driver.RelationshipActive), int(driver.RelationshipTerminated)}

// pairKey names the unordered pair of a and b: both addresses in byte
// order, joined by a space, which no address contains.
func pairKey(a, b string) string {
	if b < a {
		a, b = b, a
	}
	return a + " " + b
}

func toRelationshipModel(r driver.Relationship) *relationshipModel {
	return &relationshipModel{
		ID: r.ID, TemplateID: r.TemplateID, From: r.From, To: r.To, PairKey: pairKey(r.From, r.To),
		CreatedAt: newTimestamp(r.CreatedAt), Status: int(r.Status), CreationContent: r.CreationContent,
		CreationResponseContent: r.CreationResponseContent, FromHasDecomposed: r.FromHasDecomposed, ToHasDecomposed: r.ToHasDecomposed,
	}
}

func (m *relationshipModel) record() driver.Relationship {
	return driver.Relationship{
		ID: m.ID, TemplateID: m.TemplateID, From: m.From, To: m.To, CreatedAt: m.CreatedAt.Time,
		Status: driver.RelationshipStatus(m.Status), CreationContent: m.CreationContent,
		CreationResponseContent: m.CreationResponseContent, FromHasDecomposed: m.FromHasDecomposed, ToHasDecomposed: m.ToHasDecomposed,
	}
}

// toAuditModels numbers entries from next on, in the order given.
func toAuditModels(relationshipID string, next int, entries []driver.RelationshipAuditEntry) []relationshipAuditModel {
	ms := make([]relationshipAuditModel, len(entries))
	for i, e := range entries {
		var old *int
		if e.OldStatus != nil {
			old = new(int(*e.OldStatus))
		}
		ms[i] = relationshipAuditModel{
			ID: e.ID, RelationshipID: relationshipID, Index: next + i, CreatedAt: newTimestamp(e.CreatedAt),
			CreatedBy: e.CreatedBy, CreatedByDevice: e.CreatedByDevice, Reason: int(e.Reason), OldStatus: old,
			NewStatus: int(e.NewStatus),
		}
	}
	return ms
}

func (m *relationshipAuditModel) record() driver.RelationshipAuditEntry {
	var old *driver.RelationshipStatus
	if m.OldStatus != nil {
		old = new(driver.RelationshipStatus(*m.OldStatus))
	}
	return driver.RelationshipAuditEntry{
		ID: m.ID, CreatedAt: m.CreatedAt.Time, CreatedBy: m.CreatedBy, CreatedByDevice: m.CreatedByDevice,
		Reason: driver.RelationshipAuditReason(m.Reason), OldStatus: old, NewStatus: driver.RelationshipStatus(m.NewStatus),
	}
}

type relationshipStore stores

func (s relationshipStore) Insert(ctx context.Context, r driver.Relationship) error {
	// A second open relationship of the pair hits the partial unique index
	// on pair_key: a duplicate the insert skips (ErrConflict), or on
	// PostgreSQL, when the other one is not committed yet, a wait and then
	// the same, or a serialization failure that InTx retries.
	err := stores(s).atomic(ctx, func(db bun.IDB) error {
		if err := insertRows(ctx, db, toRelationshipModel(r), 1); err != nil {
			return err
		}
		if len(r.AuditLog) == 0 {
			return nil
		}
		entries := toAuditModels(r.ID, 0, r.AuditLog)
		return insertRows(ctx, db, &entries, len(entries))
	})
	return translate("insert relationship", err)
}

func (s relationshipStore) Get(ctx context.Context, id string) (driver.Relationship, error) {
	var m relationshipModel
	if err := s.db.NewSelect().Model(&m).Where("id = ?", id).Scan(ctx); err != nil {
		return driver.Relationship{}, translate("get relationship", err)
	}
	rs, err := withAuditLogs(ctx, s.db, []relationshipModel{m})
	if err != nil {
		return driver.Relationship{}, translate("get relationship audit log", err)
	}
	return rs[0], nil
}

// withAuditLogs returns the records of ms with their audit logs, read in
// one query per idChunk relationships.
func withAuditLogs(ctx context.Context, db bun.IDB, ms []relationshipModel) ([]driver.Relationship, error) {
	out := make([]driver.Relationship, len(ms))
	pos := make(map[string]int, len(ms))
	ids := make([]string, len(ms))
	for i := range ms {
		out[i] = ms[i].record()
		out[i].AuditLog = []driver.RelationshipAuditEntry{}
		pos[ms[i].ID] = i
		ids[i] = ms[i].ID
	}
	err := forChunks(ids, func(chunk []string) error {
		var entries []relationshipAuditModel
		err := db.NewSelect().Model(&entries).Where("relationship_id IN (?)", bun.In(chunk)).
			OrderExpr("relationship_id, created_at, idx").Scan(ctx)
		for i := range entries {
			r := &out[pos[entries[i].RelationshipID]]
			r.AuditLog = append(r.AuditLog, entries[i].record())
		}
		return err
	})
	return out, err
}

func (s relationshipStore) Update(ctx context.Context, r driver.Relationship) error {
	err := stores(s).atomic(ctx, func(db bun.IDB) error {
		// Check the pair rule before the UPDATE, so that breaking it is an
		// ErrConflict that leaves a PostgreSQL transaction usable. The
		// unique index still backs it: a concurrent transaction that makes
		// another relationship of the pair open fails to serialize with
		// this one, and is retried.
		if slices.Contains(openStatuses, int(r.Status)) {
			taken, err := db.NewSelect().TableExpr("relationships AS o").
				Join("JOIN relationships AS r ON r.pair_key = o.pair_key").
				Where("r.id = ? AND o.id <> r.id", r.ID).
				Where("o.status IN (?)", bun.In(openStatuses)).
				Exists(ctx)
			if err != nil {
				return err
			}
			if taken {
				return errDuplicate
			}
		}
		res, err := db.NewUpdate().Model(toRelationshipModel(r)).
			Column("status", "creation_response_content", "from_has_decomposed", "to_has_decomposed").
			WherePK().Exec(ctx)
		if err := rowsMatched(res, err); err != nil {
			return err
		}
		return appendAuditEntries(ctx, db, r.ID, r.AuditLog)
	})
	return translate("update relationship", err)
}

// appendAuditEntries stores the entries whose IDs the relationship's log
// does not have yet, numbered after the stored ones.
func appendAuditEntries(ctx context.Context, db bun.IDB, relationshipID string, entries []driver.RelationshipAuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	var stored []relationshipAuditModel
	err := db.NewSelect().Model(&stored).Column("id", "idx").Where("relationship_id = ?", relationshipID).Scan(ctx)
	if err != nil {
		return err
	}
	next := 0
	have := make(map[string]bool, len(stored))
	for _, m := range stored {
		have[m.ID] = true
		next = max(next, m.Index+1)
	}
	var fresh []driver.RelationshipAuditEntry
	for _, e := range entries {
		if !have[e.ID] {
			fresh = append(fresh, e)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	ms := toAuditModels(relationshipID, next, fresh)
	return insertRows(ctx, db, &ms, len(ms))
}

func (s relationshipStore) Between(ctx context.Context, a, b string) ([]driver.Relationship, error) {
	var ms []relationshipModel
	if err := s.db.NewSelect().Model(&ms).Where("pair_key = ?", pairKey(a, b)).OrderExpr("created_at, id").Scan(ctx); err != nil {
		return nil, translate("list relationships between", err)
	}
	rs, err := withAuditLogs(ctx, s.db, ms)
	return rs, translate("list relationships between: audit logs", err)
}

func (s relationshipStore) List(ctx context.Context, participant string, ids []string, page driver.PageRequest) ([]driver.Relationship, int, error) {
	if len(ids) == 0 {
		return []driver.Relationship{}, 0, nil
	}
	filter := func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("id IN (?)", bun.In(ids)).Where("(from_address = ? OR to_address = ?)", participant, participant)
	}
	total, err := s.db.NewSelect().Model((*relationshipModel)(nil)).Apply(filter).Count(ctx)
	if err != nil {
		return nil, 0, translate("count relationships", err)
	}
	var ms []relationshipModel
	err = s.db.NewSelect().Model(&ms).Apply(filter).
		OrderExpr("created_at, id").Limit(int64(page.Size)).Offset(int64(page.Offset())).
		Scan(ctx)
	if err != nil {
		return nil, 0, translate("list relationships", err)
	}
	rs, err := withAuditLogs(ctx, s.db, ms)
	if err != nil {
		return nil, 0, translate("list relationships: audit logs", err)
	}
	return rs, int(total), nil
}

func (s relationshipStore) ExistsForTemplate(ctx context.Context, templateID, participant string) (bool, error) {
	ok, err := s.db.NewSelect().Model((*relationshipModel)(nil)).
		Where("template_id = ?", templateID).
		Where("(from_address = ? OR to_address = ?)", participant, participant).
		Exists(ctx)
	return ok, translate("look for relationships of template", err)
}

func (s relationshipStore) ListByParticipant(ctx context.Context, participant string, statuses []driver.RelationshipStatus) ([]driver.Relationship, error) {
	if len(statuses) == 0 {
		return []driver.Relationship{}, nil
	}
	in := make([]int, len(statuses))
	for i, st := range statuses {
		in[i] = int(st)
	}
	var ms []relationshipModel
	err := s.db.NewSelect().Model(&ms).
		Where("(from_address = ? OR to_address = ?)", participant, participant).
		Where("status IN (?)", bun.In(in)).
		OrderExpr("created_at, id").Scan(ctx)
	if err != nil {
		return nil, translate("list relationships of participant", err)
	}
	out := make([]driver.Relationship, len(ms))
	for i := range ms {
		out[i] = ms[i].record()
	}
	return out, nil
}
