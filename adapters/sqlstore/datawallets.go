package sqlstore

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

type datawalletModel struct {
	bun.BaseModel `bun:"table:datawallets"`

	ID      string `bun:"id,pk"`
	Owner   string `bun:"owner,notnull"`
	Version int    `bun:"version,notnull"`
}

type datawalletModificationModel struct {
	bun.BaseModel `bun:"table:datawallet_modifications"`

	ID               string `bun:"id,pk"`
	Owner            string `bun:"owner,notnull"`
	Index            int64  `bun:"idx,notnull"`
	ObjectIdentifier string `bun:"object_identifier,notnull"`
	// PayloadCategory is "" (not NULL) when none, so that it groups.
	PayloadCategory   string    `bun:"payload_category,notnull"`
	CreatedAt         timestamp `bun:"created_at,notnull"`
	CreatedByDevice   string    `bun:"created_by_device,notnull"`
	Collection        string    `bun:"collection,notnull"`
	Type              int       `bun:"type,notnull"`
	EncryptedPayload  []byte    `bun:"encrypted_payload"`
	DatawalletVersion int       `bun:"datawallet_version,notnull"`
	// Superseded is set once a later modification has the same key.
	Superseded bool `bun:"superseded,notnull"`
}

// modificationKey is what ListModifications deduplicates by; Collection is
// not part of it.
type modificationKey struct {
	ObjectIdentifier string
	Type             int
	PayloadCategory  string
}

func (m *datawalletModificationModel) key() modificationKey {
	return modificationKey{m.ObjectIdentifier, m.Type, m.PayloadCategory}
}

func toModificationModel(owner string, index int64, d driver.DatawalletModification) datawalletModificationModel {
	return datawalletModificationModel{
		ID: d.ID, Owner: owner, Index: index, ObjectIdentifier: d.ObjectIdentifier, PayloadCategory: d.PayloadCategory,
		CreatedAt: newTimestamp(d.CreatedAt), CreatedByDevice: d.CreatedByDevice, Collection: d.Collection, Type: int(d.Type),
		EncryptedPayload: d.EncryptedPayload, DatawalletVersion: d.DatawalletVersion,
	}
}

func (m *datawalletModificationModel) record() driver.DatawalletModification {
	return driver.DatawalletModification{
		ID: m.ID, Owner: m.Owner, Index: m.Index, ObjectIdentifier: m.ObjectIdentifier, PayloadCategory: m.PayloadCategory,
		CreatedAt: m.CreatedAt.Time, CreatedByDevice: m.CreatedByDevice, Collection: m.Collection,
		Type: driver.DatawalletModificationType(m.Type), EncryptedPayload: m.EncryptedPayload, DatawalletVersion: m.DatawalletVersion,
	}
}

type datawalletStore stores

func (s datawalletStore) Get(ctx context.Context, owner string) (driver.Datawallet, error) {
	var m datawalletModel
	if err := s.db.NewSelect().Model(&m).Where("owner = ?", owner).Scan(ctx); err != nil {
		return driver.Datawallet{}, translate("get datawallet", err)
	}
	return driver.Datawallet{ID: m.ID, Owner: m.Owner, Version: m.Version}, nil
}

func (s datawalletStore) Insert(ctx context.Context, d driver.Datawallet) error {
	return insert(ctx, s.db, "insert datawallet", &datawalletModel{ID: d.ID, Owner: d.Owner, Version: d.Version})
}

func (s datawalletStore) UpdateVersion(ctx context.Context, owner string, version int) error {
	res, err := s.db.NewUpdate().Model((*datawalletModel)(nil)).Set("version = ?", version).Where("owner = ?", owner).Exec(ctx)
	return affectedOne("update datawallet version", res, err)
}

func (s datawalletStore) LatestIndex(ctx context.Context, owner string) (int64, error) {
	next, err := nextIndex(ctx, s.db, (*datawalletModificationModel)(nil), owner)
	return next - 1, translate("get latest datawallet modification index", err)
}

func (s datawalletStore) AppendModifications(ctx context.Context, owner string, mods []driver.DatawalletModification) ([]driver.DatawalletModification, error) {
	if len(mods) == 0 {
		return []driver.DatawalletModification{}, nil
	}
	out := make([]driver.DatawalletModification, len(mods))
	// As for external events: read the highest index and insert the next
	// ones in one transaction, backed by the unique (owner, idx) index.
	// The modifications the new ones supersede, stored or in mods, are
	// marked so.
	err := stores(s).atomic(ctx, func(db bun.IDB) error {
		next, err := nextIndex(ctx, db, (*datawalletModificationModel)(nil), owner)
		if err != nil {
			return err
		}
		ms := make([]datawalletModificationModel, len(mods))
		last := make(map[modificationKey]int, len(mods)) // key → position of its last mod
		var keys []modificationKey                       // in order of first appearance
		for i, mod := range mods {
			ms[i] = toModificationModel(owner, next+int64(i), mod)
			out[i] = mod
			out[i].Owner, out[i].Index = owner, next+int64(i)
			k := ms[i].key()
			if j, ok := last[k]; ok {
				ms[j].Superseded = true
			} else {
				keys = append(keys, k)
			}
			last[k] = i
		}
		for _, k := range keys {
			_, err := db.NewUpdate().Model((*datawalletModificationModel)(nil)).
				Set("superseded = ?", true).
				Where("owner = ? AND object_identifier = ? AND type = ? AND payload_category = ?", owner, k.ObjectIdentifier, k.Type, k.PayloadCategory).
				Where("superseded = ?", false).
				Exec(ctx)
			if err != nil {
				return err
			}
		}
		return insertRows(ctx, db, &ms, len(ms))
	})
	if err != nil {
		return nil, translate("append datawallet modifications", err)
	}
	return out, nil
}

func (s datawalletStore) ListModifications(ctx context.Context, owner string, after int64, page driver.PageRequest) ([]driver.DatawalletModification, int, error) {
	// A modification's later namesake has a higher index, so it is above
	// after too: deduplicating is leaving out the superseded ones.
	filter := func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("owner = ? AND idx > ?", owner, after).Where("superseded = ?", false)
	}
	total, err := s.db.NewSelect().Model((*datawalletModificationModel)(nil)).Apply(filter).Count(ctx)
	if err != nil {
		return nil, 0, translate("count datawallet modifications", err)
	}
	var ms []datawalletModificationModel
	err = s.db.NewSelect().Model(&ms).Apply(filter).
		OrderExpr("idx").Limit(int64(page.Size)).Offset(int64(page.Offset())).
		Scan(ctx)
	if err != nil {
		return nil, 0, translate("list datawallet modifications", err)
	}
	out := make([]driver.DatawalletModification, len(ms))
	for i := range ms {
		out[i] = ms[i].record()
	}
	return out, int(total), nil
}
