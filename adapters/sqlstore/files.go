package sqlstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

type fileModel struct {
	bun.BaseModel `bun:"table:files,alias:f"`

	ID              string    `bun:"id,pk"`
	CreatedAt       timestamp `bun:"created_at,notnull"`
	CreatedBy       string    `bun:"created_by,notnull"`
	CreatedByDevice string    `bun:"created_by_device,notnull"`
	Owner           string    `bun:"owner,notnull"`
	// OwnerSignature, CipherHash and EncryptedProperties are NULL for nil
	// and empty for empty.
	OwnerSignature       []byte     `bun:"owner_signature"`
	CipherSize           int64      `bun:"cipher_size,notnull"`
	CipherHash           []byte     `bun:"cipher_hash"`
	ExpiresAt            timestamp  `bun:"expires_at,notnull"`
	EncryptedProperties  []byte     `bun:"encrypted_properties"`
	OwnershipToken       string     `bun:"ownership_token,notnull"`
	OwnershipIsLocked    bool       `bun:"ownership_is_locked,notnull"`
	LastOwnershipClaimAt *timestamp `bun:"last_ownership_claim_at"`
}

func toFileModel(f driver.File) *fileModel {
	return &fileModel{
		ID: f.ID, CreatedAt: newTimestamp(f.CreatedAt), CreatedBy: f.CreatedBy, CreatedByDevice: f.CreatedByDevice,
		Owner: f.Owner, OwnerSignature: f.OwnerSignature, CipherSize: f.CipherSize, CipherHash: f.CipherHash,
		ExpiresAt: newTimestamp(f.ExpiresAt), EncryptedProperties: f.EncryptedProperties,
		OwnershipToken: f.OwnershipToken, OwnershipIsLocked: f.OwnershipIsLocked,
		LastOwnershipClaimAt: newTimestampPtr(f.LastOwnershipClaimAt),
	}
}

func (m *fileModel) record() driver.File {
	return driver.File{
		ID: m.ID, CreatedAt: m.CreatedAt.Time, CreatedBy: m.CreatedBy, CreatedByDevice: m.CreatedByDevice,
		Owner: m.Owner, OwnerSignature: m.OwnerSignature, CipherSize: m.CipherSize, CipherHash: m.CipherHash,
		ExpiresAt: m.ExpiresAt.Time, EncryptedProperties: m.EncryptedProperties,
		OwnershipToken: m.OwnershipToken, OwnershipIsLocked: m.OwnershipIsLocked,
		LastOwnershipClaimAt: m.LastOwnershipClaimAt.ptr(),
	}
}

type fileStore stores

func (s fileStore) Insert(ctx context.Context, f driver.File) error {
	return insert(ctx, s.db, "insert file", toFileModel(f))
}

func (s fileStore) Get(ctx context.Context, id string) (driver.File, error) {
	var m fileModel
	if err := s.db.NewSelect().Model(&m).Where("id = ?", id).Scan(ctx); err != nil {
		return driver.File{}, translate("get file", err)
	}
	return m.record(), nil
}

func (s fileStore) Update(ctx context.Context, f driver.File) error {
	res, err := s.db.NewUpdate().Model(toFileModel(f)).
		Column("owner", "ownership_token", "ownership_is_locked", "last_ownership_claim_at").
		WherePK().Exec(ctx)
	return affectedOne("update file", res, err)
}

func (s fileStore) Delete(ctx context.Context, id string) error {
	res, err := s.db.NewDelete().Model((*fileModel)(nil)).Where("id = ?", id).Exec(ctx)
	return affectedOne("delete file", res, err)
}

func (s fileStore) List(ctx context.Context, creator string, ids []string, notExpiredAt time.Time, page driver.PageRequest) ([]driver.File, int, error) {
	filter := func(q *bun.SelectQuery) *bun.SelectQuery {
		q = q.Where("f.created_by = ?", creator).Where("f.expires_at > ?", newTimestamp(notExpiredAt))
		if len(ids) > 0 {
			q = q.Where("f.id IN (?)", bun.In(ids))
		}
		return q
	}
	total, err := s.db.NewSelect().Model((*fileModel)(nil)).Apply(filter).Count(ctx)
	if err != nil {
		return nil, 0, translate("count files", err)
	}
	var ms []fileModel
	err = s.db.NewSelect().Model(&ms).Apply(filter).
		OrderExpr("f.created_at, f.id").Limit(int64(page.Size)).Offset(int64(page.Offset())).
		Scan(ctx)
	if err != nil {
		return nil, 0, translate("list files", err)
	}
	out := make([]driver.File, len(ms))
	for i := range ms {
		out[i] = ms[i].record()
	}
	return out, int(total), nil
}
