package backbone

import (
	"context"
	"errors"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// Challenge is a random record an identity signs to prove it holds its key.
type Challenge = driver.Challenge

// Challenges creates and reads challenges.
type Challenges struct{ b *Backbone }

// challengeReadGrace keeps a challenge readable an hour past its expiry, as
// the reference does, so peers can still verify a recently signed one.
const challengeReadGrace = time.Hour

// Create makes a new challenge; an authenticated caller is recorded as its
// creator.
func (s *Challenges) Create(ctx context.Context, as Caller) (Challenge, error) {
	c := Challenge{
		ID:              NewID(PrefixChallenge),
		ExpiresAt:       s.b.now().Add(s.b.cfg.ChallengeLifetime),
		CreatedBy:       as.Address,
		CreatedByDevice: as.DeviceID,
	}
	if err := s.b.store.Challenges().Insert(ctx, c); err != nil {
		return Challenge{}, internal("insert challenge", err)
	}
	return c, nil
}

// Get returns any challenge to any authenticated caller: peers read each
// other's challenges to verify signatures.
func (s *Challenges) Get(ctx context.Context, as Caller, id string) (Challenge, error) {
	if as.Anonymous() {
		return Challenge{}, errUnauthenticated
	}
	if !ValidID(PrefixChallenge, id) {
		return Challenge{}, invalidIDError("id")
	}
	c, err := s.b.store.Challenges().Get(ctx, id)
	if errors.Is(err, driver.ErrNotFound) || err == nil && !c.ExpiresAt.After(s.b.now().Add(-challengeReadGrace)) {
		return Challenge{}, notFound("Challenge")
	}
	if err != nil {
		return Challenge{}, internal("get challenge", err)
	}
	return c, nil
}

// redeem checks a signed challenge against the public key and returns the
// challenge if it is known and unexpired. Challenges are not consumed.
func (b *Backbone) redeem(ctx context.Context, tx driver.Tx, publicKeyWrapper []byte, sc SignedChallenge, now time.Time) error {
	pub, err := parsePublicKey(publicKeyWrapper)
	if err != nil {
		return err
	}
	id, err := verifySignedChallenge(pub, sc)
	if err != nil {
		return err
	}
	c, err := tx.Challenges().Get(ctx, id)
	if errors.Is(err, driver.ErrNotFound) {
		return notFound("Challenge")
	}
	if err != nil {
		return internal("get challenge", err)
	}
	if c.ExpiresAt.Before(now) {
		return invalid(CodeChallengeHasExpired, "The challenge has expired.")
	}
	return nil
}

var errUnauthenticated = &Error{Kind: KindUnauthenticated, Code: CodeUnauthorized, Message: "Authentication is required."}
