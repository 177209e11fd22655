package backbone

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// Token is a small piece of content shared by ID.
type Token = driver.Token

// Tokens creates, reads, fills and deletes tokens. Anonymous callers may
// create empty short-lived tokens and read tokens.
type Tokens struct{ b *Backbone }

const (
	// maxTokenFailures wrong passwords lock a token.
	maxTokenFailures = 100
	// anonymousTokenLifetime bounds tokens made without logging in.
	anonymousTokenLifetime = 5 * time.Minute
)

// CreateTokenRequest describes a new token. Content stays nil for an
// empty token that is filled later.
type CreateTokenRequest struct {
	Content     []byte
	ExpiresAt   time.Time
	ForIdentity string
	Password    []byte
}

// Create stores a token. An anonymous caller may only create an empty
// token that expires within five minutes.
func (s *Tokens) Create(ctx context.Context, as Caller, req CreateTokenRequest) (Token, error) {
	b := s.b
	now := b.now()
	switch {
	case !req.ExpiresAt.After(now):
		return Token{}, invalidProperty("expiresAt", "must be in the future.")
	case as.Anonymous() && !req.ExpiresAt.Before(now.Add(anonymousTokenLifetime)):
		return Token{}, invalidProperty("expiresAt", "must be less than 5 minutes in the future for anonymous tokens.")
	case as.Anonymous() && req.Content != nil:
		return Token{}, invalidProperty("content", "must be empty for anonymous tokens.")
	case len(req.Content) > maxContentLength:
		return Token{}, invalidProperty("content", "must be at most 10 MiB.")
	case req.ForIdentity != "" && !ValidAddress(req.ForIdentity):
		return Token{}, invalidIDError("forIdentity")
	case req.Password != nil && (len(req.Password) == 0 || len(req.Password) > maxPasswordLength):
		return Token{}, invalidProperty("password", "must have 1 to %d bytes.", maxPasswordLength)
	}
	if err := b.checkQuotas(ctx, as, MetricNumberOfTokens); err != nil {
		return Token{}, err
	}
	t := Token{
		ID: NewID(PrefixToken), CreatedBy: as.Address, CreatedByDevice: as.DeviceID, CreatedAt: now,
		ExpiresAt: req.ExpiresAt.UTC().Truncate(time.Millisecond), Content: req.Content, ForIdentity: req.ForIdentity, Password: req.Password,
	}
	err := b.inTx(ctx, func(tx driver.Tx) error {
		if err := tx.Tokens().Insert(ctx, t); err != nil {
			return internal("insert token", err)
		}
		if as.Anonymous() {
			return nil
		}
		return b.raise(ctx, tx, now, TokenCreated{TokenID: t.ID, CreatedBy: t.CreatedBy})
	})
	return t, err
}

var (
	errTokenNotFound = notFound("Token")
	errTokenLocked   = invalid(CodeTokenTooManyFailedPasswordAttempts, "Too many wrong password attempts, the token is locked.")
)

// Get returns a token the caller may read and allocates it for an
// authenticated caller. Wrong passwords count; the hundredth locks the
// token.
func (s *Tokens) Get(ctx context.Context, as Caller, id string, password []byte) (Token, error) {
	b := s.b
	if !ValidID(PrefixToken, id) {
		return Token{}, invalidIDError("id")
	}
	if password != nil && (len(password) == 0 || len(password) > maxPasswordLength) {
		return Token{}, invalidProperty("password", "must have 1 to %d bytes.", maxPasswordLength)
	}
	now := b.now()
	t, err := b.store.Tokens().Get(ctx, id)
	if errors.Is(err, driver.ErrNotFound) {
		return Token{}, errTokenNotFound
	} else if err != nil {
		return Token{}, internal("get token", err)
	}
	if t.CreatedBy == as.Address {
		return t, nil // also an anonymous caller for anonymous tokens, as in the reference
	}
	if !as.Anonymous() {
		allocated, err := b.store.Tokens().IsAllocatedBy(ctx, id, as.Address)
		if err != nil {
			return Token{}, internal("check token allocation", err)
		}
		if allocated {
			return t, nil
		}
	}
	if err := s.checkAccess(ctx, as, t, password, now); err != nil {
		return Token{}, err
	}
	if as.Anonymous() {
		return t, nil
	}
	err = b.store.Tokens().Allocate(ctx, driver.TokenAllocation{TokenID: id, AllocatedBy: as.Address, AllocatedByDevice: as.DeviceID, AllocatedAt: now})
	if err != nil && !errors.Is(err, driver.ErrConflict) {
		return Token{}, internal("allocate token", err)
	}
	return t, nil
}

// checkAccess applies expiry, lock, personalization and password. A wrong
// password is counted even though the request fails.
func (s *Tokens) checkAccess(ctx context.Context, as Caller, t Token, password []byte, now time.Time) error {
	b := s.b
	if t.ExpiresAt.Before(now) {
		return errTokenNotFound
	}
	if t.AccessFailedCount >= maxTokenFailures {
		return errTokenLocked
	}
	if t.ForIdentity != "" && t.ForIdentity != as.Address && t.CreatedBy != as.Address {
		return errTokenNotFound
	}
	if t.Password == nil || bytes.Equal(t.Password, password) {
		return nil
	}
	n, err := b.store.Tokens().IncrementAccessFailed(ctx, t.ID)
	if err != nil {
		return internal("count failed token access", err)
	}
	if n < maxTokenFailures {
		return errTokenNotFound
	}
	if n == maxTokenFailures { // the lock happens now: tell the creator once
		err := b.inTx(ctx, func(tx driver.Tx) error {
			return b.raise(ctx, tx, now, TokenLocked{TokenID: t.ID, CreatedBy: t.CreatedBy})
		})
		if err != nil {
			return err
		}
	}
	return errTokenLocked
}

// List returns the caller's tokens among the IDs: created or allocated by
// it, expired ones included.
func (s *Tokens) List(ctx context.Context, as Caller, ids []string, page PageRequest) (Page[Token], error) {
	if as.Anonymous() {
		return Page[Token]{}, errUnauthenticated
	}
	if len(ids) == 0 {
		return Page[Token]{}, invalidProperty("ids", "must not be empty.")
	}
	for _, id := range ids {
		if !ValidID(PrefixToken, id) {
			return Page[Token]{}, invalidIDError("ids")
		}
	}
	page, err := s.b.normalizePage(page)
	if err != nil {
		return Page[Token]{}, err
	}
	ts, total, err := s.b.store.Tokens().List(ctx, as.Address, ids, page)
	if err != nil {
		return Page[Token]{}, internal("list tokens", err)
	}
	return mapPage(ts, total, page, func(t Token) Token { return t }), nil
}

// Delete removes a token the caller created.
func (s *Tokens) Delete(ctx context.Context, as Caller, id string) error {
	if as.Anonymous() {
		return errUnauthenticated
	}
	if !ValidID(PrefixToken, id) {
		return invalidIDError("id")
	}
	return s.b.inTx(ctx, func(tx driver.Tx) error {
		t, err := tx.Tokens().Get(ctx, id)
		if errors.Is(err, driver.ErrNotFound) {
			return errTokenNotFound
		} else if err != nil {
			return internal("get token", err)
		}
		if t.CreatedBy != as.Address {
			return &Error{Kind: KindForbidden, Code: CodeForbidden, Message: "You are not allowed to delete this token."}
		}
		return internal("delete token", tx.Tokens().Delete(ctx, id))
	})
}

// UpdateContent fills an empty token; the caller becomes its creator. This
// is how a device hands content to an anonymous one that waits for it.
func (s *Tokens) UpdateContent(ctx context.Context, as Caller, id string, content, password []byte) (Token, error) {
	b := s.b
	if as.Anonymous() {
		return Token{}, errUnauthenticated
	}
	if !ValidID(PrefixToken, id) {
		return Token{}, invalidIDError("id")
	}
	switch {
	case len(content) == 0 || len(content) > maxContentLength:
		return Token{}, invalidProperty("newContent", "must have 1 byte to 10 MiB.")
	case password != nil && (len(password) == 0 || len(password) > maxPasswordLength):
		return Token{}, invalidProperty("password", "must have 1 to %d bytes.", maxPasswordLength)
	}
	now := b.now()
	t, err := b.store.Tokens().Get(ctx, id)
	if errors.Is(err, driver.ErrNotFound) {
		return Token{}, errTokenNotFound
	} else if err != nil {
		return Token{}, internal("get token", err)
	}
	if err := s.checkAccess(ctx, as, t, password, now); err != nil {
		return Token{}, err
	}
	err = b.inTx(ctx, func(tx driver.Tx) error {
		cur, err := tx.Tokens().Get(ctx, id)
		if err != nil {
			return internal("get token", err)
		}
		if cur.Content != nil {
			return invalid(CodeTokenContentUpdateNotPossible, "The content of the token cannot be updated because it already has content.")
		}
		cur.Content, cur.CreatedBy, cur.CreatedByDevice = content, as.Address, as.DeviceID
		t = cur
		return internal("update token", tx.Tokens().Update(ctx, cur))
	})
	return t, err
}
