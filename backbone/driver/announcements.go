package driver

import (
	"context"
	"time"
)

// Announcement severities.
const (
	AnnouncementLow    = "Low"
	AnnouncementMedium = "Medium"
	AnnouncementHigh   = "High"
)

// Announcement is a message an operator publishes to every identity or to
// some.
type Announcement struct {
	ID        string
	CreatedAt time.Time
	ExpiresAt time.Time // zero: never
	Severity  string    // AnnouncementLow, AnnouncementMedium or AnnouncementHigh
	IsSilent  bool
	IqlQuery  string // empty: none
	// Texts has one title and body per language, in the order given.
	Texts []AnnouncementText
	// Actions are shown in this order.
	Actions []AnnouncementAction
	// Targeted reports that the announcement is for Recipients only; it
	// is for everyone otherwise. An announcement stays targeted when its
	// last recipient is removed, so that it reaches nobody rather than
	// everybody.
	Targeted bool
	// Recipients are identity addresses, each once, in the order given;
	// empty when not Targeted.
	Recipients []string
}

// AnnouncementText is an announcement's title and body in one language.
type AnnouncementText struct {
	Language string
	Title    string
	Body     string
}

// AnnouncementAction is a link offered with an announcement, with its
// label per language.
type AnnouncementAction struct {
	DisplayName map[string]string
	Link        string
}

// AnnouncementStore persists announcements.
type AnnouncementStore interface {
	// Insert stores a new announcement. Returns ErrConflict if the ID
	// exists.
	Insert(ctx context.Context, a Announcement) error
	// Get returns the announcement. Returns ErrNotFound if none.
	Get(ctx context.Context, id string) (Announcement, error)
	// List returns every announcement, oldest first (CreatedAt, then ID).
	List(ctx context.Context) ([]Announcement, error)
	// ListForRecipient returns the announcements the identity sees: those
	// not Targeted and those naming it among their Recipients, oldest
	// first (CreatedAt, then ID).
	ListForRecipient(ctx context.Context, address string) ([]Announcement, error)
	// Delete removes the announcement. Returns ErrNotFound if none.
	Delete(ctx context.Context, id string) error
	// DeleteExpired removes every announcement whose ExpiresAt is set and
	// not after t, and returns how many it removed.
	DeleteExpired(ctx context.Context, t time.Time) (int, error)
	// RemoveRecipient removes the identity from the Recipients of every
	// announcement and returns from how many it removed it. Targeted stays
	// as it was.
	RemoveRecipient(ctx context.Context, address string) (int, error)
}
