package driver

import (
	"context"
	"time"
)

// Device is one device of an identity together with its login credentials.
type Device struct {
	ID              string
	IdentityAddress string
	// Username is unique across all devices, compared case-insensitively.
	Username              string
	PasswordHash          string
	CreatedAt             time.Time
	CreatedByDevice       string
	LastLoginAt           *time.Time // nil until the first successful login
	CommunicationLanguage string
	IsBackupDevice        bool
	// FailedLogins counts consecutive failed logins since the last success
	// or lockout.
	FailedLogins   int
	LockedOutUntil *time.Time
}

// DeviceStore persists devices.
type DeviceStore interface {
	// Insert stores a new device. Returns ErrConflict if the ID or the
	// username (case-insensitively) exists, or if d is a backup device and
	// the identity already has one.
	Insert(ctx context.Context, d Device) error
	// Get returns the device with the ID. Returns ErrNotFound if none.
	Get(ctx context.Context, id string) (Device, error)
	// GetByUsername returns the device whose username equals username
	// case-insensitively. Returns ErrNotFound if none.
	GetByUsername(ctx context.Context, username string) (Device, error)
	// List returns a page of the identity's devices ordered by CreatedAt,
	// then ID, and the number of devices that match in all. With ids, only
	// devices with one of those IDs match.
	List(ctx context.Context, identityAddress string, ids []string, page PageRequest) ([]Device, int, error)
	// Update replaces the mutable fields (PasswordHash, LastLoginAt,
	// CommunicationLanguage, IsBackupDevice, FailedLogins, LockedOutUntil) of
	// the device with d.ID. Returns ErrNotFound if none.
	Update(ctx context.Context, d Device) error
	// IncrementFailedLogins adds one to FailedLogins atomically and returns
	// the new count. Returns ErrNotFound if there is no such device.
	IncrementFailedLogins(ctx context.Context, id string) (int, error)
	// Delete removes the device and its push registration. Returns
	// ErrNotFound if none.
	Delete(ctx context.Context, id string) error
}
