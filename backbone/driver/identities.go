package driver

import (
	"context"
	"time"
)

// IdentityStatus is the lifecycle state of an identity. The numbers are the
// reference's and are what a store keeps.
type IdentityStatus int

// Identity statuses.
const (
	IdentityActive      IdentityStatus = 0
	IdentityToBeDeleted IdentityStatus = 1
	IdentityDeleting    IdentityStatus = 2
)

// Identity is the record of one enmeshed identity.
type Identity struct {
	Address         string
	ClientID        string
	PublicKey       []byte // the decoded public-key wrapper JSON, as received
	IdentityVersion int
	CreatedAt       time.Time
	TierID          string
	// TierIDBeforeDeletion remembers the tier while the identity is queued
	// for deletion; empty otherwise.
	TierIDBeforeDeletion string
	Status               IdentityStatus
	// DeletionGracePeriodEndsAt is set while a deletion process is active.
	DeletionGracePeriodEndsAt *time.Time
}

// IdentityStore persists identities and their feature flags.
type IdentityStore interface {
	// Insert stores a new identity. Returns ErrConflict if the address
	// exists.
	Insert(ctx context.Context, i Identity) error
	// Get returns the identity with the address. Returns ErrNotFound if none.
	Get(ctx context.Context, address string) (Identity, error)
	// Update replaces the mutable fields (TierID, TierIDBeforeDeletion,
	// Status, DeletionGracePeriodEndsAt) of the identity with i.Address.
	// Returns ErrNotFound if none.
	Update(ctx context.Context, i Identity) error
	// CountByClient returns how many identities were created through the
	// OAuth client.
	CountByClient(ctx context.Context, clientID string) (int, error)

	// FeatureFlags returns the feature flags of the identity, empty (not
	// nil) when it has none. An unknown address has none.
	FeatureFlags(ctx context.Context, address string) (map[string]bool, error)
	// UpsertFeatureFlags sets the flags named in flags and leaves the others
	// unchanged. Names are compared exactly (case-sensitive).
	UpsertFeatureFlags(ctx context.Context, address string, flags map[string]bool) error
}
