package driver

import (
	"context"
	"time"
)

// OutboxMessage is a domain event written in the transaction that caused it
// and published on the bus after that transaction commits, so that no
// committed change loses its event.
type OutboxMessage struct {
	// ID is unique; it becomes the bus message ID consumers deduplicate on.
	ID        string
	Topic     string
	Body      []byte
	CreatedAt time.Time
}

// OutboxStore persists messages waiting to be published.
type OutboxStore interface {
	// Append stores the messages. Returns ErrConflict if an ID exists.
	Append(ctx context.Context, msgs ...OutboxMessage) error
	// Claim leases up to limit messages that are not leased at now (never
	// leased, or their lease ended), oldest first, until leaseUntil, and
	// returns them. Concurrent claims never return the same message while
	// its lease lasts.
	Claim(ctx context.Context, now, leaseUntil time.Time, limit int) ([]OutboxMessage, error)
	// Delete removes the messages with the IDs; unknown IDs are ignored.
	Delete(ctx context.Context, ids []string) error
}
