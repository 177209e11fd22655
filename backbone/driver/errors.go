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
)
