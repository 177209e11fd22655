package driver

import (
	"context"
	"time"
)

// SyncRunType says what a sync run is for. The numbers are the reference's.
type SyncRunType int

// Sync run types.
const (
	SyncRunExternalEventSync        SyncRunType = 0
	SyncRunDatawalletVersionUpgrade SyncRunType = 1
)

// SyncRun is a lease one device holds on its identity's synchronization.
type SyncRun struct {
	ID   string
	Type SyncRunType
	// Index numbers an identity's runs 0, 1, 2, … over both types.
	Index           int64
	CreatedAt       time.Time
	ExpiresAt       time.Time
	CreatedBy       string // identity address
	CreatedByDevice string
	// EventCount is how many external events were assigned at creation.
	EventCount  int
	FinalizedAt *time.Time
}

// SyncRunStore persists sync runs.
type SyncRunStore interface {
	// Insert stores a new run. Returns ErrConflict if the ID exists or the
	// identity already has a run with the same Index; callers use the
	// latter to detect a concurrent start.
	Insert(ctx context.Context, r SyncRun) error
	// Get returns the run. Returns ErrNotFound if none.
	Get(ctx context.Context, id string) (SyncRun, error)
	// Latest returns the identity's run with the highest Index. Returns
	// ErrNotFound if the identity has none.
	Latest(ctx context.Context, identity string) (SyncRun, error)
	// Update replaces ExpiresAt and FinalizedAt of the run with r.ID.
	// Returns ErrNotFound if none.
	Update(ctx context.Context, r SyncRun) error
	// DeleteFinalizedBefore removes runs finalized before t and returns how
	// many it removed. Their events keep their SyncRunID: they were synced
	// and must not be delivered again.
	DeleteFinalizedBefore(ctx context.Context, t time.Time) (int, error)
}

// ExternalEvent tells an identity about something that happened to it; its
// devices fetch it through sync runs.
type ExternalEvent struct {
	// ID is chosen by the caller; deterministic IDs make redelivered
	// domain events harmless (Insert reports ErrConflict).
	ID    string
	Owner string
	Type  string
	// Index numbers an owner's events 0, 1, 2, …; assigned by Insert.
	Index     int64
	CreatedAt time.Time
	// Payload is a JSON object.
	Payload []byte
	// SyncRunID is the run the event is assigned to; empty while unsynced.
	SyncRunID         string
	SyncErrorCount    int
	IsDeliveryBlocked bool
	// Context is what the event is about (a relationship ID), so that
	// events can be blocked, unblocked or removed with it; may be empty.
	Context string
}

// ExternalEventStore persists external events.
type ExternalEventStore interface {
	// Insert stores e with Index set to one past the owner's highest index
	// (0 for the owner's first event) and returns it. Concurrent inserts for
	// one owner never share or skip an index. Returns ErrConflict if an
	// event with the ID exists.
	Insert(ctx context.Context, e ExternalEvent) (ExternalEvent, error)
	// ListDeliverable returns the owner's events that are unsynced, not
	// blocked and have fewer than maxErrors sync errors, by Index.
	ListDeliverable(ctx context.Context, owner string, maxErrors int) ([]ExternalEvent, error)
	// AssignToSyncRun sets SyncRunID of the events with the IDs.
	AssignToSyncRun(ctx context.Context, ids []string, syncRunID string) error
	// ListBySyncRun returns a page of the run's events by Index and how many
	// the run has in all.
	ListBySyncRun(ctx context.Context, syncRunID string, page PageRequest) ([]ExternalEvent, int, error)
	// AllBySyncRun returns every event of the run, by Index.
	AllBySyncRun(ctx context.Context, syncRunID string) ([]ExternalEvent, error)
	// RecordSyncErrors unassigns the events with the IDs from their run and
	// adds one to their SyncErrorCount.
	RecordSyncErrors(ctx context.Context, ids []string) error
	// HasUnsyncedWithoutErrors reports whether the owner has an event that
	// is unsynced, not blocked and has no sync error.
	HasUnsyncedWithoutErrors(ctx context.Context, owner string) (bool, error)
	// SetBlockedByContext sets IsDeliveryBlocked of the owner's events of
	// the type with the context.
	SetBlockedByContext(ctx context.Context, owner, eventType, context string, blocked bool) error
	// DeleteUnsyncedByContext removes the owner's unsynced events with the
	// context; with onlyBlocked, only those that are blocked.
	DeleteUnsyncedByContext(ctx context.Context, owner, context string, onlyBlocked bool) error
}

// DatawalletModificationType is the kind of change. The numbers are the
// reference's.
type DatawalletModificationType int

// Datawallet modification types.
const (
	DatawalletCreate       DatawalletModificationType = 0
	DatawalletUpdate       DatawalletModificationType = 1
	DatawalletDelete       DatawalletModificationType = 2
	DatawalletCacheChanged DatawalletModificationType = 3
)

// Datawallet is the encrypted store the devices of one identity share.
type Datawallet struct {
	ID      string
	Owner   string
	Version int
}

// DatawalletModification is one change to a datawallet.
type DatawalletModification struct {
	ID    string
	Owner string
	// Index numbers an owner's modifications 0, 1, 2, …; assigned by
	// AppendModifications.
	Index            int64
	ObjectIdentifier string
	// PayloadCategory is empty when the client sent none.
	PayloadCategory   string
	CreatedAt         time.Time
	CreatedByDevice   string
	Collection        string
	Type              DatawalletModificationType
	EncryptedPayload  []byte // nil when the client sent none
	DatawalletVersion int
}

// DatawalletStore persists datawallets and their modifications.
type DatawalletStore interface {
	// Get returns the owner's datawallet. Returns ErrNotFound if none.
	Get(ctx context.Context, owner string) (Datawallet, error)
	// Insert stores a new datawallet. Returns ErrConflict if the owner
	// already has one.
	Insert(ctx context.Context, d Datawallet) error
	// UpdateVersion sets the version of the owner's datawallet. Returns
	// ErrNotFound if none.
	UpdateVersion(ctx context.Context, owner string, version int) error
	// LatestIndex returns the owner's highest modification index, or -1 if
	// there is none.
	LatestIndex(ctx context.Context, owner string) (int64, error)
	// AppendModifications stores mods in order with the indexes following
	// the owner's highest (0, 1, … for the first) and returns them with
	// their indexes. Concurrent appends for one owner never share or skip
	// an index: the loser is retried by the store's transaction (and then
	// sees the winner's modifications) or fails with ErrConflict.
	AppendModifications(ctx context.Context, owner string, mods []DatawalletModification) ([]DatawalletModification, error)
	// ListModifications returns a page of the owner's modifications with an
	// index above after, keeping for each (ObjectIdentifier, Type,
	// PayloadCategory) only the one with the highest index, ordered by
	// index, and how many such modifications there are in all.
	ListModifications(ctx context.Context, owner string, after int64, page PageRequest) ([]DatawalletModification, int, error)
}
