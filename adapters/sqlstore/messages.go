package sqlstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

type messageModel struct {
	bun.BaseModel `bun:"table:messages,alias:m"`

	ID              string    `bun:"id,pk"`
	CreatedAt       timestamp `bun:"created_at,notnull"`
	CreatedBy       string    `bun:"created_by,notnull"`
	CreatedByDevice string    `bun:"created_by_device,notnull"`
	Body            []byte    `bun:"body,notnull"`
}

type messageRecipientModel struct {
	bun.BaseModel `bun:"table:message_recipients"`

	MessageID             string     `bun:"message_id,pk"`
	Index                 int        `bun:"idx,pk"`
	Sender                string     `bun:"sender,notnull"`
	Address               string     `bun:"address,notnull"`
	RelationshipID        string     `bun:"relationship_id,notnull"`
	EncryptedKey          []byte     `bun:"encrypted_key,notnull"`
	ReceivedAt            *timestamp `bun:"received_at"`
	ReceivedByDevice      string     `bun:"received_by_device,nullzero"`
	DecomposedBySender    bool       `bun:"decomposed_by_sender,notnull"`
	DecomposedByRecipient bool       `bun:"decomposed_by_recipient,notnull"`
}

type messageAttachmentModel struct {
	bun.BaseModel `bun:"table:message_attachments"`

	MessageID string `bun:"message_id,pk"`
	Index     int    `bun:"idx,pk"`
	FileID    string `bun:"file_id,notnull"`
}

func (m *messageRecipientModel) record() driver.MessageRecipient {
	return driver.MessageRecipient{
		Address: m.Address, RelationshipID: m.RelationshipID, EncryptedKey: m.EncryptedKey,
		ReceivedAt: m.ReceivedAt.ptr(), ReceivedByDevice: m.ReceivedByDevice,
		DecomposedBySender: m.DecomposedBySender, DecomposedByRecipient: m.DecomposedByRecipient,
	}
}

type messageStore stores

func (s messageStore) Insert(ctx context.Context, m driver.MessageRecord) error {
	err := stores(s).atomic(ctx, func(db bun.IDB) error {
		msg := &messageModel{
			ID: m.ID, CreatedAt: newTimestamp(m.CreatedAt), CreatedBy: m.CreatedBy,
			CreatedByDevice: m.CreatedByDevice, Body: m.Body,
		}
		if err := insertRows(ctx, db, msg, 1); err != nil {
			return err
		}
		if len(m.Recipients) > 0 {
			rs := make([]messageRecipientModel, len(m.Recipients))
			for i, r := range m.Recipients {
				rs[i] = messageRecipientModel{
					MessageID: m.ID, Index: i, Sender: m.CreatedBy, Address: r.Address, RelationshipID: r.RelationshipID,
					EncryptedKey: r.EncryptedKey, ReceivedAt: newTimestampPtr(r.ReceivedAt), ReceivedByDevice: r.ReceivedByDevice,
					DecomposedBySender: r.DecomposedBySender, DecomposedByRecipient: r.DecomposedByRecipient,
				}
				if rs[i].EncryptedKey == nil {
					rs[i].EncryptedKey = []byte{}
				}
			}
			if err := insertRows(ctx, db, &rs, len(rs)); err != nil {
				return err
			}
		}
		if len(m.Attachments) > 0 {
			as := make([]messageAttachmentModel, len(m.Attachments))
			for i, id := range m.Attachments {
				as[i] = messageAttachmentModel{MessageID: m.ID, Index: i, FileID: id}
			}
			return insertRows(ctx, db, &as, len(as))
		}
		return nil
	})
	return translate("insert message", err)
}

func (s messageStore) Get(ctx context.Context, id string) (driver.MessageRecord, error) {
	var m messageModel
	if err := s.db.NewSelect().Model(&m).Where("id = ?", id).Scan(ctx); err != nil {
		return driver.MessageRecord{}, translate("get message", err)
	}
	ms, err := withRecipientsAndAttachments(ctx, s.db, []messageModel{m})
	if err != nil {
		return driver.MessageRecord{}, translate("get message: recipients and attachments", err)
	}
	return ms[0], nil
}

// withRecipientsAndAttachments returns the records of ms with their
// recipients and attachments, read in one query each per idChunk messages.
func withRecipientsAndAttachments(ctx context.Context, db bun.IDB, ms []messageModel) ([]driver.MessageRecord, error) {
	out := make([]driver.MessageRecord, len(ms))
	pos := make(map[string]int, len(ms))
	ids := make([]string, len(ms))
	for i := range ms {
		out[i] = driver.MessageRecord{
			ID: ms[i].ID, CreatedAt: ms[i].CreatedAt.Time, CreatedBy: ms[i].CreatedBy, CreatedByDevice: ms[i].CreatedByDevice,
			Body: ms[i].Body, Attachments: []string{}, Recipients: []driver.MessageRecipient{},
		}
		pos[ms[i].ID] = i
		ids[i] = ms[i].ID
	}
	err := forChunks(ids, func(chunk []string) error {
		var rs []messageRecipientModel
		err := db.NewSelect().Model(&rs).Where("message_id IN (?)", bun.In(chunk)).OrderExpr("message_id, idx").Scan(ctx)
		if err != nil {
			return err
		}
		for i := range rs {
			m := &out[pos[rs[i].MessageID]]
			m.Recipients = append(m.Recipients, rs[i].record())
		}
		var as []messageAttachmentModel
		err = db.NewSelect().Model(&as).Where("message_id IN (?)", bun.In(chunk)).OrderExpr("message_id, idx").Scan(ctx)
		for i := range as {
			m := &out[pos[as[i].MessageID]]
			m.Attachments = append(m.Attachments, as[i].FileID)
		}
		return err
	})
	return out, err
}

func (s messageStore) ListVisible(ctx context.Context, identity string, ids []string, page driver.PageRequest) ([]driver.MessageRecord, int, error) {
	// The messages identity received and may still see, and those it sent
	// with a recipient entry it has not decomposed: one index each.
	visible := s.db.NewSelect().TableExpr("message_recipients AS r").Column("r.message_id").
		Where("r.address = ? AND r.decomposed_by_recipient = ?", identity, false).
		UnionAll(s.db.NewSelect().TableExpr("messages AS s").Column("s.id").
			Where("s.created_by = ?", identity).
			Where("EXISTS (?)", s.db.NewSelect().TableExpr("message_recipients AS sr").ColumnExpr("1").
				Where("sr.message_id = s.id AND sr.decomposed_by_sender = ?", false)))
	filter := func(q *bun.SelectQuery) *bun.SelectQuery {
		q = q.Where("m.id IN (?)", visible)
		if len(ids) > 0 {
			q = q.Where("m.id IN (?)", bun.In(ids))
		}
		return q
	}
	total, err := s.db.NewSelect().Model((*messageModel)(nil)).Apply(filter).Count(ctx)
	if err != nil {
		return nil, 0, translate("count visible messages", err)
	}
	var ms []messageModel
	err = s.db.NewSelect().Model(&ms).Apply(filter).
		OrderExpr("m.created_at, m.id").Limit(int64(page.Size)).Offset(int64(page.Offset())).
		Scan(ctx)
	if err != nil {
		return nil, 0, translate("list visible messages", err)
	}
	out, err := withRecipientsAndAttachments(ctx, s.db, ms)
	if err != nil {
		return nil, 0, translate("list visible messages: recipients and attachments", err)
	}
	return out, int(total), nil
}

func (s messageStore) MarkReceived(ctx context.Context, messageID, address, device string, at time.Time) (bool, error) {
	// The condition on received_at is checked again on the row a
	// concurrent UPDATE committed (PostgreSQL), or the statements run one
	// after the other (SQLite): only one of them sets the columns.
	res, err := s.db.NewUpdate().Model((*messageRecipientModel)(nil)).
		Set("received_at = ?", newTimestamp(at)).
		Set("received_by_device = ?", device).
		Where("message_id = ? AND address = ? AND received_at IS NULL", messageID, address).
		Exec(ctx)
	if err != nil {
		return false, translate("mark message received", err)
	}
	n, err := res.RowsAffected()
	return n > 0, translate("mark message received", err)
}

func (s messageStore) CountUnreceived(ctx context.Context, sender, recipient string) (int, error) {
	var n int
	err := s.db.NewSelect().Model((*messageRecipientModel)(nil)).
		ColumnExpr("COUNT(DISTINCT message_id)").
		Where("sender = ? AND address = ? AND received_at IS NULL", sender, recipient).
		Scan(ctx, &n)
	return n, translate("count unreceived messages", err)
}
