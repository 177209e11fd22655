package sqlstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

type deletionProcessModel struct {
	bun.BaseModel `bun:"table:deletion_processes"`

	ID                         string     `bun:"id,pk"`
	IdentityAddress            string     `bun:"identity_address,notnull"`
	Status                     int        `bun:"status,notnull"`
	CreatedAt                  timestamp  `bun:"created_at,notnull"`
	CreatedByDevice            string     `bun:"created_by_device,notnull"`
	GracePeriodEndsAt          *timestamp `bun:"grace_period_ends_at"`
	CancelledAt                *timestamp `bun:"cancelled_at"`
	CancelledByDevice          string     `bun:"cancelled_by_device,nullzero"`
	GracePeriodReminder1SentAt *timestamp `bun:"grace_period_reminder1_sent_at"`
	GracePeriodReminder2SentAt *timestamp `bun:"grace_period_reminder2_sent_at"`
	GracePeriodReminder3SentAt *timestamp `bun:"grace_period_reminder3_sent_at"`
	DeletionStartedAt          *timestamp `bun:"deletion_started_at"`
}

func toDeletionProcessModel(p driver.DeletionProcess) *deletionProcessModel {
	return &deletionProcessModel{
		ID: p.ID, IdentityAddress: p.IdentityAddress, Status: int(p.Status), CreatedAt: newTimestamp(p.CreatedAt),
		CreatedByDevice: p.CreatedByDevice, GracePeriodEndsAt: newTimestampPtr(p.GracePeriodEndsAt),
		CancelledAt: newTimestampPtr(p.CancelledAt), CancelledByDevice: p.CancelledByDevice,
		GracePeriodReminder1SentAt: newTimestampPtr(p.GracePeriodReminder1SentAt),
		GracePeriodReminder2SentAt: newTimestampPtr(p.GracePeriodReminder2SentAt),
		GracePeriodReminder3SentAt: newTimestampPtr(p.GracePeriodReminder3SentAt),
		DeletionStartedAt:          newTimestampPtr(p.DeletionStartedAt),
	}
}

func (m *deletionProcessModel) record() driver.DeletionProcess {
	return driver.DeletionProcess{
		ID: m.ID, IdentityAddress: m.IdentityAddress, Status: driver.DeletionProcessStatus(m.Status),
		CreatedAt: m.CreatedAt.Time, CreatedByDevice: m.CreatedByDevice, GracePeriodEndsAt: m.GracePeriodEndsAt.ptr(),
		CancelledAt: m.CancelledAt.ptr(), CancelledByDevice: m.CancelledByDevice,
		GracePeriodReminder1SentAt: m.GracePeriodReminder1SentAt.ptr(),
		GracePeriodReminder2SentAt: m.GracePeriodReminder2SentAt.ptr(),
		GracePeriodReminder3SentAt: m.GracePeriodReminder3SentAt.ptr(),
		DeletionStartedAt:          m.DeletionStartedAt.ptr(),
	}
}

type deletionAuditModel struct {
	bun.BaseModel `bun:"table:deletion_audit_entries"`

	ID             string    `bun:"id,pk"`
	ProcessID      string    `bun:"process_id,nullzero"`
	AddressHash    string    `bun:"address_hash,notnull"`
	CreatedAt      timestamp `bun:"created_at,notnull"`
	MessageKey     string    `bun:"message_key,notnull"`
	OldStatus      *int      `bun:"old_status"`
	NewStatus      *int      `bun:"new_status"`
	AdditionalData string    `bun:"additional_data,notnull"`
}

func statusPtr(s *driver.DeletionProcessStatus) *int {
	if s == nil {
		return nil
	}
	v := int(*s)
	return &v
}

func processStatusPtr(s *int) *driver.DeletionProcessStatus {
	if s == nil {
		return nil
	}
	v := driver.DeletionProcessStatus(*s)
	return &v
}

func (m *deletionAuditModel) record() (driver.DeletionAuditEntry, error) {
	e := driver.DeletionAuditEntry{
		ID: m.ID, ProcessID: m.ProcessID, AddressHash: m.AddressHash, CreatedAt: m.CreatedAt.Time,
		MessageKey: m.MessageKey, OldStatus: processStatusPtr(m.OldStatus), NewStatus: processStatusPtr(m.NewStatus),
		AdditionalData: map[string]string{},
	}
	return e, json.Unmarshal([]byte(m.AdditionalData), &e.AdditionalData)
}

type deletedUsernameModel struct {
	bun.BaseModel `bun:"table:deleted_usernames"`

	UsernameHash string    `bun:"username_hash,pk"`
	AddressHash  string    `bun:"address_hash,notnull"`
	DeletedAt    timestamp `bun:"deleted_at,notnull"`
}

type deletionStore stores

func (s deletionStore) InsertProcess(ctx context.Context, p driver.DeletionProcess) error {
	return insert(ctx, s.db, "insert deletion process", toDeletionProcessModel(p))
}

func (s deletionStore) GetProcess(ctx context.Context, id string) (driver.DeletionProcess, error) {
	var m deletionProcessModel
	if err := s.db.NewSelect().Model(&m).Where("id = ?", id).Scan(ctx); err != nil {
		return driver.DeletionProcess{}, translate("get deletion process", err)
	}
	return m.record(), nil
}

func (s deletionStore) UpdateProcess(ctx context.Context, p driver.DeletionProcess) error {
	res, err := s.db.NewUpdate().Model(toDeletionProcessModel(p)).
		Column("status", "grace_period_ends_at", "cancelled_at", "cancelled_by_device",
			"grace_period_reminder1_sent_at", "grace_period_reminder2_sent_at", "grace_period_reminder3_sent_at",
			"deletion_started_at").
		WherePK().Exec(ctx)
	return affectedOne("update deletion process", res, err)
}

func (s deletionStore) listProcesses(ctx context.Context, op, where string, arg any) ([]driver.DeletionProcess, error) {
	var ms []deletionProcessModel
	if err := s.db.NewSelect().Model(&ms).Where(where, arg).OrderExpr("created_at, id").Scan(ctx); err != nil {
		return nil, translate(op, err)
	}
	out := make([]driver.DeletionProcess, len(ms))
	for i := range ms {
		out[i] = ms[i].record()
	}
	return out, nil
}

func (s deletionStore) ListProcesses(ctx context.Context, identity string) ([]driver.DeletionProcess, error) {
	return s.listProcesses(ctx, "list deletion processes", "identity_address = ?", identity)
}

func (s deletionStore) ListProcessesInStatus(ctx context.Context, status driver.DeletionProcessStatus) ([]driver.DeletionProcess, error) {
	return s.listProcesses(ctx, "list deletion processes in status", "status = ?", int(status))
}

func (s deletionStore) DeleteCancelledBefore(ctx context.Context, t time.Time) (int, error) {
	res, err := s.db.NewDelete().Model((*deletionProcessModel)(nil)).
		Where("status = ? AND cancelled_at < ?", int(driver.DeletionProcessCancelled), newTimestamp(t)).Exec(ctx)
	return rowsAffected("delete cancelled deletion processes", res, err)
}

func (s deletionStore) AppendAudit(ctx context.Context, entries ...driver.DeletionAuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	ms := make([]deletionAuditModel, len(entries))
	for i, e := range entries {
		data := e.AdditionalData
		if data == nil {
			data = map[string]string{}
		}
		raw, err := json.Marshal(data)
		if err != nil {
			return translate("encode audit data", err)
		}
		ms[i] = deletionAuditModel{
			ID: e.ID, ProcessID: e.ProcessID, AddressHash: e.AddressHash, CreatedAt: newTimestamp(e.CreatedAt),
			MessageKey: e.MessageKey, OldStatus: statusPtr(e.OldStatus), NewStatus: statusPtr(e.NewStatus),
			AdditionalData: string(raw),
		}
	}
	err := stores(s).atomic(ctx, func(db bun.IDB) error { return insertRows(ctx, db, &ms, len(ms)) })
	return translate("append deletion audit entries", err)
}

// auditOrder is insertion order within one instant: a sequence on
// PostgreSQL, an identity column on SQL Server, the rowid on SQLite.
func (s deletionStore) auditOrder() string {
	switch s.db.Dialect().Name() {
	case dialect.PG, dialect.MSSQL:
		return "created_at, seq"
	}
	return "created_at, rowid"
}

func (s deletionStore) listAudit(ctx context.Context, op, where string, arg any) ([]driver.DeletionAuditEntry, error) {
	var ms []deletionAuditModel
	if err := s.db.NewSelect().Model(&ms).Where(where, arg).OrderExpr(s.auditOrder()).Scan(ctx); err != nil {
		return nil, translate(op, err)
	}
	out := make([]driver.DeletionAuditEntry, len(ms))
	for i := range ms {
		e, err := ms[i].record()
		if err != nil {
			return nil, translate(op, err)
		}
		out[i] = e
	}
	return out, nil
}

func (s deletionStore) ListAudit(ctx context.Context, addressHash string) ([]driver.DeletionAuditEntry, error) {
	return s.listAudit(ctx, "list deletion audit", "address_hash = ?", addressHash)
}

func (s deletionStore) ListAuditOfProcess(ctx context.Context, processID string) ([]driver.DeletionAuditEntry, error) {
	return s.listAudit(ctx, "list deletion audit of process", "process_id = ?", processID)
}

func (s deletionStore) RecordDeletedUsernames(ctx context.Context, addressHash string, usernameHashes []string, t time.Time) error {
	err := stores(s).atomic(ctx, func(db bun.IDB) error {
		for _, h := range usernameHashes {
			exists, err := db.NewSelect().Model((*deletedUsernameModel)(nil)).Where("username_hash = ?", h).Exists(ctx)
			if err != nil {
				return err
			}
			if exists {
				continue
			}
			m := &deletedUsernameModel{UsernameHash: h, AddressHash: addressHash, DeletedAt: newTimestamp(t)}
			if _, err := db.NewInsert().Model(m).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	return translate("record deleted usernames", err)
}

func (s deletionStore) DeletedAtByUsername(ctx context.Context, usernameHash string) (time.Time, error) {
	var m deletedUsernameModel
	if err := s.db.NewSelect().Model(&m).Where("username_hash = ?", usernameHash).Scan(ctx); err != nil {
		return time.Time{}, translate("get deleted username", err)
	}
	return m.DeletedAt.Time, nil
}

func (s deletionStore) DeleteAuditOfDeletedBefore(ctx context.Context, t time.Time) (int, error) {
	res, err := s.db.NewDelete().Model((*deletionAuditModel)(nil)).
		Where("created_at < ?", newTimestamp(t)).
		Where("address_hash IN (SELECT address_hash FROM deleted_usernames)").Exec(ctx)
	return rowsAffected("delete deletion audit", res, err)
}

func (s deletionStore) FilesOwnedBy(ctx context.Context, identity string) ([]string, error) {
	var ids []string
	err := s.db.NewSelect().Model((*fileModel)(nil)).Column("id").Where("owner = ?", identity).OrderExpr("id").Scan(ctx, &ids)
	return ids, translate("list owned files", err)
}

func (s deletionStore) FileExists(ctx context.Context, id string) (bool, error) {
	ok, err := s.db.NewSelect().Model((*fileModel)(nil)).Where("id = ?", id).Exists(ctx)
	return ok, translate("look up file", err)
}

// execInOrder runs statements in order and stops at the first failure.
func execInOrder(ctx context.Context, db bun.IDB, stmts ...sqlStatement) error {
	for _, st := range stmts {
		if _, err := db.ExecContext(ctx, st.query, st.args...); err != nil {
			return err
		}
	}
	return nil
}

type sqlStatement struct {
	query string
	args  []any
}

func stmt(query string, args ...any) sqlStatement { return sqlStatement{query, args} }

func (s deletionStore) EraseIdentity(ctx context.Context, identity string) error {
	x := identity
	err := stores(s).atomic(ctx, func(db bun.IDB) error {
		return execInOrder(ctx, db,
			stmt("DELETE FROM challenges WHERE created_by = ?", x),
			stmt("DELETE FROM files WHERE owner = ?", x),
			stmt("UPDATE relationships SET template_id = NULL WHERE template_id IN (SELECT id FROM relationship_templates WHERE created_by = ?)", x),
			stmt("DELETE FROM relationship_template_allocations WHERE template_id IN (SELECT id FROM relationship_templates WHERE created_by = ?)", x),
			stmt("DELETE FROM relationship_templates WHERE created_by = ?", x),
			stmt("DELETE FROM token_allocations WHERE token_id IN (SELECT id FROM tokens WHERE created_by = ?)", x),
			stmt("DELETE FROM tokens WHERE created_by = ?", x),
			stmt("DELETE FROM external_events WHERE owner = ?", x),
			stmt("DELETE FROM sync_runs WHERE created_by = ?", x),
			stmt("DELETE FROM datawallet_modifications WHERE owner = ?", x),
			stmt("DELETE FROM datawallets WHERE owner = ?", x),
			stmt("DELETE FROM push_registrations WHERE identity_address = ?", x),
			stmt("DELETE FROM devices WHERE identity_address = ?", x),
			stmt("DELETE FROM identity_feature_flags WHERE identity_address = ?", x),
			stmt("DELETE FROM deletion_processes WHERE identity_address = ?", x),
			stmt("DELETE FROM identities WHERE address = ?", x),
		)
	})
	return translate("erase identity", err)
}

func (s deletionStore) AnonymiseIdentity(ctx context.Context, identity, anon string) error {
	x := identity
	err := stores(s).atomic(ctx, func(db bun.IDB) error {
		// The pair key is derived from both addresses, so each of the
		// identity's relationships is rewritten on its own.
		var rels []relationshipModel
		if err := db.NewSelect().Model(&rels).Where("from_address = ? OR to_address = ?", x, x).Scan(ctx); err != nil {
			return err
		}
		for _, r := range rels {
			from, to := r.From, r.To
			if from == x {
				from = anon
			}
			if to == x {
				to = anon
			}
			if _, err := db.NewUpdate().Model((*relationshipModel)(nil)).
				Set("from_address = ?, to_address = ?, pair_key = ?", from, to, pairKey(from, to)).
				Where("id = ?", r.ID).Exec(ctx); err != nil {
				return err
			}
		}
		if err := execInOrder(ctx, db,
			stmt("UPDATE relationship_audit_entries SET created_by = ? WHERE created_by = ?", anon, x),
			stmt("UPDATE messages SET created_by = ? WHERE created_by = ?", anon, x),
			stmt("UPDATE message_recipients SET sender = ? WHERE sender = ?", anon, x),
			stmt("UPDATE message_recipients SET address = ? WHERE address = ?", anon, x),
			stmt("UPDATE files SET created_by = ? WHERE created_by = ?", anon, x),
			stmt("UPDATE relationship_templates SET for_identity = ? WHERE for_identity = ?", anon, x),
			stmt("UPDATE tokens SET for_identity = ? WHERE for_identity = ?", anon, x),
		); err != nil {
			return err
		}
		// Allocations are keyed by (object, allocator): one anon may
		// already hold the key, and then the identity's allocation is
		// only dropped.
		for _, t := range []struct{ table, key string }{
			{"relationship_template_allocations", "template_id"},
			{"token_allocations", "token_id"},
		} {
			if err := execInOrder(ctx, db,
				stmt("DELETE FROM "+t.table+" WHERE allocated_by = ? AND "+t.key+" IN (SELECT "+t.key+" FROM "+t.table+" WHERE allocated_by = ?)", x, anon),
				stmt("UPDATE "+t.table+" SET allocated_by = ? WHERE allocated_by = ?", anon, x),
			); err != nil {
				return err
			}
		}
		if err := s.anonymisePayloads(ctx, db, x, anon); err != nil {
			return err
		}
		orphans := "SELECT id FROM messages WHERE created_by = ? AND NOT EXISTS (SELECT 1 FROM message_recipients r WHERE r.message_id = messages.id AND r.address <> ?)"
		return execInOrder(ctx, db,
			stmt("DELETE FROM message_attachments WHERE message_id IN ("+orphans+")", anon, anon),
			stmt("DELETE FROM message_recipients WHERE message_id IN ("+orphans+")", anon, anon),
			stmt("DELETE FROM messages WHERE id IN ("+orphans+")", anon, anon),
		)
	})
	return translate("anonymise identity", err)
}

// anonymisePayloads replaces the address in the JSON payloads of other
// identities' external events (PeerFeatureFlagsChanged names the peer).
// Addresses contain no character JSON escapes, so a byte replacement is
// exact.
func (s deletionStore) anonymisePayloads(ctx context.Context, db bun.IDB, x, anon string) error {
	_, err := db.NewRaw(anonymisePayloadsQuery(db.Dialect().Name()), payloadArg(db, x), payloadArg(db, anon), payloadArg(db, x)).Exec(ctx)
	return err
}

// anonymisePayloadsQuery replaces the bytes ?1 by ?2 in the payloads that
// contain ?3. SQL Server has no byte-string functions: it reads the
// payload as single-byte text in a binary collation, which keeps every
// byte, and the arguments are byte literals read the same way (see
// payloadArg).
func anonymisePayloadsQuery(d dialect.Name) string {
	switch d {
	case dialect.PG:
		return "UPDATE external_events SET payload = convert_to(replace(convert_from(payload, 'UTF8'), ?, ?), 'UTF8') WHERE position(convert_to(?, 'UTF8') in payload) > 0"
	case dialect.MSSQL:
		return "UPDATE external_events SET payload = CAST(REPLACE(CAST(payload AS varchar(max)) COLLATE " + binaryCollation + ", CAST(? AS varchar(max)), CAST(? AS varchar(max))) AS varbinary(max)) " +
			"WHERE CHARINDEX(CAST(? AS varchar(max)) COLLATE " + binaryCollation + ", CAST(payload AS varchar(max)) COLLATE " + binaryCollation + ") > 0"
	}
	return "UPDATE external_events SET payload = CAST(replace(CAST(payload AS TEXT), ?, ?) AS BLOB) WHERE instr(payload, CAST(? AS BLOB)) > 0"
}

// payloadArg is s as anonymisePayloadsQuery's dialect expects it: its
// UTF-8 bytes on SQL Server, where a string literal would be UTF-16 text.
func payloadArg(db bun.IDB, s string) any {
	if db.Dialect().Name() == dialect.MSSQL {
		return []byte(s)
	}
	return s
}

func (s deletionStore) DeleteFilesExpiredBefore(ctx context.Context, t time.Time) ([]string, error) {
	var ids []string
	err := stores(s).atomic(ctx, func(db bun.IDB) error {
		if err := db.NewSelect().Model((*fileModel)(nil)).Column("id").Where("expires_at < ?", newTimestamp(t)).Scan(ctx, &ids); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		_, err := db.NewDelete().Model((*fileModel)(nil)).Where("id IN (?)", bun.In(ids)).Exec(ctx)
		return err
	})
	return ids, translate("delete expired files", err)
}

func (s deletionStore) DeleteTemplatesExpiredBefore(ctx context.Context, t time.Time) (int, error) {
	expired := "SELECT id FROM relationship_templates WHERE expires_at < ? AND NOT EXISTS (SELECT 1 FROM relationships r WHERE r.template_id = relationship_templates.id)"
	return s.deleteWithDependants(ctx, "delete expired templates",
		"DELETE FROM relationship_template_allocations WHERE template_id IN ("+expired+")",
		"DELETE FROM relationship_templates WHERE id IN ("+expired+")", newTimestamp(t))
}

func (s deletionStore) DeleteTokensExpiredBefore(ctx context.Context, t time.Time) (int, error) {
	return s.deleteWithDependants(ctx, "delete expired tokens",
		"DELETE FROM token_allocations WHERE token_id IN (SELECT id FROM tokens WHERE expires_at < ?)",
		"DELETE FROM tokens WHERE expires_at < ?", newTimestamp(t))
}

// deleteWithDependants runs the DELETE of the rows that depend on those
// main deletes, then main, both with args and in one transaction, and
// returns how many rows main deleted.
func (s deletionStore) deleteWithDependants(ctx context.Context, op, dependants, main string, args ...any) (int, error) {
	var n int64
	err := stores(s).atomic(ctx, func(db bun.IDB) error {
		if _, err := db.ExecContext(ctx, dependants, args...); err != nil {
			return err
		}
		res, err := db.ExecContext(ctx, main, args...)
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	return int(n), translate(op, err)
}

func (s deletionStore) DeleteRelationshipsReadyForDeletionBefore(ctx context.Context, t time.Time) (int, error) {
	var ids []string
	err := stores(s).atomic(ctx, func(db bun.IDB) error {
		st := int(driver.RelationshipReadyForDeletion)
		if err := db.NewSelect().Model((*relationshipModel)(nil)).Column("id").Where("status = ?", st).
			Where("EXISTS (SELECT 1 FROM relationship_audit_entries a WHERE a.relationship_id = ?TableAlias.id AND a.new_status = ? AND a.created_at < ?)", st, newTimestamp(t)).
			Scan(ctx, &ids); err != nil || len(ids) == 0 {
			return err
		}
		if _, err := db.NewDelete().Model((*relationshipAuditModel)(nil)).Where("relationship_id IN (?)", bun.In(ids)).Exec(ctx); err != nil {
			return err
		}
		_, err := db.NewDelete().Model((*relationshipModel)(nil)).Where("id IN (?)", bun.In(ids)).Exec(ctx)
		return err
	})
	return len(ids), translate("delete relationships ready for deletion", err)
}

func (s deletionStore) DeleteEventsOfDeletedIdentities(ctx context.Context) (int, error) {
	res, err := s.db.ExecContext(ctx, "DELETE FROM external_events WHERE NOT EXISTS (SELECT 1 FROM identities i WHERE i.address = external_events.owner)")
	return rowsAffected("delete external events of deleted identities", res, err)
}

func (s deletionStore) DeleteSupersededModificationsBefore(ctx context.Context, t time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, "DELETE FROM datawallet_modifications WHERE superseded = ? AND created_at < ?", true, newTimestamp(t))
	return rowsAffected("delete superseded datawallet modifications", res, err)
}
