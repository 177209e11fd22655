package backbone

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// Client is an OAuth client: the app through which identities are created
// and log in.
type Client = driver.Client

// Clients manages OAuth clients.
type Clients struct{ b *Backbone }

// CreateClientRequest describes a new OAuth client. Empty ClientID and
// ClientSecret are generated; an empty DefaultTierID means the Basic tier.
type CreateClientRequest struct {
	ClientID      string
	DisplayName   string
	ClientSecret  string
	DefaultTierID string
	// DefaultTier, when set, names the default tier by name or, failing
	// that, by ID, as the Admin API accepts it; it wins over DefaultTierID.
	DefaultTier   string
	MaxIdentities *int
}

// Create adds an OAuth client and returns it with its secret in clear text,
// the only time the secret is shown.
func (s *Clients) Create(ctx context.Context, req CreateClientRequest) (Client, string, error) {
	if req.ClientID == "" {
		req.ClientID = NewID(PrefixClient)
	}
	if req.ClientSecret == "" {
		req.ClientSecret = randomString(30, idAlphabet)
	}
	if req.DisplayName == "" {
		req.DisplayName = req.ClientID
	}
	if len(req.ClientID) < 3 || len(req.ClientID) > 200 {
		return Client{}, "", invalidProperty("clientId", "must have 3 to 200 characters.")
	}
	if req.MaxIdentities != nil && *req.MaxIdentities < 0 {
		return Client{}, "", invalidProperty("maxIdentities", "must not be negative.")
	}
	c := Client{
		ClientID: req.ClientID, DisplayName: req.DisplayName, SecretHash: hashPassword(req.ClientSecret),
		DefaultTierID: req.DefaultTierID, MaxIdentities: req.MaxIdentities, CreatedAt: s.b.now(),
	}
	err := s.b.store.InTx(ctx, func(tx driver.Tx) error {
		if req.DefaultTier != "" {
			t, err := tx.Tiers().GetByName(ctx, req.DefaultTier)
			if errors.Is(err, driver.ErrNotFound) {
				t, err = tx.Tiers().Get(ctx, req.DefaultTier)
			}
			if errors.Is(err, driver.ErrNotFound) {
				return &Error{Kind: KindInvalid, Code: CodeRecordNotFound, Message: fmt.Sprintf("Tier %q not found.", req.DefaultTier)}
			} else if err != nil {
				return internal("get tier", err)
			}
			c.DefaultTierID = t.ID
		}
		if c.DefaultTierID == "" {
			basic, err := tx.Tiers().GetByName(ctx, BasicTierName)
			if err != nil {
				return internal("get basic tier", err)
			}
			c.DefaultTierID = basic.ID
		} else if err := s.b.Tiers.mustExist(ctx, tx, c.DefaultTierID); err != nil {
			return err
		}
		if c.DefaultTierID == QueuedForDeletionTierID {
			return invalidProperty("defaultTier", "The tier cannot be used as a client's default.")
		}
		err := tx.Clients().Insert(ctx, c)
		if errors.Is(err, driver.ErrConflict) {
			return invalid(CodeClientIDAlreadyExists, "A client with the ID %q already exists.", c.ClientID)
		}
		return internal("insert client", err)
	})
	if err != nil {
		return Client{}, "", err
	}
	return c, req.ClientSecret, nil
}

// Ensure creates the client with the ID and secret unless a client with the
// ID exists; seeding uses it on every start.
func (s *Clients) Ensure(ctx context.Context, req CreateClientRequest) error {
	if _, err := s.b.store.Clients().Get(ctx, req.ClientID); err == nil {
		return nil
	}
	_, _, err := s.Create(ctx, req)
	if e := AsError(err); err != nil && e.Kind == KindInvalid {
		return nil // created concurrently by another replica
	}
	return err
}

// Get returns the client.
func (s *Clients) Get(ctx context.Context, clientID string) (Client, error) {
	c, err := s.b.store.Clients().Get(ctx, clientID)
	if errors.Is(err, driver.ErrNotFound) {
		return Client{}, notFound("Client")
	}
	return c, internal("get client", err)
}

// List returns every client, oldest first.
func (s *Clients) List(ctx context.Context) ([]Client, error) {
	cs, err := s.b.store.Clients().List(ctx)
	return cs, internal("list clients", err)
}

// Delete removes the client.
func (s *Clients) Delete(ctx context.Context, clientID string) error {
	err := s.b.store.Clients().Delete(ctx, clientID)
	if errors.Is(err, driver.ErrNotFound) {
		return notFound("Client")
	}
	return internal("delete client", err)
}

// ClientOverview is a client with the number of identities created
// through it.
type ClientOverview struct {
	Client
	DefaultTierName    string
	NumberOfIdentities int
}

// ListOverviews returns every client with its number of identities, oldest
// first.
func (s *Clients) ListOverviews(ctx context.Context) ([]ClientOverview, error) {
	cs, err := s.b.store.Clients().List(ctx)
	if err != nil {
		return nil, internal("list clients", err)
	}
	counts, err := s.b.store.Admin().CountIdentitiesPerClient(ctx)
	if err != nil {
		return nil, internal("count identities per client", err)
	}
	tiers, err := s.b.store.Tiers().List(ctx)
	if err != nil {
		return nil, internal("list tiers", err)
	}
	names := make(map[string]string, len(tiers))
	for _, t := range tiers {
		names[t.ID] = t.Name
	}
	out := make([]ClientOverview, len(cs))
	for i, c := range cs {
		out[i] = ClientOverview{Client: c, DefaultTierName: names[c.DefaultTierID], NumberOfIdentities: counts[c.ClientID]}
	}
	return out, nil
}

// GetOverview returns the client with its number of identities.
func (s *Clients) GetOverview(ctx context.Context, clientID string) (ClientOverview, error) {
	c, err := s.Get(ctx, clientID)
	if err != nil {
		return ClientOverview{}, err
	}
	n, err := s.b.store.Identities().CountByClient(ctx, clientID)
	if err != nil {
		return ClientOverview{}, internal("count identities", err)
	}
	return ClientOverview{Client: c, NumberOfIdentities: n}, nil
}

// ChangeSecret gives the client a new secret (generated when empty) and
// returns the client with it in clear text, the only time it is shown.
func (s *Clients) ChangeSecret(ctx context.Context, clientID, newSecret string) (Client, string, error) {
	if newSecret == "" {
		newSecret = randomString(30, idAlphabet)
	}
	var c Client
	err := s.b.store.InTx(ctx, func(tx driver.Tx) error {
		var err error
		c, err = tx.Clients().Get(ctx, clientID)
		if errors.Is(err, driver.ErrNotFound) {
			return notFound("Client")
		} else if err != nil {
			return internal("get client", err)
		}
		c.SecretHash = hashPassword(newSecret)
		return internal("update client", tx.Clients().Update(ctx, c))
	})
	if err != nil {
		return Client{}, "", err
	}
	return c, newSecret, nil
}

// UpdateClientRequest is what an operator may change of a client.
type UpdateClientRequest struct {
	// DefaultTierID must be the ID of a tier that can be a default.
	DefaultTierID string
	// MaxIdentities nil removes the limit; it may not be below the number
	// of identities the client already has.
	MaxIdentities *int
}

// Update changes the default tier and the identity limit of the client.
func (s *Clients) Update(ctx context.Context, clientID string, req UpdateClientRequest) (Client, error) {
	if req.MaxIdentities != nil && *req.MaxIdentities < 0 {
		return Client{}, invalidProperty("maxIdentities", "must not be negative.")
	}
	var c Client
	err := s.b.store.InTx(ctx, func(tx driver.Tx) error {
		var err error
		c, err = tx.Clients().Get(ctx, clientID)
		if errors.Is(err, driver.ErrNotFound) {
			return notFound("Client")
		} else if err != nil {
			return internal("get client", err)
		}
		t, err := tx.Tiers().Get(ctx, req.DefaultTierID)
		if errors.Is(err, driver.ErrNotFound) || (err == nil && !t.CanBeUsedAsDefaultForClient) {
			return invalid(CodeTierIDInvalidOrDoesNotExist, "The tier ID is invalid or the tier does not exist.")
		} else if err != nil {
			return internal("get tier", err)
		}
		if req.MaxIdentities != nil {
			n, err := tx.Identities().CountByClient(ctx, clientID)
			if err != nil {
				return internal("count identities", err)
			}
			if *req.MaxIdentities < n {
				return invalid(CodeMaxIdentitiesLessThanCurrentIdentities, "The maximum number of identities cannot be lower than the %d identities the client already has.", n)
			}
		}
		c.DefaultTierID, c.MaxIdentities = t.ID, req.MaxIdentities
		return internal("update client", tx.Clients().Update(ctx, c))
	})
	if err != nil {
		return Client{}, err
	}
	return c, nil
}

// Codes of client administration.
const (
	CodeClientIDAlreadyExists                  = "error.platform.validation.device.clientIdAlreadyExists"
	CodeTierIDInvalidOrDoesNotExist            = "error.platform.validation.device.tierIdInvalidOrDoesNotExist"
	CodeMaxIdentitiesLessThanCurrentIdentities = "error.platform.validation.device.maxIdentitiesLessThanCurrentIdentities"
)

var errBadClientCredentials = errors.New("unknown client or wrong secret")

// authenticate checks client credentials. Verified pairs are remembered so
// that each login does not pay for a slow hash twice; the cache key includes
// the stored hash, so a changed secret is checked afresh.
func (s *Clients) authenticate(ctx context.Context, clientID, secret string) (Client, error) {
	if clientID == "" {
		return Client{}, errBadClientCredentials
	}
	c, err := s.b.store.Clients().Get(ctx, clientID)
	if errors.Is(err, driver.ErrNotFound) {
		return Client{}, errBadClientCredentials
	} else if err != nil {
		return Client{}, internal("get client", err)
	}
	key := sha256.Sum256([]byte(c.ClientID + "\x00" + c.SecretHash + "\x00" + secret))
	if s.b.secrets.has(key) {
		return c, nil
	}
	if !verifyPassword(c.SecretHash, secret) {
		return Client{}, errBadClientCredentials
	}
	s.b.secrets.add(key)
	return c, nil
}

// secretCache is a bounded set of verified credential digests.
type secretCache struct {
	mu   sync.Mutex
	max  int
	keys map[[32]byte]struct{}
}

func newSecretCache(max int) *secretCache {
	return &secretCache{max: max, keys: map[[32]byte]struct{}{}}
}

func (c *secretCache) has(k [32]byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.keys[k]
	return ok
}

func (c *secretCache) add(k [32]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.keys) >= c.max {
		clear(c.keys) // rare; re-verifying costs one hash per client
	}
	c.keys[k] = struct{}{}
}
