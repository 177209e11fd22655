package driver

import (
	"context"
	"time"
)

// File is the metadata of an encrypted file; its content lives in the blob
// store under the file's ID.
type File struct {
	ID                  string
	CreatedAt           time.Time
	CreatedBy           string
	CreatedByDevice     string
	Owner               string
	OwnerSignature      []byte
	CipherSize          int64
	CipherHash          []byte
	ExpiresAt           time.Time
	EncryptedProperties []byte
	// OwnershipToken lets another identity claim the file; a wrong guess
	// locks it until the owner regenerates the token.
	OwnershipToken       string
	OwnershipIsLocked    bool
	LastOwnershipClaimAt *time.Time
}

// FileStore persists file metadata.
type FileStore interface {
	// Insert stores a new file. Returns ErrConflict if the ID exists.
	Insert(ctx context.Context, f File) error
	// Get returns the file. Returns ErrNotFound if none.
	Get(ctx context.Context, id string) (File, error)
	// Update replaces Owner, OwnershipToken, OwnershipIsLocked and
	// LastOwnershipClaimAt of the file with f.ID. Returns ErrNotFound if
	// none.
	Update(ctx context.Context, f File) error
	// Delete removes the file. Returns ErrNotFound if none.
	Delete(ctx context.Context, id string) error
	// List returns a page of the files created by creator that expire after
	// notExpiredAt, oldest first (CreatedAt, then ID), and how many match
	// in all. With ids (non-empty), only files with one of the IDs match.
	List(ctx context.Context, creator string, ids []string, notExpiredAt time.Time, page PageRequest) ([]File, int, error)
}
