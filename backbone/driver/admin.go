package driver

import (
	"context"
	"time"
)

// IdentityOverview is one row of the operator's list of identities: the
// identity with what the list shows of its tier, devices and datawallet.
type IdentityOverview struct {
	Identity
	TierName        string
	NumberOfDevices int
	// LastLoginAt is the latest login of any of its devices; nil if none
	// logged in.
	LastLoginAt *time.Time
	// DatawalletVersion is nil while the identity has no datawallet.
	DatawalletVersion *int
}

// IdentityFilter selects identities; every set field must match.
type IdentityFilter struct {
	Address   string   // exactly this address
	TierIDs   []string // in one of these tiers
	ClientIDs []string // created through one of these clients
	// CreatedFrom and CreatedTo bound CreatedAt: From inclusive, To
	// exclusive.
	CreatedFrom, CreatedTo *time.Time
}

// IdentityOrder orders a list of identities; ties are broken by address
// ascending.
type IdentityOrder int

// Orders of identity lists.
const (
	IdentitiesByCreatedAt IdentityOrder = iota
	IdentitiesByCreatedAtDesc
	IdentitiesByAddress
	IdentitiesByAddressDesc
)

// AdminStore answers the operator's overview queries across aggregates.
// It only reads; the Admin API changes records through the other stores.
type AdminStore interface {
	// ListIdentities returns a page of the identities matching f in the
	// order, and how many match in all.
	ListIdentities(ctx context.Context, f IdentityFilter, order IdentityOrder, page PageRequest) ([]IdentityOverview, int, error)
	// CountIdentitiesPerTier returns how many identities each tier has;
	// tiers without identities are absent.
	CountIdentitiesPerTier(ctx context.Context) (map[string]int, error)
	// CountIdentitiesPerClient returns how many identities were created
	// through each client; clients without identities are absent.
	CountIdentitiesPerClient(ctx context.Context) (map[string]int, error)
	// CountClientsWithDefaultTier returns how many clients have the tier as
	// their default.
	CountClientsWithDefaultTier(ctx context.Context, tierID string) (int, error)
	// ListMessagesOf returns a page of the messages participant sent
	// (incoming false) or is a recipient of (incoming true), oldest first
	// (CreatedAt, then ID), each with all its recipients and attachments,
	// and how many match in all.
	ListMessagesOf(ctx context.Context, participant string, incoming bool, page PageRequest) ([]MessageRecord, int, error)
	// ListRelationshipsOf returns a page of the relationships participant
	// is either side of, oldest first (CreatedAt, then ID), each with its
	// audit log, and how many match in all.
	ListRelationshipsOf(ctx context.Context, participant string, page PageRequest) ([]Relationship, int, error)
	// ListTokensCreatedBy returns a page of the tokens the identity
	// created, oldest first (CreatedAt, then ID), and how many match in
	// all.
	ListTokensCreatedBy(ctx context.Context, createdBy string, page PageRequest) ([]Token, int, error)
}
