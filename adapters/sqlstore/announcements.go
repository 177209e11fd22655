package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

type announcementModel struct {
	bun.BaseModel `bun:"table:announcements,alias:a"`

	ID        string     `bun:"id,pk"`
	CreatedAt timestamp  `bun:"created_at,notnull"`
	ExpiresAt *timestamp `bun:"expires_at"`
	Severity  string     `bun:"severity,notnull"`
	IsSilent  bool       `bun:"is_silent,notnull"`
	IqlQuery  string     `bun:"iql_query,nullzero"`
	Texts     string     `bun:"texts,notnull"`
	Actions   string     `bun:"actions,notnull"`
	Targeted  bool       `bun:"targeted,notnull"`
}

type announcementRecipientModel struct {
	bun.BaseModel `bun:"table:announcement_recipients,alias:ar"`

	AnnouncementID string `bun:"announcement_id,pk"`
	Idx            int    `bun:"idx,pk"`
	Address        string `bun:"address,notnull"`
}

// announcementTextJSON and announcementActionJSON are the stored JSON of
// texts and actions; their names are the store's, not the API's.
type announcementTextJSON struct {
	Language string `json:"language"`
	Title    string `json:"title"`
	Body     string `json:"body"`
}

type announcementActionJSON struct {
	DisplayName map[string]string `json:"displayName"`
	Link        string            `json:"link"`
}

func toAnnouncementModel(a driver.Announcement) (*announcementModel, error) {
	texts := make([]announcementTextJSON, len(a.Texts))
	for i, t := range a.Texts {
		texts[i] = announcementTextJSON(t)
	}
	actions := make([]announcementActionJSON, len(a.Actions))
	for i, ac := range a.Actions {
		actions[i] = announcementActionJSON(ac)
	}
	tj, err := json.Marshal(texts)
	if err != nil {
		return nil, err
	}
	aj, err := json.Marshal(actions)
	if err != nil {
		return nil, err
	}
	m := &announcementModel{
		ID: a.ID, CreatedAt: newTimestamp(a.CreatedAt), Severity: a.Severity, IsSilent: a.IsSilent,
		IqlQuery: a.IqlQuery, Texts: string(tj), Actions: string(aj), Targeted: a.Targeted,
	}
	if !a.ExpiresAt.IsZero() {
		m.ExpiresAt = newTimestampPtr(&a.ExpiresAt)
	}
	return m, nil
}

func (m *announcementModel) record(recipients []string) (driver.Announcement, error) {
	a := driver.Announcement{
		ID: m.ID, CreatedAt: m.CreatedAt.Time, Severity: m.Severity, IsSilent: m.IsSilent, IqlQuery: m.IqlQuery,
		Targeted: m.Targeted, Recipients: recipients,
	}
	if m.ExpiresAt != nil {
		a.ExpiresAt = m.ExpiresAt.Time
	}
	var texts []announcementTextJSON
	if err := json.Unmarshal([]byte(m.Texts), &texts); err != nil {
		return a, fmt.Errorf("announcement %s: texts: %w", m.ID, err)
	}
	var actions []announcementActionJSON
	if err := json.Unmarshal([]byte(m.Actions), &actions); err != nil {
		return a, fmt.Errorf("announcement %s: actions: %w", m.ID, err)
	}
	a.Texts = make([]driver.AnnouncementText, len(texts))
	for i, t := range texts {
		a.Texts[i] = driver.AnnouncementText(t)
	}
	a.Actions = make([]driver.AnnouncementAction, len(actions))
	for i, ac := range actions {
		a.Actions[i] = driver.AnnouncementAction(ac)
	}
	if a.Recipients == nil {
		a.Recipients = []string{}
	}
	return a, nil
}

type announcementStore stores

func (s announcementStore) Insert(ctx context.Context, a driver.Announcement) error {
	m, err := toAnnouncementModel(a)
	if err != nil {
		return fmt.Errorf("sqlstore: insert announcement: %w", err)
	}
	err = stores(s).atomic(ctx, func(db bun.IDB) error {
		if err := insertRows(ctx, db, m, 1); err != nil {
			return err
		}
		if len(a.Recipients) == 0 {
			return nil
		}
		rs := make([]announcementRecipientModel, len(a.Recipients))
		for i, addr := range a.Recipients {
			rs[i] = announcementRecipientModel{AnnouncementID: a.ID, Idx: i, Address: addr}
		}
		return insertRows(ctx, db, &rs, len(rs))
	})
	return translate("insert announcement", err)
}

func (s announcementStore) Get(ctx context.Context, id string) (driver.Announcement, error) {
	var m announcementModel
	if err := s.db.NewSelect().Model(&m).Where("id = ?", id).Scan(ctx); err != nil {
		return driver.Announcement{}, translate("get announcement", err)
	}
	out, err := s.withRecipients(ctx, []announcementModel{m})
	if err != nil {
		return driver.Announcement{}, err
	}
	return out[0], nil
}

func (s announcementStore) List(ctx context.Context) ([]driver.Announcement, error) {
	var ms []announcementModel
	if err := s.db.NewSelect().Model(&ms).OrderExpr("a.created_at, a.id").Scan(ctx); err != nil {
		return nil, translate("list announcements", err)
	}
	return s.withRecipients(ctx, ms)
}

func (s announcementStore) ListForRecipient(ctx context.Context, address string) ([]driver.Announcement, error) {
	var ms []announcementModel
	err := s.db.NewSelect().Model(&ms).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("a.targeted = ?", false).
				WhereOr("EXISTS (?)", s.db.NewSelect().TableExpr("announcement_recipients AS r").ColumnExpr("1").
					Where("r.announcement_id = a.id AND r.address = ?", address))
		}).
		OrderExpr("a.created_at, a.id").Scan(ctx)
	if err != nil {
		return nil, translate("list announcements for recipient", err)
	}
	return s.withRecipients(ctx, ms)
}

// withRecipients turns models into records with their recipients, read in
// one query per idChunk announcements.
func (s announcementStore) withRecipients(ctx context.Context, ms []announcementModel) ([]driver.Announcement, error) {
	recipients := map[string][]string{}
	var targeted []string
	for _, m := range ms {
		if m.Targeted {
			targeted = append(targeted, m.ID)
		}
	}
	err := forChunks(targeted, func(chunk []string) error {
		var rs []announcementRecipientModel
		if err := s.db.NewSelect().Model(&rs).Where("announcement_id IN (?)", bun.In(chunk)).
			OrderExpr("announcement_id, idx").Scan(ctx); err != nil {
			return err
		}
		for _, r := range rs {
			recipients[r.AnnouncementID] = append(recipients[r.AnnouncementID], r.Address)
		}
		return nil
	})
	if err != nil {
		return nil, translate("list announcement recipients", err)
	}
	out := make([]driver.Announcement, len(ms))
	for i := range ms {
		if out[i], err = ms[i].record(recipients[ms[i].ID]); err != nil {
			return nil, fmt.Errorf("sqlstore: read announcement: %w", err)
		}
	}
	return out, nil
}

func (s announcementStore) Delete(ctx context.Context, id string) error {
	res, err := s.db.NewDelete().Model((*announcementModel)(nil)).Where("id = ?", id).Exec(ctx)
	return affectedOne("delete announcement", res, err)
}

func (s announcementStore) DeleteExpired(ctx context.Context, t time.Time) (int, error) {
	res, err := s.db.NewDelete().Model((*announcementModel)(nil)).
		Where("expires_at IS NOT NULL AND expires_at <= ?", newTimestamp(t)).Exec(ctx)
	return rowsAffected("delete expired announcements", res, err)
}

func (s announcementStore) RemoveRecipient(ctx context.Context, address string) (int, error) {
	res, err := s.db.NewDelete().Model((*announcementRecipientModel)(nil)).Where("address = ?", address).Exec(ctx)
	return rowsAffected("remove announcement recipient", res, err)
}
