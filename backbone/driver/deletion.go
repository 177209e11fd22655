package driver

import (
	"context"
	"time"
)

// DeletionProcessStatus is where an identity deletion process stands. The
// numbers are the reference's.
type DeletionProcessStatus int

// Deletion process statuses.
const (
	DeletionProcessActive    DeletionProcessStatus = 1
	DeletionProcessCancelled DeletionProcessStatus = 2
	DeletionProcessDeleting  DeletionProcessStatus = 10
)

// DeletionProcess is an identity's request to be deleted, from its start
// through the grace period to the deletion itself.
type DeletionProcess struct {
	ID              string
	IdentityAddress string
	Status          DeletionProcessStatus
	CreatedAt       time.Time
	CreatedByDevice string
	// GracePeriodEndsAt is nil once the process was cancelled.
	GracePeriodEndsAt          *time.Time
	CancelledAt                *time.Time
	CancelledByDevice          string
	GracePeriodReminder1SentAt *time.Time
	GracePeriodReminder2SentAt *time.Time
	GracePeriodReminder3SentAt *time.Time
	DeletionStartedAt          *time.Time
}

// DeletionAuditEntry is one line of the deletion audit log. It names the
// identity only by a hash of its address, so it may outlive the identity.
type DeletionAuditEntry struct {
	ID string
	// ProcessID is empty for entries that outlived their process.
	ProcessID   string
	AddressHash string
	CreatedAt   time.Time
	MessageKey  string
	OldStatus   *DeletionProcessStatus
	NewStatus   *DeletionProcessStatus
	// AdditionalData is free-form string data (for DataDeleted the
	// aggregate type).
	AdditionalData map[string]string
}

// DeletionStore persists deletion processes and the deletion audit log,
// and carries out the set-wide work of the deletion and housekeeping jobs:
// erasing or anonymising one identity's data across every aggregate, and
// purging what expired. The erasure methods touch several aggregates at
// once because an adapter can do each in a few statements, and because the
// service must not be able to forget a table: every method that erases for
// an identity leaves no row of the listed aggregates with its address.
type DeletionStore interface {
	// InsertProcess stores a new process. Returns ErrConflict if the ID
	// exists, or if p is Active or Deleting and the identity already has a
	// process in one of these statuses.
	InsertProcess(ctx context.Context, p DeletionProcess) error
	// GetProcess returns the process. Returns ErrNotFound if none.
	GetProcess(ctx context.Context, id string) (DeletionProcess, error)
	// UpdateProcess replaces every field but ID, IdentityAddress,
	// CreatedAt and CreatedByDevice of the process with p.ID. Returns
	// ErrNotFound if none.
	UpdateProcess(ctx context.Context, p DeletionProcess) error
	// ListProcesses returns the identity's processes, oldest first.
	ListProcesses(ctx context.Context, identity string) ([]DeletionProcess, error)
	// ListProcessesInStatus returns every process in the status, oldest
	// first.
	ListProcessesInStatus(ctx context.Context, status DeletionProcessStatus) ([]DeletionProcess, error)
	// DeleteCancelledBefore removes cancelled processes cancelled before t
	// and returns how many.
	DeleteCancelledBefore(ctx context.Context, t time.Time) (int, error)

	// AppendAudit stores new audit entries. Returns ErrConflict if an ID
	// exists.
	AppendAudit(ctx context.Context, entries ...DeletionAuditEntry) error
	// ListAudit returns the entries with the address hash, oldest first
	// (by CreatedAt, then insertion).
	ListAudit(ctx context.Context, addressHash string) ([]DeletionAuditEntry, error)
	// ListAuditOfProcess returns the entries of the process, oldest first.
	ListAuditOfProcess(ctx context.Context, processID string) ([]DeletionAuditEntry, error)
	// RecordDeletedUsernames remembers that the identity with the address
	// hash, which had devices with these username hashes, was deleted at
	// t. Recording a hash again keeps the first record.
	RecordDeletedUsernames(ctx context.Context, addressHash string, usernameHashes []string, t time.Time) error
	// DeletedAtByUsername returns when the identity that had a device
	// with the username hash was deleted. Returns ErrNotFound if none.
	DeletedAtByUsername(ctx context.Context, usernameHash string) (time.Time, error)
	// DeleteAuditOfDeletedBefore removes audit entries created before t of
	// identities that RecordDeletedUsernames recorded, and returns how
	// many.
	DeleteAuditOfDeletedBefore(ctx context.Context, t time.Time) (int, error)

	// FilesOwnedBy returns the IDs of the files the identity owns.
	FilesOwnedBy(ctx context.Context, identity string) ([]string, error)
	// EraseIdentity removes everything of the identity that is its own
	// alone: its challenges, owned files' metadata, relationship templates
	// it created (with their allocations; relationships made from them
	// keep existing without template), tokens it created (with their
	// allocations), external events it owns, sync runs, datawallet and
	// modifications, push registrations, devices, feature flags, its
	// deletion processes, and finally the identity.
	EraseIdentity(ctx context.Context, identity string) error
	// AnonymiseIdentity replaces the address by anon wherever others' data
	// names it: relationships (From, To, the pair they form, audit
	// entries' CreatedBy), messages (CreatedBy, recipients' address and
	// sender), files created by it that others own, templates personalised
	// for it and its template allocations, tokens for it and its token
	// allocations, and the payloads of external events owned by others.
	// It then deletes messages whose sender and every recipient is anon,
	// with their recipients and attachments.
	AnonymiseIdentity(ctx context.Context, identity, anon string) error

	// DeleteFilesExpiredBefore removes the metadata of files that expired
	// before t and returns their IDs.
	DeleteFilesExpiredBefore(ctx context.Context, t time.Time) ([]string, error)
	// FileExists reports whether file metadata with the ID exists.
	FileExists(ctx context.Context, id string) (bool, error)
	// DeleteTemplatesExpiredBefore removes templates that expired before t
	// and no relationship was created from, with their allocations, and
	// returns how many.
	DeleteTemplatesExpiredBefore(ctx context.Context, t time.Time) (int, error)
	// DeleteTokensExpiredBefore removes tokens that expired before t, with
	// their allocations, and returns how many.
	DeleteTokensExpiredBefore(ctx context.Context, t time.Time) (int, error)
	// DeleteRelationshipsReadyForDeletionBefore removes relationships in
	// ReadyForDeletion whose audit entry that set it was created before t,
	// with their audit logs, and returns how many.
	DeleteRelationshipsReadyForDeletionBefore(ctx context.Context, t time.Time) (int, error)
	// DeleteEventsOfDeletedIdentities removes external events whose owner
	// is no identity (recorded by a consumer after the owner was deleted)
	// and returns how many.
	DeleteEventsOfDeletedIdentities(ctx context.Context) (int, error)
	// DeleteSupersededModificationsBefore removes datawallet modifications
	// created before t that a later modification of the owner superseded,
	// and returns how many.
	DeleteSupersededModificationsBefore(ctx context.Context, t time.Time) (int, error)
}
