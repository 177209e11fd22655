package driver

import (
	"context"
	"time"
)

// Challenge is a random server record an identity signs to prove it holds
// its signing key.
type Challenge struct {
	ID              string
	ExpiresAt       time.Time
	CreatedBy       string // identity address; empty when created anonymously
	CreatedByDevice string // device ID; empty when created anonymously
}

// ChallengeStore persists challenges.
type ChallengeStore interface {
	// Insert stores a new challenge. Returns ErrConflict if the ID exists.
	Insert(ctx context.Context, c Challenge) error
	// Get returns the challenge with the ID. Returns ErrNotFound if none.
	Get(ctx context.Context, id string) (Challenge, error)
	// DeleteExpiredBefore removes every challenge whose ExpiresAt lies
	// before t and returns how many it removed.
	DeleteExpiredBefore(ctx context.Context, t time.Time) (int, error)
}
