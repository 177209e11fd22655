package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/feature"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

type deviceModel struct {
	bun.BaseModel `bun:"table:devices"`

	ID                    string     `bun:"id,pk"`
	IdentityAddress       string     `bun:"identity_address,notnull"`
	Username              string     `bun:"username,notnull"`
	UsernameNormalized    string     `bun:"username_normalized,notnull"`
	PasswordHash          string     `bun:"password_hash,notnull"`
	CreatedAt             timestamp  `bun:"created_at,notnull"`
	CreatedByDevice       string     `bun:"created_by_device,nullzero"`
	LastLoginAt           *timestamp `bun:"last_login_at"`
	CommunicationLanguage string     `bun:"communication_language,notnull"`
	IsBackupDevice        bool       `bun:"is_backup_device,notnull"`
	FailedLogins          int        `bun:"failed_logins,notnull"`
	LockedOutUntil        *timestamp `bun:"locked_out_until"`
}

// normalizeUsername is the key usernames are unique by and looked up with.
func normalizeUsername(u string) string { return strings.ToUpper(u) }

func toDeviceModel(d driver.Device) *deviceModel {
	return &deviceModel{
		ID: d.ID, IdentityAddress: d.IdentityAddress, Username: d.Username, UsernameNormalized: normalizeUsername(d.Username),
		PasswordHash: d.PasswordHash, CreatedAt: newTimestamp(d.CreatedAt), CreatedByDevice: d.CreatedByDevice,
		LastLoginAt: newTimestampPtr(d.LastLoginAt), CommunicationLanguage: d.CommunicationLanguage,
		IsBackupDevice: d.IsBackupDevice, FailedLogins: d.FailedLogins, LockedOutUntil: newTimestampPtr(d.LockedOutUntil),
	}
}

func (m *deviceModel) record() driver.Device {
	return driver.Device{
		ID: m.ID, IdentityAddress: m.IdentityAddress, Username: m.Username, PasswordHash: m.PasswordHash,
		CreatedAt: m.CreatedAt.Time, CreatedByDevice: m.CreatedByDevice, LastLoginAt: m.LastLoginAt.ptr(),
		CommunicationLanguage: m.CommunicationLanguage, IsBackupDevice: m.IsBackupDevice,
		FailedLogins: m.FailedLogins, LockedOutUntil: m.LockedOutUntil.ptr(),
	}
}

type deviceStore struct{ db bun.IDB }

func (s deviceStore) Insert(ctx context.Context, d driver.Device) error {
	return insert(ctx, s.db, "insert device", toDeviceModel(d))
}

func (s deviceStore) Get(ctx context.Context, id string) (driver.Device, error) {
	return s.getWhere(ctx, "get device", "id = ?", id)
}

func (s deviceStore) GetByUsername(ctx context.Context, username string) (driver.Device, error) {
	return s.getWhere(ctx, "get device by username", "username_normalized = ?", normalizeUsername(username))
}

func (s deviceStore) getWhere(ctx context.Context, op, where string, arg any) (driver.Device, error) {
	var m deviceModel
	if err := s.db.NewSelect().Model(&m).Where(where, arg).Scan(ctx); err != nil {
		return driver.Device{}, translate(op, err)
	}
	return m.record(), nil
}

func (s deviceStore) List(ctx context.Context, identityAddress string, ids []string, page driver.PageRequest) ([]driver.Device, int, error) {
	filter := func(q *bun.SelectQuery) *bun.SelectQuery {
		q = q.Where("identity_address = ?", identityAddress)
		if len(ids) > 0 {
			q = q.Where("id IN (?)", bun.In(ids))
		}
		return q
	}
	total, err := s.db.NewSelect().Model((*deviceModel)(nil)).Apply(filter).Count(ctx)
	if err != nil {
		return nil, 0, translate("count devices", err)
	}
	var ms []deviceModel
	err = s.db.NewSelect().Model(&ms).Apply(filter).
		OrderExpr("created_at, id").Limit(int64(page.Size)).Offset(int64(page.Offset())).
		Scan(ctx)
	if err != nil {
		return nil, 0, translate("list devices", err)
	}
	out := make([]driver.Device, len(ms))
	for i := range ms {
		out[i] = ms[i].record()
	}
	return out, int(total), nil
}

func (s deviceStore) Update(ctx context.Context, d driver.Device) error {
	res, err := s.db.NewUpdate().Model(toDeviceModel(d)).
		Column("password_hash", "last_login_at", "communication_language", "is_backup_device", "failed_logins", "locked_out_until").
		WherePK().Exec(ctx)
	return affectedOne("update device", res, err)
}

func (s deviceStore) IncrementFailedLogins(ctx context.Context, id string) (int, error) {
	if !s.db.Dialect().Features().Has(feature.Returning) {
		n, err := incrementFailedLoginsPortable(ctx, s.db, id)
		return n, translate("increment failed logins", err)
	}
	var n int
	err := s.db.NewUpdate().Model((*deviceModel)(nil)).
		Set("failed_logins = failed_logins + 1").
		Where("id = ?", id).
		Returning("failed_logins").
		Scan(ctx, &n)
	return n, translate("increment failed logins", err)
}

// incrementFailedLoginsPortable is IncrementFailedLogins for dialects
// without RETURNING: it reads the count back in the same transaction, where
// the updated row stays locked until commit.
func incrementFailedLoginsPortable(ctx context.Context, db bun.IDB, id string) (int, error) {
	var n int
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*deviceModel)(nil)).Set("failed_logins = failed_logins + 1").Where("id = ?", id).Exec(ctx)
		if err != nil {
			return err
		}
		if rows, err := res.RowsAffected(); err != nil {
			return err
		} else if rows == 0 {
			return sql.ErrNoRows
		}
		return tx.NewSelect().Model((*deviceModel)(nil)).Column("failed_logins").Where("id = ?", id).Scan(ctx, &n)
	})
	return n, err
}

func (s deviceStore) Delete(ctx context.Context, id string) error {
	res, err := s.db.NewDelete().Model((*deviceModel)(nil)).Where("id = ?", id).Exec(ctx)
	return affectedOne("delete device", res, err)
}
