package backbone

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// File is the metadata of an encrypted file.
type File = driver.File

// Files stores encrypted files: metadata in the store, content in the blob
// store, streamed in both directions.
type Files struct{ b *Backbone }

const (
	maxFileContent             = 10 << 20
	maxOwnerSignatureLength    = 512
	maxCipherHashLength        = 128
	maxEncryptedPropertiesSize = 1 << 20
	ownershipTokenLength       = 20
	ownershipTokenAlphabet     = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*()_-+=<>?/{}[]|~"
)

var errFileNotFound = notFound("File")

// Upload is a file being uploaded: the content streams into the blob store
// as it arrives and becomes visible only when Commit succeeds.
type Upload struct {
	b    *Backbone
	as   Caller
	id   string
	w    driver.BlobWriter
	size int64
	done bool
}

// BeginUpload starts an upload for the caller. The caller must Commit or
// Abort it.
func (s *Files) BeginUpload(ctx context.Context, as Caller) (*Upload, error) {
	if as.Anonymous() {
		return nil, errUnauthenticated
	}
	if s.b.blob == nil {
		return nil, internal("upload file", errors.New("no blob store configured"))
	}
	id := NewID(PrefixFile)
	w, err := s.b.blob.NewWriter(ctx, id)
	if err != nil {
		return nil, internal("open blob writer", err)
	}
	return &Upload{b: s.b, as: as, id: id, w: w}, nil
}

var errContentLength = invalidProperty("content", "'Content Length' must be between 1 and %d.", maxFileContent)

// Write streams content; more than 10 MiB is an error.
func (u *Upload) Write(p []byte) (int, error) {
	if u.size+int64(len(p)) > maxFileContent {
		return 0, errContentLength
	}
	n, err := u.w.Write(p)
	u.size += int64(n)
	if err != nil {
		return n, internal("write blob", err)
	}
	return n, nil
}

// Abort discards the upload; nothing is stored.
func (u *Upload) Abort() {
	if !u.done {
		u.done = true
		_ = u.w.Abort()
	}
}

// FileMetadata is what a client sends with a file's content.
type FileMetadata struct {
	OwnerSignature      []byte
	CipherHash          []byte
	EncryptedProperties []byte
	ExpiresAt           time.Time
}

// Commit checks the metadata, makes the content visible and records the
// file. On any error nothing remains stored.
func (u *Upload) Commit(ctx context.Context, md FileMetadata) (File, error) {
	b := u.b
	now := b.now()
	err := func() error {
		switch {
		case u.size == 0:
			return errContentLength
		case len(md.OwnerSignature) == 0 || len(md.OwnerSignature) > maxOwnerSignatureLength:
			return invalidProperty("ownerSignature", "must have 1 to %d bytes.", maxOwnerSignatureLength)
		case len(md.CipherHash) == 0 || len(md.CipherHash) > maxCipherHashLength:
			return invalidProperty("cipherHash", "must have 1 to %d bytes.", maxCipherHashLength)
		case len(md.EncryptedProperties) > maxEncryptedPropertiesSize:
			return invalidProperty("encryptedProperties", "must be at most 1 MiB.")
		case !md.ExpiresAt.After(now):
			return invalidProperty("expiresAt", "must be in the future.")
		}
		return b.checkQuotas(ctx, u.as, MetricNumberOfFiles, MetricUsedFileStorageSpace)
	}()
	if err != nil {
		u.Abort()
		return File{}, err
	}
	u.done = true
	if err := u.w.Close(); err != nil {
		return File{}, internal("store blob", err)
	}
	f := File{
		ID: u.id, CreatedAt: now, CreatedBy: u.as.Address, CreatedByDevice: u.as.DeviceID, Owner: u.as.Address,
		OwnerSignature: md.OwnerSignature, CipherSize: u.size, CipherHash: md.CipherHash,
		ExpiresAt: md.ExpiresAt.UTC().Truncate(time.Millisecond), EncryptedProperties: md.EncryptedProperties,
		OwnershipToken: newOwnershipToken(),
	}
	if f.EncryptedProperties == nil {
		f.EncryptedProperties = []byte{}
	}
	err = b.inTx(ctx, func(tx driver.Tx) error {
		if err := tx.Files().Insert(ctx, f); err != nil {
			return internal("insert file", err)
		}
		return b.raise(ctx, tx, now, FileUploaded{FileID: f.ID, Owner: f.Owner, CipherSize: f.CipherSize})
	})
	if err != nil {
		// The content must not outlive a file that was never recorded.
		_ = b.blob.Delete(context.WithoutCancel(ctx), f.ID)
		return File{}, err
	}
	return f, nil
}

func newOwnershipToken() string { return randomString(ownershipTokenLength, ownershipTokenAlphabet) }

func validOwnershipToken(t string) bool {
	if t == "" || len(t) > ownershipTokenLength {
		return false
	}
	for _, c := range []byte(t) {
		found := false
		for i := 0; i < len(ownershipTokenAlphabet); i++ {
			if ownershipTokenAlphabet[i] == c {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// get loads an unexpired file; any authenticated identity that knows the
// ID may read it.
func (s *Files) get(ctx context.Context, st driver.Stores, as Caller, id string) (File, error) {
	if as.Anonymous() {
		return File{}, errUnauthenticated
	}
	if !ValidID(PrefixFile, id) {
		return File{}, invalidIDError("id")
	}
	f, err := st.Files().Get(ctx, id)
	if errors.Is(err, driver.ErrNotFound) || err == nil && !f.ExpiresAt.After(s.b.now()) {
		return File{}, errFileNotFound
	}
	return f, internal("get file", err)
}

// Metadata returns a file's metadata.
func (s *Files) Metadata(ctx context.Context, as Caller, id string) (File, error) {
	return s.get(ctx, s.b.store, as, id)
}

// Download returns a file's metadata and its content as a stream the
// caller must close.
func (s *Files) Download(ctx context.Context, as Caller, id string) (File, io.ReadCloser, error) {
	f, err := s.get(ctx, s.b.store, as, id)
	if err != nil {
		return File{}, nil, err
	}
	r, err := s.b.blob.NewReader(ctx, id)
	if errors.Is(err, driver.ErrNotFound) {
		return File{}, nil, errFileNotFound
	} else if err != nil {
		return File{}, nil, internal("open blob", err)
	}
	return f, r, nil
}

// List returns a page of the unexpired files the caller created.
func (s *Files) List(ctx context.Context, as Caller, ids []string, page PageRequest) (Page[File], error) {
	if as.Anonymous() {
		return Page[File]{}, errUnauthenticated
	}
	for _, id := range ids {
		if !ValidID(PrefixFile, id) {
			return Page[File]{}, invalidIDError("ids")
		}
	}
	page, err := s.b.normalizePage(page)
	if err != nil {
		return Page[File]{}, err
	}
	fs, total, err := s.b.store.Files().List(ctx, as.Address, ids, s.b.now(), page)
	if err != nil {
		return Page[File]{}, internal("list files", err)
	}
	return mapPage(fs, total, page, func(f File) File { return f }), nil
}

var errForbidden = &Error{Kind: KindForbidden, Code: CodeForbidden, Message: "You are not allowed to perform this action."}

// RegenerateOwnershipToken gives the owner a new token and unlocks the file.
func (s *Files) RegenerateOwnershipToken(ctx context.Context, as Caller, id string) (string, error) {
	var token string
	err := s.b.inTx(ctx, func(tx driver.Tx) error {
		f, err := s.get(ctx, tx, as, id)
		if err != nil {
			return err
		}
		if f.Owner != as.Address {
			return errForbidden
		}
		f.OwnershipToken, f.OwnershipIsLocked = newOwnershipToken(), false
		token = f.OwnershipToken
		return internal("update file", tx.Files().Update(ctx, f))
	})
	return token, err
}

// ClaimOwnership makes the caller the owner if it knows the token; a wrong
// token locks the file.
func (s *Files) ClaimOwnership(ctx context.Context, as Caller, id, token string) (string, error) {
	if !validOwnershipToken(token) {
		return "", invalidProperty("ownershipToken", "Invalid ownership token.")
	}
	now := s.b.now()
	var newToken string
	var locked bool
	err := s.b.inTx(ctx, func(tx driver.Tx) error {
		f, err := s.get(ctx, tx, as, id)
		if err != nil {
			return err
		}
		switch {
		case f.Owner == as.Address:
			return invalid(CodeCannotClaimOwnershipOfOwnFile, "You cannot claim the ownership of a file you already own.")
		case f.OwnershipIsLocked:
			return errForbidden
		case f.OwnershipToken != token:
			f.OwnershipIsLocked, locked = true, true
			if err := tx.Files().Update(ctx, f); err != nil {
				return internal("lock file", err)
			}
			return s.b.raise(ctx, tx, now, FileOwnershipLocked{FileID: f.ID, OwnerAddress: f.Owner})
		}
		old := f.Owner
		f.Owner, f.LastOwnershipClaimAt, f.OwnershipToken = as.Address, &now, newOwnershipToken()
		newToken = f.OwnershipToken
		if err := tx.Files().Update(ctx, f); err != nil {
			return internal("claim file", err)
		}
		return s.b.raise(ctx, tx, now, FileOwnershipClaimed{FileID: f.ID, OldOwnerAddress: old, NewOwnerAddress: as.Address})
	})
	if err == nil && locked {
		return "", errForbidden // the lock is committed; the claim fails
	}
	return newToken, err
}

// ValidateOwnershipToken tells whether the token is the file's; a wrong
// guess by anyone but the owner locks the file.
func (s *Files) ValidateOwnershipToken(ctx context.Context, as Caller, id, token string) (bool, error) {
	if !validOwnershipToken(token) {
		return false, invalidProperty("ownershipToken", "Invalid ownership token.")
	}
	now := s.b.now()
	var valid bool
	err := s.b.inTx(ctx, func(tx driver.Tx) error {
		f, err := s.get(ctx, tx, as, id)
		if err != nil {
			return err
		}
		if f.OwnershipIsLocked {
			return nil
		}
		if f.OwnershipToken == token {
			valid = true
			return nil
		}
		if f.Owner == as.Address {
			return nil
		}
		f.OwnershipIsLocked = true
		if err := tx.Files().Update(ctx, f); err != nil {
			return internal("lock file", err)
		}
		return s.b.raise(ctx, tx, now, FileOwnershipLocked{FileID: f.ID, OwnerAddress: f.Owner})
	})
	return valid, err
}

// Delete removes a file the caller created, with its content.
func (s *Files) Delete(ctx context.Context, as Caller, id string) error {
	err := s.b.inTx(ctx, func(tx driver.Tx) error {
		f, err := s.get(ctx, tx, as, id)
		if err != nil {
			return err
		}
		if f.CreatedBy != as.Address {
			return errForbidden
		}
		return internal("delete file", tx.Files().Delete(ctx, id))
	})
	if err != nil {
		return err
	}
	if err := s.b.blob.Delete(ctx, id); err != nil && !errors.Is(err, driver.ErrNotFound) {
		// The metadata is gone; housekeeping removes orphaned blobs.
		s.b.cfg.Logger.WarnContext(ctx, "could not delete file content", "file", id, "error", err)
	}
	return nil
}
