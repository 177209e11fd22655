package backbone

import (
	"context"
	"errors"
	"fmt"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// Tier groups identities that share quotas.
type Tier = driver.Tier

// Built-in tiers. "Queued for Deletion" has a fixed ID clients can see in
// GET /Identities/Self while a deletion is pending.
const (
	BasicTierName             = "Basic"
	QueuedForDeletionTierID   = "TIR00000000000000001"
	QueuedForDeletionTierName = "Queued for Deletion"
)

// Tiers manages tiers.
type Tiers struct{ b *Backbone }

// EnsureBuiltIn creates the Basic and the Queued-for-Deletion tier if they
// are missing and returns the Basic tier. Safe to call from several
// processes at once.
func (s *Tiers) EnsureBuiltIn(ctx context.Context) (Tier, error) {
	qfd := Tier{ID: QueuedForDeletionTierID, Name: QueuedForDeletionTierName}
	if err := s.b.store.Tiers().Insert(ctx, qfd); err != nil && !errors.Is(err, driver.ErrConflict) {
		return Tier{}, internal("insert tier", err)
	}
	basic, err := s.b.store.Tiers().GetByName(ctx, BasicTierName)
	if errors.Is(err, driver.ErrNotFound) {
		basic = Tier{ID: NewID(PrefixTier), Name: BasicTierName, CanBeUsedAsDefaultForClient: true, CanBeManuallyAssigned: true}
		err = s.b.store.Tiers().Insert(ctx, basic)
		if errors.Is(err, driver.ErrConflict) { // another process was quicker
			basic, err = s.b.store.Tiers().GetByName(ctx, BasicTierName)
		}
	}
	return basic, internal("ensure basic tier", err)
}

// Create adds a tier that can be assigned and used as a client default.
func (s *Tiers) Create(ctx context.Context, name string) (Tier, error) {
	if n := len([]rune(name)); n < 3 || n > 30 {
		return Tier{}, invalidProperty("name", "must have 3 to 30 characters.")
	}
	t := Tier{ID: NewID(PrefixTier), Name: name, CanBeUsedAsDefaultForClient: true, CanBeManuallyAssigned: true}
	err := s.b.store.Tiers().Insert(ctx, t)
	if errors.Is(err, driver.ErrConflict) {
		return Tier{}, invalid("error.platform.validation.device.tierNameAlreadyExists", "A tier named %q already exists.", name)
	}
	return t, internal("insert tier", err)
}

// Get returns the tier with the ID.
func (s *Tiers) Get(ctx context.Context, id string) (Tier, error) {
	if !ValidID(PrefixTier, id) {
		return Tier{}, invalidIDError("id")
	}
	t, err := s.b.store.Tiers().Get(ctx, id)
	if errors.Is(err, driver.ErrNotFound) {
		return Tier{}, notFound("Tier")
	}
	return t, internal("get tier", err)
}

// List returns every tier by name.
func (s *Tiers) List(ctx context.Context) ([]Tier, error) {
	ts, err := s.b.store.Tiers().List(ctx)
	return ts, internal("list tiers", err)
}

func (s *Tiers) mustExist(ctx context.Context, st driver.Stores, id string) error {
	_, err := st.Tiers().Get(ctx, id)
	if errors.Is(err, driver.ErrNotFound) {
		return &Error{Kind: KindInvalid, Code: CodeRecordNotFound, Message: fmt.Sprintf("Tier %q not found.", id)}
	}
	return internal("get tier", err)
}
