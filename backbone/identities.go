package backbone

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// Identity is the record of an enmeshed identity.
type Identity = driver.Identity

// IdentityStatus is the lifecycle state of an identity.
type IdentityStatus = driver.IdentityStatus

// Identity statuses.
const (
	IdentityActive      = driver.IdentityActive
	IdentityToBeDeleted = driver.IdentityToBeDeleted
	IdentityDeleting    = driver.IdentityDeleting
)

// Identities creates identities and reads and changes their own data.
type Identities struct{ b *Backbone }

// CreateIdentityRequest is what a client sends to create an identity with
// its first device.
type CreateIdentityRequest struct {
	ClientID     string
	ClientSecret string
	// IdentityPublicKey is the decoded public-key wrapper JSON.
	IdentityPublicKey           []byte
	DevicePassword              string
	IdentityVersion             int
	SignedChallenge             SignedChallenge
	DeviceCommunicationLanguage string // default "en"
}

// CreatedIdentity is the new identity and its first device's credentials.
type CreatedIdentity struct {
	Address   string
	CreatedAt time.Time
	Device    CreatedDevice
}

// Create makes an identity and its first device. The order of the checks is
// the reference's, because clients key on which error comes first.
func (s *Identities) Create(ctx context.Context, req CreateIdentityRequest) (CreatedIdentity, error) {
	client, err := s.b.Clients.authenticate(ctx, req.ClientID, req.ClientSecret)
	if errors.Is(err, errBadClientCredentials) {
		return CreatedIdentity{}, invalid(CodeUnauthorized, "The client credentials are invalid.")
	} else if err != nil {
		return CreatedIdentity{}, err
	}
	return s.create(ctx, client, req)
}

// create makes the identity for a client already vouched for: by its
// secret, or by the operator through the Admin API.
func (s *Identities) create(ctx context.Context, client Client, req CreateIdentityRequest) (CreatedIdentity, error) {
	b := s.b
	var err error
	switch {
	case len(req.IdentityPublicKey) == 0:
		return CreatedIdentity{}, invalidProperty("identityPublicKey", "must not be empty.")
	case req.DevicePassword == "":
		return CreatedIdentity{}, invalidProperty("devicePassword", "must not be empty.")
	case req.SignedChallenge.Challenge == "":
		return CreatedIdentity{}, invalidProperty("signedChallenge.challenge", "must not be empty.")
	case len(req.SignedChallenge.Signature) == 0:
		return CreatedIdentity{}, invalidProperty("signedChallenge.signature", "must not be empty.")
	case req.IdentityVersion < 0 || req.IdentityVersion > 255:
		return CreatedIdentity{}, invalidProperty("identityVersion", "must be between 0 and 255.")
	}
	if req.DeviceCommunicationLanguage == "" {
		req.DeviceCommunicationLanguage = "en"
	}
	if err := checkCommunicationLanguage(req.DeviceCommunicationLanguage); err != nil {
		return CreatedIdentity{}, err
	}
	pub, err := parsePublicKey(req.IdentityPublicKey)
	if err != nil {
		return CreatedIdentity{}, err
	}
	now := b.now()
	identity := Identity{
		Address:         AddressFromPublicKey(pub, b.cfg.DidDomainName),
		ClientID:        client.ClientID,
		PublicKey:       req.IdentityPublicKey,
		IdentityVersion: req.IdentityVersion,
		CreatedAt:       now,
		TierID:          client.DefaultTierID,
		Status:          IdentityActive,
	}
	device := newDevice(identity.Address, "", hashPassword(req.DevicePassword), req.DeviceCommunicationLanguage, false, now)
	err = b.inTx(ctx, func(tx driver.Tx) error {
		if err := b.redeem(ctx, tx, req.IdentityPublicKey, req.SignedChallenge, now); err != nil {
			return err
		}
		if _, err := tx.Identities().Get(ctx, identity.Address); err == nil {
			return errAddressExists
		} else if !errors.Is(err, driver.ErrNotFound) {
			return internal("get identity", err)
		}
		if client.MaxIdentities != nil {
			n, err := tx.Identities().CountByClient(ctx, client.ClientID)
			if err != nil {
				return internal("count identities", err)
			}
			if n >= *client.MaxIdentities {
				return invalid(CodeClientReachedIdentitiesLimit, "The client has reached the maximum number of identities it may create.")
			}
		}
		if msg := b.cfg.PasswordPolicy.check(req.DevicePassword); msg != "" {
			return invalid(CodeRegistrationFailed, "%s", msg)
		}
		if err := tx.Identities().Insert(ctx, identity); errors.Is(err, driver.ErrConflict) {
			return errAddressExists
		} else if err != nil {
			return internal("insert identity", err)
		}
		if err := tx.Devices().Insert(ctx, device); err != nil {
			return internal("insert device", err)
		}
		return b.raise(ctx, tx, now, IdentityCreated{Address: identity.Address, TierID: identity.TierID})
	})
	if err != nil {
		return CreatedIdentity{}, err
	}
	return CreatedIdentity{
		Address:   identity.Address,
		CreatedAt: now,
		Device:    CreatedDevice{ID: device.ID, Username: device.Username, CreatedAt: now, CreatedByDevice: device.CreatedByDevice},
	}, nil
}

var errAddressExists = invalid(CodeAddressAlreadyExists, "An identity with this public key already exists.")

// Self returns the caller's identity.
func (s *Identities) Self(ctx context.Context, as Caller) (Identity, error) {
	if as.Anonymous() {
		return Identity{}, errUnauthenticated
	}
	i, err := s.b.store.Identities().Get(ctx, as.Address)
	if errors.Is(err, driver.ErrNotFound) {
		return Identity{}, notFound("Identity")
	}
	return i, internal("get identity", err)
}

// DeletionStatus tells whether the identity behind a username is deleted.
type DeletionStatus struct {
	IsDeleted    bool
	DeletionDate *time.Time
}

// IsDeleted answers for anyone whether the identity that owns the device
// with the username is deleted: past its deletion grace period. Unknown
// usernames are not deleted.
func (s *Identities) IsDeleted(ctx context.Context, username string) (DeletionStatus, error) {
	if !ValidID(PrefixUsername, username) {
		return DeletionStatus{}, invalidProperty("username", "The ID or Address is not valid. Check length, prefix and the used characters.")
	}
	d, err := s.b.store.Devices().GetByUsername(ctx, username)
	if errors.Is(err, driver.ErrNotFound) || err == nil && d.Username != username {
		return s.b.deletedStatus(ctx, username) // deletion.go
	}
	if err != nil {
		return DeletionStatus{}, internal("get device", err)
	}
	i, err := s.b.store.Identities().Get(ctx, d.IdentityAddress)
	if errors.Is(err, driver.ErrNotFound) {
		return DeletionStatus{}, nil
	}
	if err != nil {
		return DeletionStatus{}, internal("get identity", err)
	}
	if end := i.DeletionGracePeriodEndsAt; end != nil && end.Before(s.b.now()) {
		return DeletionStatus{IsDeleted: true, DeletionDate: end}, nil
	}
	return DeletionStatus{}, nil
}

// maxFeatureFlagNameLength bounds a feature flag's name.
const maxFeatureFlagNameLength = 200

// SetFeatureFlags sets the named flags of the caller's identity and leaves
// the others as they are.
func (s *Identities) SetFeatureFlags(ctx context.Context, as Caller, flags map[string]bool) error {
	if as.Anonymous() {
		return errUnauthenticated
	}
	limit := s.b.cfg.MaxFeatureFlagsPerIdentity
	tooMany := invalid(CodeMaxNumberOfFeatureFlagsExceeded, "An identity may have at most %d feature flags.", limit)
	if len(flags) > limit {
		return tooMany
	}
	for name := range flags {
		if name == "" || len(name) > maxFeatureFlagNameLength {
			return invalidProperty("featureFlags", "Each name must have 1 to %d characters.", maxFeatureFlagNameLength)
		}
	}
	now := s.b.now()
	return s.b.inTx(ctx, func(tx driver.Tx) error {
		existing, err := tx.Identities().FeatureFlags(ctx, as.Address)
		if err != nil {
			return internal("get feature flags", err)
		}
		n := len(existing)
		for name := range flags {
			if _, ok := existing[name]; !ok {
				n++
			}
		}
		if n > limit {
			return tooMany
		}
		if err := tx.Identities().UpsertFeatureFlags(ctx, as.Address, flags); err != nil {
			return internal("upsert feature flags", err)
		}
		return s.b.raise(ctx, tx, now, FeatureFlagsOfIdentityChanged{IdentityAddress: as.Address})
	})
}

// FeatureFlags returns the feature flags of the identity with the address.
// An identity may read its own, those of identities it has or had a
// relationship with, and those of identities whose templates it allocated.
// Anything else is reported as not found, so callers learn nothing about
// strangers.
func (s *Identities) FeatureFlags(ctx context.Context, as Caller, address string) (map[string]bool, error) {
	if as.Anonymous() {
		return nil, errUnauthenticated
	}
	if !ValidAddress(address) {
		return nil, invalidIDError("address")
	}
	if address != as.Address {
		ok, err := s.knows(ctx, as.Address, address)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, notFound("Identity")
		}
	}
	flags, err := s.b.store.Identities().FeatureFlags(ctx, address)
	return flags, internal("get feature flags", err)
}

// knows reports whether a has a relationship (in any status) with b or
// allocated one of b's templates.
func (s *Identities) knows(ctx context.Context, a, b string) (bool, error) {
	rs, err := s.b.store.Relationships().Between(ctx, a, b)
	if err != nil || len(rs) > 0 {
		return len(rs) > 0, internal("list relationships between", err)
	}
	allocators, err := s.b.store.RelationshipTemplates().AllocatorsOfTemplatesBy(ctx, b)
	if err != nil {
		return false, internal("list template allocators", err)
	}
	return slices.Contains(allocators, a), nil
}
