package sqlstore

import (
	"context"
	"slices"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

type pushRegistrationModel struct {
	bun.BaseModel `bun:"table:push_registrations,alias:pr"`

	DeviceID             string    `bun:"device_id,pk"`
	IdentityAddress      string    `bun:"identity_address,notnull"`
	DevicePushIdentifier string    `bun:"device_push_identifier,notnull"`
	Platform             string    `bun:"platform,notnull"`
	Handle               string    `bun:"handle,notnull"`
	AppID                string    `bun:"app_id,notnull"`
	Environment          string    `bun:"environment,notnull"`
	UpdatedAt            timestamp `bun:"updated_at,notnull"`
}

// pushRecipientModel is a registration read together with its device's
// language.
type pushRecipientModel struct {
	pushRegistrationModel `bun:",extend"`

	CommunicationLanguage string `bun:"communication_language"`
}

func (m *pushRecipientModel) recipient() driver.PushRecipient {
	return driver.PushRecipient{PushRegistration: m.record(), CommunicationLanguage: m.CommunicationLanguage}
}

// selectRecipients selects registrations into ms with their device's
// language, ordered by device ID.
func selectRecipients(db bun.IDB, ms *[]pushRecipientModel) *bun.SelectQuery {
	return db.NewSelect().Model(ms).
		ColumnExpr("pr.*").
		ColumnExpr("d.communication_language").
		Join("JOIN devices AS d ON d.id = pr.device_id").
		OrderExpr("pr.device_id")
}

func toPushRegistrationModel(r driver.PushRegistration) *pushRegistrationModel {
	return &pushRegistrationModel{
		DeviceID: r.DeviceID, IdentityAddress: r.IdentityAddress, DevicePushIdentifier: r.DevicePushIdentifier,
		Platform: r.Platform, Handle: r.Handle, AppID: r.AppID, Environment: r.Environment,
		UpdatedAt: newTimestamp(r.UpdatedAt),
	}
}

func (m *pushRegistrationModel) record() driver.PushRegistration {
	return driver.PushRegistration{
		DeviceID: m.DeviceID, IdentityAddress: m.IdentityAddress, DevicePushIdentifier: m.DevicePushIdentifier,
		Platform: m.Platform, Handle: m.Handle, AppID: m.AppID, Environment: m.Environment,
		UpdatedAt: m.UpdatedAt.Time,
	}
}

type pushRegistrationStore struct{ db bun.IDB }

// Upsert is one statement, so that concurrent upserts of a device leave one
// registration: the first inserts it, the others update it and keep its
// device_push_identifier and identity_address. The device must exist (the
// table's foreign key); for an unknown device it returns ErrNotFound.
func (s pushRegistrationStore) Upsert(ctx context.Context, r driver.PushRegistration) (driver.PushRegistration, error) {
	m := toPushRegistrationModel(r)
	if s.db.Dialect().Name() == dialect.MSSQL {
		if err := pushRegistrationMerge(s.db, m).Scan(ctx, m); err != nil {
			return driver.PushRegistration{}, translate("upsert push registration", err)
		}
		return m.record(), nil
	}
	err := s.db.NewInsert().Model(m).
		On("CONFLICT (device_id) DO UPDATE").
		Set("platform = EXCLUDED.platform").
		Set("handle = EXCLUDED.handle").
		Set("app_id = EXCLUDED.app_id").
		Set("environment = EXCLUDED.environment").
		Set("updated_at = EXCLUDED.updated_at").
		Returning("*").
		Scan(ctx)
	if err != nil {
		return driver.PushRegistration{}, translate("upsert push registration", err)
	}
	return m.record(), nil
}

// pushRegistrationMerge is Upsert's statement on SQL Server, returning the
// stored row.
func pushRegistrationMerge(db bun.IDB, m *pushRegistrationModel) *bun.RawQuery {
	return mergeRows(db, "push_registrations",
		[]string{"device_id", "identity_address", "device_push_identifier", "platform", "handle", "app_id", "environment", "updated_at"},
		[]string{"device_id"},
		[]string{"platform", "handle", "app_id", "environment", "updated_at"},
		[][]any{{m.DeviceID, m.IdentityAddress, m.DevicePushIdentifier, m.Platform, m.Handle, m.AppID, m.Environment, m.UpdatedAt}},
		"inserted.device_id, inserted.identity_address, inserted.device_push_identifier, inserted.platform, inserted.handle, inserted.app_id, inserted.environment, inserted.updated_at")
}

func (s pushRegistrationStore) Get(ctx context.Context, deviceID string) (driver.PushRegistration, error) {
	var m pushRegistrationModel
	if err := s.db.NewSelect().Model(&m).Where("pr.device_id = ?", deviceID).Scan(ctx); err != nil {
		return driver.PushRegistration{}, translate("get push registration", err)
	}
	return m.record(), nil
}

func (s pushRegistrationStore) Delete(ctx context.Context, deviceID string) (bool, error) {
	n, err := s.delete(ctx, "device_id = ?", deviceID)
	return n > 0, translate("delete push registration", err)
}

func (s pushRegistrationStore) DeleteIfHandle(ctx context.Context, deviceID, platform, handle string) (bool, error) {
	n, err := s.delete(ctx, "device_id = ? AND platform = ? AND handle = ?", deviceID, platform, handle)
	return n > 0, translate("delete push registration by device and handle", err)
}

func (s pushRegistrationStore) DeleteByHandle(ctx context.Context, platform, handle string) (int, error) {
	n, err := s.delete(ctx, "platform = ? AND handle = ?", platform, handle)
	return int(n), translate("delete push registrations by handle", err)
}

// delete removes the registrations matching where and returns how many.
func (s pushRegistrationStore) delete(ctx context.Context, where string, args ...any) (int64, error) {
	res, err := s.db.NewDelete().Model((*pushRegistrationModel)(nil)).Where(where, args...).Exec(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// ListRecipients reads the registrations of idChunk identities per query,
// through the index on identity_address. The excluded devices are left out
// by the query when they are few (the usual one or none), otherwise after
// it, so that no statement lists more than idChunk IDs of either kind.
func (s pushRegistrationStore) ListRecipients(ctx context.Context, identities []string, excludeDevices []string) ([]driver.PushRecipient, error) {
	out := []driver.PushRecipient{}
	if len(identities) == 0 {
		return out, nil
	}
	// Each identity once, so that no two chunks return the same device.
	identities = slices.Compact(slices.Sorted(slices.Values(identities)))
	var excludeAfter map[string]bool
	if len(excludeDevices) > idChunk {
		excludeAfter = make(map[string]bool, len(excludeDevices))
		for _, id := range excludeDevices {
			excludeAfter[id] = true
		}
	}
	err := forChunks(identities, func(chunk []string) error {
		var ms []pushRecipientModel
		q := selectRecipients(s.db, &ms).Where("pr.identity_address IN (?)", bun.In(chunk))
		if len(excludeDevices) > 0 && excludeAfter == nil {
			q = q.Where("pr.device_id NOT IN (?)", bun.In(excludeDevices))
		}
		if err := q.Scan(ctx); err != nil {
			return err
		}
		for i := range ms {
			if excludeAfter[ms[i].DeviceID] {
				continue
			}
			out = append(out, ms[i].recipient())
		}
		return nil
	})
	if err != nil {
		return nil, translate("list push recipients", err)
	}
	if len(identities) > idChunk {
		// Each chunk came back in order; merge them. Byte order, as the
		// database orders device_id (COLLATE "C" on PostgreSQL).
		slices.SortFunc(out, func(a, b driver.PushRecipient) int { return strings.Compare(a.DeviceID, b.DeviceID) })
	}
	return out, nil
}

func (s pushRegistrationStore) ListAllRecipients(ctx context.Context, afterDeviceID string, limit int) ([]driver.PushRecipient, error) {
	var ms []pushRecipientModel
	err := selectRecipients(s.db, &ms).Where("pr.device_id > ?", afterDeviceID).Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, translate("list all push recipients", err)
	}
	out := make([]driver.PushRecipient, len(ms))
	for i := range ms {
		out[i] = ms[i].recipient()
	}
	return out, nil
}
