package driver

import (
	"context"
	"time"
)

// Client is an OAuth client through which identities are created and log in.
type Client struct {
	ClientID      string
	DisplayName   string
	SecretHash    string
	DefaultTierID string
	// MaxIdentities limits how many identities the client may create; nil
	// means no limit.
	MaxIdentities *int
	CreatedAt     time.Time
}

// ClientStore persists OAuth clients.
type ClientStore interface {
	// Insert stores a new client. Returns ErrConflict if the client ID
	// exists.
	Insert(ctx context.Context, c Client) error
	// Get returns the client. Returns ErrNotFound if none.
	Get(ctx context.Context, clientID string) (Client, error)
	// List returns every client ordered by CreatedAt, then ClientID.
	List(ctx context.Context) ([]Client, error)
	// Update replaces DisplayName, SecretHash, DefaultTierID and
	// MaxIdentities of the client. Returns ErrNotFound if none.
	Update(ctx context.Context, c Client) error
	// Delete removes the client. Returns ErrNotFound if none.
	Delete(ctx context.Context, clientID string) error
}
