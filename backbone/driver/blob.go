package driver

import (
	"context"
	"io"
)

// Blob stores opaque byte streams (file contents) by key.
type Blob interface {
	// NewWriter starts writing the blob with the key. The blob becomes
	// visible only when Close returns nil; if ctx is cancelled before Close,
	// or Abort is called, nothing is stored. Writing an existing key
	// replaces it.
	NewWriter(ctx context.Context, key string) (BlobWriter, error)
	// NewReader opens the blob for reading. Returns ErrNotFound if there is
	// no blob with the key.
	NewReader(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes the blob. Returns ErrNotFound if there is none.
	Delete(ctx context.Context, key string) error
	// List calls fn with every key that starts with prefix, in no
	// particular order, until fn returns an error, which List returns.
	List(ctx context.Context, prefix string, fn func(key string) error) error
	// Close releases the blob store's resources.
	Close() error
}

// BlobWriter is a blob being written. Close commits it; Abort discards it.
type BlobWriter interface {
	io.WriteCloser
	Abort() error
}
