package driver

import "errors"

// Sentinel errors every adapter translates its native errors into. Services
// above the port rely on errors.Is with these and nothing else.
var (
	// ErrNotFound: the record asked for does not exist.
	ErrNotFound = errors.New("driver: not found")
	// ErrConflict: a write would violate a uniqueness rule (primary key or
	// unique index) of the store.
	ErrConflict = errors.New("driver: conflict")
	// ErrBusy: the store gave up on a transaction after its own retries
	// because concurrent transactions kept conflicting with it
	// (serialization failures, deadlocks, a lock held too long). Nothing of
	// it was written, and the same request may succeed shortly; services
	// answer it as "try again" (503), not as a failure of the server.
	ErrBusy = errors.New("driver: busy")
)
