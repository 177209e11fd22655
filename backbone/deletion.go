package backbone

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"math"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// Identity deletion: an identity asks to be deleted, waits out a grace
// period during which it may cancel, and is then deleted by the jobs in
// jobs.go. The records are the driver's.
type (
	DeletionProcess       = driver.DeletionProcess
	DeletionProcessStatus = driver.DeletionProcessStatus
	DeletionAuditEntry    = driver.DeletionAuditEntry
)

// Deletion process statuses.
const (
	DeletionProcessActive    = driver.DeletionProcessActive
	DeletionProcessCancelled = driver.DeletionProcessCancelled
	DeletionProcessDeleting  = driver.DeletionProcessDeleting
)

// DeletionProcessStatusNames are the statuses as the API spells them.
var DeletionProcessStatusNames = map[DeletionProcessStatus]string{
	DeletionProcessActive: "Active", DeletionProcessCancelled: "Cancelled", DeletionProcessDeleting: "Deleting",
}

// PrefixDeletionProcess and PrefixDeletionAuditEntry are the ID prefixes of
// deletion processes and their audit entries.
const (
	PrefixDeletionProcess    = "IDP"
	PrefixDeletionAuditEntry = "IDA"
)

// Deletion error codes.
const (
	CodeOnlyOneActiveDeletionProcessAllowed  = "error.platform.validation.device.onlyOneActiveDeletionProcessAllowed"
	CodeDeletionProcessIsNotInRequiredStatus = "error.platform.validation.device.deletionProcessIsNotInRequiredStatus"
	CodeGracePeriodHasAlreadyExpired         = "error.platform.validation.device.gracePeriodHasAlreadyExpired"
)

// Audit-log message keys, as the reference names them.
const (
	AuditStartedByOwner      = "StartedByOwner"
	AuditCancelledByOwner    = "CancelledByOwner"
	AuditGracePeriodReminder = "GracePeriodReminder%dSent"
	AuditDataDeleted         = "DataDeleted"
	AuditDeletionCompleted   = "DeletionCompleted"
	AuditErrorDuringDeletion = "ErrorDuringDeletion"
	AuditDeletionStarted     = "DeletionStarted"
)

// Push notifications of the deletion process.
const (
	pushDeletionProcessCancelledByOwner    = "DeletionProcessCancelledByOwner"
	pushDeletionProcessGracePeriodReminder = "DeletionProcessGracePeriodReminder"
	pushDeletionStarts                     = "DeletionStarts"
)

// maxGracePeriodDays bounds the requested grace period far beyond any
// sensible one, so that its end stays a representable instant.
const maxGracePeriodDays = 36500

// DeletionProcesses is the owner's side of identity deletion, and the
// operator's read access to it.
type DeletionProcesses struct{ b *Backbone }

// peersToTell are the relationship statuses whose peers hear about a
// deletion.
var peersToTell = []RelationshipStatus{RelationshipPending, RelationshipActive, RelationshipTerminated}

// Start starts the deletion of the caller's identity. gracePeriodDays nil
// takes the configured default; it may be fractional and 0, never negative.
func (s *DeletionProcesses) Start(ctx context.Context, as Caller, gracePeriodDays *float64) (DeletionProcess, error) {
	b := s.b
	if as.Anonymous() {
		return DeletionProcess{}, errUnauthenticated
	}
	grace := b.cfg.Deletion.GracePeriod
	if gracePeriodDays != nil {
		d := *gracePeriodDays
		if math.IsNaN(d) || d < 0 || d > maxGracePeriodDays {
			return DeletionProcess{}, invalidProperty("lengthOfGracePeriodInDays", "must be between 0 and %d.", maxGracePeriodDays)
		}
		grace = time.Duration(d * float64(24*time.Hour)).Truncate(time.Millisecond)
	}
	if err := b.checkQuotas(ctx, as, MetricNumberOfStartedDeletionProcesses); err != nil {
		return DeletionProcess{}, err
	}
	now := b.now()
	end := now.Add(grace)
	p := DeletionProcess{
		ID: NewID(PrefixDeletionProcess), IdentityAddress: as.Address, Status: DeletionProcessActive,
		CreatedAt: now, CreatedByDevice: as.DeviceID, GracePeriodEndsAt: &end,
	}
	err := b.inTx(ctx, func(tx driver.Tx) error {
		id, err := tx.Identities().Get(ctx, as.Address)
		if errors.Is(err, driver.ErrNotFound) {
			return notFound("Identity")
		} else if err != nil {
			return internal("get identity", err)
		}
		existing, err := tx.Deletion().ListProcesses(ctx, as.Address)
		if err != nil {
			return internal("list deletion processes", err)
		}
		for _, e := range existing {
			if e.Status == DeletionProcessActive || e.Status == DeletionProcessDeleting {
				return errOnlyOneActiveDeletionProcess
			}
		}
		if err := tx.Deletion().InsertProcess(ctx, p); errors.Is(err, driver.ErrConflict) {
			return errOnlyOneActiveDeletionProcess // a concurrent start won
		} else if err != nil {
			return internal("insert deletion process", err)
		}
		oldTier := id.TierID
		id.Status, id.DeletionGracePeriodEndsAt = IdentityToBeDeleted, &end
		id.TierIDBeforeDeletion, id.TierID = oldTier, QueuedForDeletionTierID
		if err := tx.Identities().Update(ctx, id); err != nil {
			return internal("update identity", err)
		}
		active := DeletionProcessActive
		if err := tx.Deletion().AppendAudit(ctx, auditOf(p, now, AuditStartedByOwner, nil, &active, nil)); err != nil {
			return internal("append deletion audit", err)
		}
		evs := []domainEvent{
			IdentityDeletionProcessStarted{Address: as.Address, DeletionProcessID: p.ID, Initiator: as.Address},
			TierOfIdentityChanged{OldTierID: oldTier, NewTierID: QueuedForDeletionTierID, IdentityAddress: as.Address},
		}
		peers, err := tx.Relationships().ListByParticipant(ctx, as.Address, peersToTell)
		if err != nil {
			return internal("list relationships", err)
		}
		for _, r := range peers {
			evs = append(evs, PeerToBeDeleted{RelationshipID: r.ID, Peer: peerOf(r, as.Address), Identity: as.Address, GracePeriodEndsAt: end})
		}
		return b.raise(ctx, tx, now, evs...)
	})
	return p, err
}

var errOnlyOneActiveDeletionProcess = invalid(CodeOnlyOneActiveDeletionProcessAllowed, "Only one active deletion process is allowed.")

// List returns the caller's deletion processes, oldest first.
func (s *DeletionProcesses) List(ctx context.Context, as Caller) ([]DeletionProcess, error) {
	if as.Anonymous() {
		return nil, errUnauthenticated
	}
	ps, err := s.b.store.Deletion().ListProcesses(ctx, as.Address)
	return ps, internal("list deletion processes", err)
}

// Get returns one of the caller's deletion processes.
func (s *DeletionProcesses) Get(ctx context.Context, as Caller, id string) (DeletionProcess, error) {
	if as.Anonymous() {
		return DeletionProcess{}, errUnauthenticated
	}
	if !ValidID(PrefixDeletionProcess, id) {
		return DeletionProcess{}, invalidIDError("id")
	}
	return getProcess(ctx, s.b.store, as.Address, id)
}

func getProcess(ctx context.Context, st driver.Stores, owner, id string) (DeletionProcess, error) {
	p, err := st.Deletion().GetProcess(ctx, id)
	if errors.Is(err, driver.ErrNotFound) || err == nil && p.IdentityAddress != owner {
		return DeletionProcess{}, notFound("IdentityDeletionProcess")
	}
	return p, internal("get deletion process", err)
}

// Cancel cancels the caller's active deletion process while its grace
// period lasts: the identity is active again, in its old tier.
func (s *DeletionProcesses) Cancel(ctx context.Context, as Caller, id string) (DeletionProcess, error) {
	b := s.b
	if as.Anonymous() {
		return DeletionProcess{}, errUnauthenticated
	}
	if !ValidID(PrefixDeletionProcess, id) {
		return DeletionProcess{}, invalidIDError("id")
	}
	now := b.now()
	var p DeletionProcess
	err := b.inTx(ctx, func(tx driver.Tx) error {
		var err error
		if p, err = getProcess(ctx, tx, as.Address, id); err != nil {
			return err
		}
		if p.Status != DeletionProcessActive {
			return invalid(CodeDeletionProcessIsNotInRequiredStatus, "The deletion process must be in status 'Active' to be cancelled.")
		}
		if p.GracePeriodEndsAt != nil && p.GracePeriodEndsAt.Before(now) {
			return invalid(CodeGracePeriodHasAlreadyExpired, "The grace period of the deletion process has already expired.")
		}
		p.Status, p.CancelledAt, p.CancelledByDevice, p.GracePeriodEndsAt = DeletionProcessCancelled, &now, as.DeviceID, nil
		if err := tx.Deletion().UpdateProcess(ctx, p); err != nil {
			return internal("update deletion process", err)
		}
		ident, err := tx.Identities().Get(ctx, as.Address)
		if err != nil {
			return internal("get identity", err)
		}
		restored := ident.TierIDBeforeDeletion
		if restored == "" { // started before tiers were remembered
			basic, err := tx.Tiers().GetByName(ctx, BasicTierName)
			if err != nil {
				return internal("get basic tier", err)
			}
			restored = basic.ID
		}
		ident.Status, ident.DeletionGracePeriodEndsAt = IdentityActive, nil
		ident.TierID, ident.TierIDBeforeDeletion = restored, ""
		if err := tx.Identities().Update(ctx, ident); err != nil {
			return internal("update identity", err)
		}
		old, cancelled := DeletionProcessActive, DeletionProcessCancelled
		if err := tx.Deletion().AppendAudit(ctx, auditOf(p, now, AuditCancelledByOwner, &old, &cancelled, nil)); err != nil {
			return internal("append deletion audit", err)
		}
		evs := []domainEvent{
			TierOfIdentityChanged{OldTierID: QueuedForDeletionTierID, NewTierID: restored, IdentityAddress: as.Address},
			IdentityDeletionProcessStatusChanged{DeletionProcessOwner: as.Address, DeletionProcessID: p.ID, Initiator: as.Address},
			PushNotificationRequested{Recipients: []string{as.Address}, EventName: pushDeletionProcessCancelledByOwner},
		}
		peers, err := tx.Relationships().ListByParticipant(ctx, as.Address, peersToTell)
		if err != nil {
			return internal("list relationships", err)
		}
		for _, r := range peers {
			evs = append(evs, PeerDeletionCancelled{RelationshipID: r.ID, Peer: peerOf(r, as.Address), Identity: as.Address})
		}
		return b.raise(ctx, tx, now, evs...)
	})
	return p, err
}

// DeletionProcessDetails is a process with its audit log, for operators.
type DeletionProcessDetails struct {
	DeletionProcess
	AuditLog []DeletionAuditEntry
}

// ListOf returns the deletion processes of any identity, newest first,
// for operators.
func (s *DeletionProcesses) ListOf(ctx context.Context, address string) ([]DeletionProcess, error) {
	if !ValidAddress(address) {
		return nil, invalidIDError("address")
	}
	ps, err := s.b.store.Deletion().ListProcesses(ctx, address)
	if err != nil {
		return nil, internal("list deletion processes", err)
	}
	for i, j := 0, len(ps)-1; i < j; i, j = i+1, j-1 {
		ps[i], ps[j] = ps[j], ps[i]
	}
	return ps, nil
}

// GetOf returns one deletion process of an identity with its audit log,
// oldest entry first, for operators.
func (s *DeletionProcesses) GetOf(ctx context.Context, address, id string) (DeletionProcessDetails, error) {
	if !ValidAddress(address) {
		return DeletionProcessDetails{}, invalidIDError("address")
	}
	if !ValidID(PrefixDeletionProcess, id) {
		return DeletionProcessDetails{}, invalidIDError("deletionProcessId")
	}
	p, err := getProcess(ctx, s.b.store, address, id)
	if err != nil {
		return DeletionProcessDetails{}, err
	}
	log, err := s.b.store.Deletion().ListAuditOfProcess(ctx, id)
	return DeletionProcessDetails{DeletionProcess: p, AuditLog: log}, internal("list deletion audit", err)
}

// AuditLogOf returns the deletion audit log of an identity, also of one
// that is already deleted, oldest first, for operators.
func (s *DeletionProcesses) AuditLogOf(ctx context.Context, address string) ([]DeletionAuditEntry, error) {
	if !ValidAddress(address) {
		return nil, invalidIDError("address")
	}
	log, err := s.b.store.Deletion().ListAudit(ctx, addressHash(address))
	return log, internal("list deletion audit", err)
}

// auditOf makes an audit entry of the process.
func auditOf(p DeletionProcess, now time.Time, key string, old, new *DeletionProcessStatus, data map[string]string) DeletionAuditEntry {
	return DeletionAuditEntry{
		ID: NewID(PrefixDeletionAuditEntry), ProcessID: p.ID, AddressHash: addressHash(p.IdentityAddress),
		CreatedAt: now, MessageKey: key, OldStatus: old, NewStatus: new, AdditionalData: data,
	}
}

// addressHash names an identity in the audit log without its address.
func addressHash(address string) string {
	sum := sha256.Sum256([]byte(address))
	return hex.EncodeToString(sum[:])
}

// usernameKey keys the username hashes of the deletion audit log.
var usernameKey = func() []byte { s := sha256.Sum256([]byte("enmeshed_identity_deletion_log")); return s[:] }()

// usernameHash names a deleted device's username in the audit log. The
// reference uses a slow hash; usernames are server-chosen with about 100
// bits of randomness, so a keyed fast hash reveals none of them either,
// and IsDeleted, which anyone may call, stays cheap instead of handing
// anonymous callers 100,000 hash rounds per request.
func usernameHash(username string) (string, error) {
	m := hmac.New(sha256.New, usernameKey)
	m.Write([]byte(username))
	return base64.StdEncoding.EncodeToString(m.Sum(nil)), nil
}

// deletedStatus answers IsDeleted for a username no device has: deleted if
// an identity that had it was deleted completely.
func (b *Backbone) deletedStatus(ctx context.Context, username string) (DeletionStatus, error) {
	h, err := usernameHash(username)
	if err != nil {
		return DeletionStatus{}, err
	}
	at, err := b.store.Deletion().DeletedAtByUsername(ctx, h)
	if errors.Is(err, driver.ErrNotFound) {
		return DeletionStatus{}, nil
	}
	if err != nil {
		return DeletionStatus{}, internal("look up deleted username", err)
	}
	return DeletionStatus{IsDeleted: true, DeletionDate: &at}, nil
}
