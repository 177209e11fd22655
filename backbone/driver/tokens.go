package driver

import (
	"context"
	"time"
)

// Token is a small piece of content shared by ID (and optionally
// password), often anonymously.
type Token struct {
	ID              string
	CreatedBy       string // empty when created anonymously
	CreatedByDevice string
	CreatedAt       time.Time
	ExpiresAt       time.Time
	Content         []byte // nil until set
	ForIdentity     string // empty: anyone
	Password        []byte // nil: none
	// AccessFailedCount counts wrong passwords; the token locks at 100.
	AccessFailedCount int
}

// TokenAllocation records that an identity fetched a token.
type TokenAllocation struct {
	TokenID           string
	AllocatedBy       string
	AllocatedByDevice string
	AllocatedAt       time.Time
}

// TokenStore persists tokens and their allocations.
type TokenStore interface {
	// Insert stores a new token. Returns ErrConflict if the ID exists.
	Insert(ctx context.Context, t Token) error
	// Get returns the token. Returns ErrNotFound if none.
	Get(ctx context.Context, id string) (Token, error)
	// Update replaces CreatedBy, CreatedByDevice, Content and
	// AccessFailedCount of the token with t.ID. Returns ErrNotFound if none.
	Update(ctx context.Context, t Token) error
	// IncrementAccessFailed adds one to AccessFailedCount atomically and
	// returns the new count. Returns ErrNotFound if none.
	IncrementAccessFailed(ctx context.Context, id string) (int, error)
	// Delete removes the token and its allocations. Returns ErrNotFound if
	// none.
	Delete(ctx context.Context, id string) error
	// Allocate records the allocation. Returns ErrConflict if the identity
	// already allocated the token.
	Allocate(ctx context.Context, a TokenAllocation) error
	// IsAllocatedBy reports whether the identity allocated the token.
	IsAllocatedBy(ctx context.Context, tokenID, identity string) (bool, error)
	// List returns a page of the tokens with one of the IDs that identity
	// created or allocated, oldest first (CreatedAt, then ID), and how many
	// match in all. With no IDs, none match.
	List(ctx context.Context, identity string, ids []string, page PageRequest) ([]Token, int, error)
}
