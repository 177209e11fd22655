package driver

import "context"

// Tier groups identities that share quotas.
type Tier struct {
	ID                          string
	Name                        string
	CanBeUsedAsDefaultForClient bool
	CanBeManuallyAssigned       bool
}

// TierStore persists tiers.
type TierStore interface {
	// Insert stores a new tier. Returns ErrConflict if the ID or the name
	// exists.
	Insert(ctx context.Context, t Tier) error
	// Get returns the tier with the ID. Returns ErrNotFound if none.
	Get(ctx context.Context, id string) (Tier, error)
	// GetByName returns the tier with exactly this name. Returns ErrNotFound
	// if none.
	GetByName(ctx context.Context, name string) (Tier, error)
	// List returns every tier ordered by name.
	List(ctx context.Context) ([]Tier, error)
	// Delete removes the tier. Returns ErrNotFound if none.
	Delete(ctx context.Context, id string) error
}
