package backbone

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// DeletionConfig sets the grace period of identity deletion and how long
// the housekeeping job keeps what is over.
type DeletionConfig struct {
	// GracePeriod is how long an identity may cancel its deletion, unless
	// it asks for another length.
	GracePeriod time.Duration
	// ReminderDaysBeforeEnd are the days before the end of the grace
	// period from which reminders 1, 2 and 3 are sent.
	ReminderDaysBeforeEnd [3]int
	// Retention is how long expired challenges, files, templates and
	// tokens, finalized sync runs, superseded datawallet modifications,
	// cancelled deletion processes and relationships ready for deletion
	// are kept.
	Retention time.Duration
	// AuditLogRetention is how long the deletion audit log of a deleted
	// identity is kept.
	AuditLogRetention time.Duration
}

// DefaultDeletionConfig returns the reference's values.
func DefaultDeletionConfig() DeletionConfig {
	return DeletionConfig{
		GracePeriod: 14 * 24 * time.Hour, ReminderDaysBeforeEnd: [3]int{12, 10, 5},
		Retention: 30 * 24 * time.Hour, AuditLogRetention: 731 * 24 * time.Hour,
	}
}

func (c DeletionConfig) validate() error {
	r := c.ReminderDaysBeforeEnd
	if c.GracePeriod < 0 || c.Retention <= 0 || c.AuditLogRetention <= 0 || r[0] < r[1] || r[1] < r[2] || r[2] < 0 {
		return errors.New("Deletion: GracePeriod must not be negative, the retentions must be positive, and the reminder days must not grow from the first to the third")
	}
	return nil
}

// Jobs are the background jobs of identity deletion and housekeeping. Each
// runs once and returns; a scheduler (cron, Kubernetes CronJob, or the
// reference server's embedded one) runs them daily. They are safe to run
// again after a failure and beside a serving Backbone.
type Jobs struct{ b *Backbone }

// JobReport says what one run of a job did: a count per step.
type JobReport struct {
	Counts map[string]int
	// Failures are the identities whose deletion failed (and is retried
	// next time), by address, with the error.
	Failures map[string]error
}

func newReport() JobReport { return JobReport{Counts: map[string]int{}, Failures: map[string]error{}} }

// SendGracePeriodReminders reminds identities whose deletion is near: once
// each when at most ReminderDaysBeforeEnd[0], [1] and [2] days are left.
func (j *Jobs) SendGracePeriodReminders(ctx context.Context) (JobReport, error) {
	b := j.b
	rep := newReport()
	ps, err := b.store.Deletion().ListProcessesInStatus(ctx, DeletionProcessActive)
	if err != nil {
		return rep, internal("list active deletion processes", err)
	}
	days := b.cfg.Deletion.ReminderDaysBeforeEnd
	for _, p := range ps {
		now := b.now()
		if p.GracePeriodEndsAt == nil {
			continue
		}
		left := p.GracePeriodEndsAt.Sub(now).Hours() / 24
		// Only the most urgent reminder due is sent: an identity that
		// started with 4 days gets reminder 3 and never 1 or 2.
		n := 0
		switch {
		case left <= float64(days[2]):
			if p.GracePeriodReminder3SentAt == nil {
				n = 3
			}
		case left <= float64(days[1]):
			if p.GracePeriodReminder2SentAt == nil {
				n = 2
			}
		case left <= float64(days[0]):
			if p.GracePeriodReminder1SentAt == nil {
				n = 1
			}
		}
		if n == 0 {
			continue
		}
		daysLeft := max(0, int(math.Ceil(left)))
		err := b.inTx(ctx, func(tx driver.Tx) error {
			cur, err := tx.Deletion().GetProcess(ctx, p.ID)
			if err != nil {
				return internal("get deletion process", err)
			}
			sent := [3]**time.Time{&cur.GracePeriodReminder1SentAt, &cur.GracePeriodReminder2SentAt, &cur.GracePeriodReminder3SentAt}
			if cur.Status != DeletionProcessActive || *sent[n-1] != nil {
				return nil // cancelled or reminded meanwhile
			}
			*sent[n-1] = &now
			if err := tx.Deletion().UpdateProcess(ctx, cur); err != nil {
				return internal("update deletion process", err)
			}
			if err := tx.Deletion().AppendAudit(ctx, auditOf(cur, now, fmt.Sprintf(AuditGracePeriodReminder, n), nil, nil, nil)); err != nil {
				return internal("append deletion audit", err)
			}
			payload, _ := json.Marshal(map[string]int{"daysUntilDeletion": daysLeft})
			return b.raise(ctx, tx, now, PushNotificationRequested{
				Recipients: []string{cur.IdentityAddress}, EventName: pushDeletionProcessGracePeriodReminder, Payload: payload,
			})
		})
		if err != nil {
			return rep, err
		}
		rep.Counts[fmt.Sprintf("reminder%d", n)]++
	}
	return rep, nil
}

// An identityDeleter removes or anonymises what one area holds of an
// identity being deleted. It must be safe to run again: a failed deletion
// is retried from the first deleter.
type identityDeleter struct {
	// aggregateTypes are recorded in a DataDeleted audit entry each.
	aggregateTypes []string
	// before runs ahead of the erasure, on its own: work that raises
	// events or reaches outside the store.
	before func(ctx context.Context, address string) error
	// erase runs in the transaction that deletes the identity, so that a
	// consumer still writing for the identity either finishes before it or
	// finds the identity gone.
	erase func(ctx context.Context, tx driver.Tx, address string) error
}

// identityDeleters are run in this order for every identity being deleted.
// Areas with data of their own (announcements) add their deleter to this
// list; the erasure of everything else in the store comes last, in the
// same transaction as the erase steps.
func (b *Backbone) identityDeleters() []identityDeleter {
	return []identityDeleter{
		{aggregateTypes: []string{"Relationships"}, before: b.decomposeRelationshipsOf},
		{aggregateTypes: []string{"Files"}, before: b.deleteBlobsOf},
		{aggregateTypes: []string{"QuotaIdentities"}, erase: func(ctx context.Context, tx driver.Tx, x string) error {
			return internal("delete quotas of identity", tx.Quotas().DeleteIdentity(ctx, x))
		}},
		{aggregateTypes: []string{"AnnouncementRecipients"}, erase: func(ctx context.Context, tx driver.Tx, x string) error {
			_, err := b.Announcements.removeRecipient(ctx, tx, x)
			return err
		}},
	}
}

// ActualDeletion deletes the identities whose grace period is over: it
// moves their processes to Deleting (telling their peers and devices),
// runs the deleters, and erases or anonymises the rest of their data.
// Identities whose deletion failed earlier are tried again.
func (j *Jobs) ActualDeletion(ctx context.Context) (JobReport, error) {
	b := j.b
	rep := newReport()
	ps, err := b.store.Deletion().ListProcessesInStatus(ctx, DeletionProcessActive)
	if err != nil {
		return rep, internal("list active deletion processes", err)
	}
	for _, p := range ps {
		if p.GracePeriodEndsAt == nil || !p.GracePeriodEndsAt.Before(b.now()) {
			continue
		}
		started, err := b.startDeletion(ctx, p.ID)
		if err != nil {
			return rep, err
		}
		if started {
			rep.Counts["started"]++
		}
	}
	deleting, err := b.store.Deletion().ListProcessesInStatus(ctx, DeletionProcessDeleting)
	if err != nil {
		return rep, internal("list deleting processes", err)
	}
	for _, p := range deleting {
		if err := b.deleteIdentity(ctx, p); err != nil {
			if ctx.Err() != nil {
				return rep, ctx.Err()
			}
			b.cfg.Logger.ErrorContext(ctx, "identity deletion failed; retried next run", "process", p.ID, "error", err)
			rep.Failures[p.IdentityAddress] = err
			failed := b.store.Deletion().AppendAudit(ctx, auditOf(p, b.now(), AuditErrorDuringDeletion, nil, nil, nil))
			if failed != nil {
				return rep, internal("append deletion audit", failed)
			}
			continue
		}
		rep.Counts["deleted"]++
	}
	return rep, nil
}

// startDeletion moves a ripe process and its identity to Deleting, tells
// the peers, and sends DeletionStarts to the identity's devices while they
// still exist.
func (b *Backbone) startDeletion(ctx context.Context, id string) (bool, error) {
	now := b.now()
	var p DeletionProcess
	started := false
	err := b.inTx(ctx, func(tx driver.Tx) error {
		var err error
		if p, err = tx.Deletion().GetProcess(ctx, id); err != nil {
			return internal("get deletion process", err)
		}
		if p.Status != DeletionProcessActive || p.GracePeriodEndsAt == nil || !p.GracePeriodEndsAt.Before(now) {
			return nil // cancelled or started meanwhile
		}
		p.Status, p.DeletionStartedAt = DeletionProcessDeleting, &now
		if err := tx.Deletion().UpdateProcess(ctx, p); err != nil {
			return internal("update deletion process", err)
		}
		ident, err := tx.Identities().Get(ctx, p.IdentityAddress)
		if err != nil {
			return internal("get identity", err)
		}
		ident.Status = IdentityDeleting
		if err := tx.Identities().Update(ctx, ident); err != nil {
			return internal("update identity", err)
		}
		old, deleting := DeletionProcessActive, DeletionProcessDeleting
		if err := tx.Deletion().AppendAudit(ctx, auditOf(p, now, AuditDeletionStarted, &old, &deleting, nil)); err != nil {
			return internal("append deletion audit", err)
		}
		peers, err := tx.Relationships().ListByParticipant(ctx, p.IdentityAddress, peersToTell)
		if err != nil {
			return internal("list relationships", err)
		}
		// No event for the identity itself: it is erased in this run, and
		// an external event recorded after that would outlive it.
		var evs []domainEvent
		for _, r := range peers {
			evs = append(evs, PeerDeleted{RelationshipID: r.ID, Peer: peerOf(r, p.IdentityAddress), Identity: p.IdentityAddress, DeletionDate: now})
		}
		started = true
		return b.raise(ctx, tx, now, evs...)
	})
	if err != nil || !started {
		return false, err
	}
	// The devices are deleted in this run, before the outbox would reach
	// them: send now, best effort.
	b.sendNow(ctx, push{identities: []string{p.IdentityAddress}, eventName: pushDeletionStarts, payload: struct{}{}})
	return true, nil
}

// sendNow sends a push to the devices of its identities and waits for the
// providers, without retries; failures are logged.
func (b *Backbone) sendNow(ctx context.Context, p push) {
	recipients, err := b.store.PushRegistrations().ListRecipients(ctx, p.identities, p.excludedDevices)
	if err != nil {
		b.cfg.Logger.WarnContext(ctx, "could not list push recipients", "event", p.eventName, "error", err)
		return
	}
	sentAt := b.now()
	for _, r := range recipients {
		provider := b.pushProviders[r.Platform]
		if provider == nil {
			continue
		}
		n, err := p.notification(r, sentAt)
		if err != nil {
			continue
		}
		sctx, cancel := context.WithTimeout(ctx, b.cfg.Push.SendTimeout)
		err = provider.Send(sctx, pushTarget(r), n)
		cancel()
		if err != nil {
			b.cfg.Logger.WarnContext(ctx, "push not sent", "event", p.eventName, "device", r.DeviceID, "error", err)
		}
	}
}

// deleteIdentity runs the deleters for the identity of a Deleting process
// and then erases it, recording every step in the audit log.
func (b *Backbone) deleteIdentity(ctx context.Context, p DeletionProcess) error {
	x := p.IdentityAddress
	var entries []DeletionAuditEntry
	deleters := b.identityDeleters()
	for _, d := range deleters {
		if d.before == nil {
			continue
		}
		if err := d.before(ctx, x); err != nil {
			return err
		}
		for _, t := range d.aggregateTypes {
			entries = append(entries, auditOf(p, b.now(), AuditDataDeleted, nil, nil, map[string]string{"aggregateType": t}))
		}
	}
	// Usernames are hashed before the transaction: the hash is slow on
	// purpose.
	var hashes []string
	for page := 1; ; page++ {
		devs, _, err := b.store.Devices().List(ctx, x, nil, driver.PageRequest{Number: page, Size: 200})
		if err != nil {
			return internal("list devices", err)
		}
		for _, d := range devs {
			h, err := usernameHash(d.Username)
			if err != nil {
				return err
			}
			hashes = append(hashes, h)
		}
		if len(devs) < 200 {
			break
		}
	}
	anon := AnonymousAddress(b.cfg.DidDomainName)
	now := b.now()
	return b.inTx(ctx, func(tx driver.Tx) error {
		entries := slices.Clone(entries)
		for _, d := range deleters {
			if d.erase == nil {
				continue
			}
			if err := d.erase(ctx, tx, x); err != nil {
				return err
			}
			for _, t := range d.aggregateTypes {
				entries = append(entries, auditOf(p, now, AuditDataDeleted, nil, nil, map[string]string{"aggregateType": t}))
			}
		}
		if err := tx.Deletion().AnonymiseIdentity(ctx, x, anon); err != nil {
			return internal("anonymise identity", err)
		}
		if err := tx.Deletion().EraseIdentity(ctx, x); err != nil {
			return internal("erase identity", err)
		}
		for _, t := range []string{"Challenges", "PnsRegistrations", "Identities", "RelationshipTemplates", "RelationshipTemplateAllocations", "Tokens", "ExternalEvents", "SyncRuns", "Datawallets"} {
			entries = append(entries, auditOf(p, now, AuditDataDeleted, nil, nil, map[string]string{"aggregateType": t}))
		}
		entries = append(entries, auditOf(p, now, AuditDeletionCompleted, nil, nil, nil))
		if err := tx.Deletion().AppendAudit(ctx, entries...); err != nil {
			return internal("append deletion audit", err)
		}
		return internal("record deleted usernames", tx.Deletion().RecordDeletedUsernames(ctx, addressHash(x), hashes, now))
	})
}

// decomposeRelationshipsOf decomposes every relationship of the identity
// on its behalf, as if it had decomposed them itself, and tells the peers.
func (b *Backbone) decomposeRelationshipsOf(ctx context.Context, x string) error {
	all := []RelationshipStatus{RelationshipPending, RelationshipActive, RelationshipRejected, RelationshipRevoked, RelationshipTerminated, RelationshipDeletionProposed, RelationshipReadyForDeletion}
	rs, err := b.store.Relationships().ListByParticipant(ctx, x, all)
	if err != nil {
		return internal("list relationships", err)
	}
	for _, listed := range rs {
		now := b.now()
		err := b.inTx(ctx, func(tx driver.Tx) error {
			r, err := tx.Relationships().Get(ctx, listed.ID)
			if err != nil {
				return internal("get relationship", ignoreNotFound(err))
			}
			isFrom := r.From == x
			if isFrom && r.FromHasDecomposed || !isFrom && r.ToHasDecomposed {
				return nil
			}
			to := RelationshipDeletionProposed
			if r.Status == RelationshipDeletionProposed {
				to = RelationshipReadyForDeletion
			}
			if isFrom {
				r.FromHasDecomposed = true
			} else {
				r.ToHasDecomposed = true
			}
			move(&r, Caller{Address: x}, driver.AuditDecompositionDueToIdentityDeletion, to, now)
			if err := tx.Relationships().Update(ctx, r); err != nil {
				return internal("update relationship", err)
			}
			ev := statusChanged(r, x)
			ev.WasDueToIdentityDeletion = true
			return b.raise(ctx, tx, now, ev)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// deleteBlobsOf deletes the contents of the files the identity owns; their
// metadata goes with the erasure. A missing blob is no failure.
func (b *Backbone) deleteBlobsOf(ctx context.Context, x string) error {
	ids, err := b.store.Deletion().FilesOwnedBy(ctx, x)
	if err != nil {
		return internal("list owned files", err)
	}
	if len(ids) > 0 && b.blob == nil {
		return internal("delete file contents", errors.New("no blob store configured"))
	}
	for _, id := range ids {
		if err := b.blob.Delete(ctx, id); err != nil && !errors.Is(err, driver.ErrNotFound) {
			return internal("delete blob", err)
		}
	}
	return nil
}

// A housekeepingStep deletes what is over in one area and says how much.
type housekeepingStep struct {
	name string
	run  func(ctx context.Context, now time.Time) (int, error)
}

// housekeepingSteps are run in this order. Areas with data that expires
// (announcements) add their step to this list.
func (b *Backbone) housekeepingSteps() []housekeepingStep {
	st := b.store
	keep := b.cfg.Deletion.Retention
	return []housekeepingStep{
		{"challenges", func(ctx context.Context, now time.Time) (int, error) {
			return st.Challenges().DeleteExpiredBefore(ctx, now.Add(-keep))
		}},
		{"files", func(ctx context.Context, now time.Time) (int, error) {
			ids, err := st.Deletion().DeleteFilesExpiredBefore(ctx, now.Add(-keep))
			if err != nil {
				return 0, err
			}
			for _, id := range ids {
				if b.blob == nil {
					break
				}
				if err := b.blob.Delete(ctx, id); err != nil && !errors.Is(err, driver.ErrNotFound) {
					return 0, err // the sweep of orphaned blobs catches it next time
				}
			}
			return len(ids), nil
		}},
		{"relationshipTemplates", func(ctx context.Context, now time.Time) (int, error) {
			return st.Deletion().DeleteTemplatesExpiredBefore(ctx, now.Add(-keep))
		}},
		{"relationships", func(ctx context.Context, now time.Time) (int, error) {
			return st.Deletion().DeleteRelationshipsReadyForDeletionBefore(ctx, now.Add(-keep))
		}},
		{"tokens", func(ctx context.Context, now time.Time) (int, error) {
			return st.Deletion().DeleteTokensExpiredBefore(ctx, now.Add(-keep))
		}},
		{"syncRuns", func(ctx context.Context, now time.Time) (int, error) {
			return st.SyncRuns().DeleteFinalizedBefore(ctx, now.Add(-keep))
		}},
		{"externalEventsOfDeletedIdentities", func(ctx context.Context, _ time.Time) (int, error) {
			// A consumer may still have been handling an event for an
			// identity when it was deleted.
			return st.Deletion().DeleteEventsOfDeletedIdentities(ctx)
		}},
		{"datawalletModifications", func(ctx context.Context, now time.Time) (int, error) {
			return st.Deletion().DeleteSupersededModificationsBefore(ctx, now.Add(-keep))
		}},
		{"cancelledDeletionProcesses", func(ctx context.Context, now time.Time) (int, error) {
			return st.Deletion().DeleteCancelledBefore(ctx, now.Add(-keep))
		}},
		{"announcements", b.Announcements.housekeep},
		{"deletionAuditLog", func(ctx context.Context, now time.Time) (int, error) {
			return st.Deletion().DeleteAuditOfDeletedBefore(ctx, now.Add(-b.cfg.Deletion.AuditLogRetention))
		}},
	}
}

// Housekeeping deletes what is over: expired challenges, files, templates
// and tokens, finalized sync runs, superseded datawallet modifications,
// old cancelled deletion processes, old audit logs of deleted identities,
// relationships long ready for deletion, and blobs without a file.
func (j *Jobs) Housekeeping(ctx context.Context) (JobReport, error) {
	b := j.b
	rep := newReport()
	// Orphan candidates are listed first and checked again last: a blob
	// whose upload was committing at listing time has its file row by
	// then.
	var candidates []string
	if b.blob != nil {
		err := b.blob.List(ctx, "", func(key string) error {
			ok, err := b.store.Deletion().FileExists(ctx, key)
			if err == nil && !ok {
				candidates = append(candidates, key)
			}
			return err
		})
		if err != nil {
			return rep, internal("list blobs", err)
		}
	}
	for _, s := range b.housekeepingSteps() {
		start := time.Now()
		n, err := s.run(ctx, b.now())
		if err != nil {
			return rep, internal("housekeeping "+s.name, err)
		}
		rep.Counts[s.name] = n
		b.cfg.Logger.InfoContext(ctx, "housekeeping", "step", s.name, "deleted", n, "ms", time.Since(start).Milliseconds())
	}
	orphans := 0
	for _, key := range candidates {
		ok, err := b.store.Deletion().FileExists(ctx, key)
		if err != nil {
			return rep, internal("look up file", err)
		}
		if ok {
			continue
		}
		if err := b.blob.Delete(ctx, key); err != nil && !errors.Is(err, driver.ErrNotFound) {
			return rep, internal("delete orphaned blob", err)
		}
		orphans++
	}
	rep.Counts["orphanedBlobs"] = orphans
	b.cfg.Logger.InfoContext(ctx, "housekeeping", "step", "orphanedBlobs", "deleted", orphans)
	return rep, nil
}
