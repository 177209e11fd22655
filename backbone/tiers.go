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
	if err := s.b.seedQueuedForDeletionQuotas(ctx); err != nil {
		return Tier{}, err
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
		return Tier{}, invalid(CodeInvalidTierName, "The tier name must have 3 to 30 characters.")
	}
	t := Tier{ID: NewID(PrefixTier), Name: name, CanBeUsedAsDefaultForClient: true, CanBeManuallyAssigned: true}
	err := s.b.store.Tiers().Insert(ctx, t)
	if errors.Is(err, driver.ErrConflict) {
		return Tier{}, invalid(CodeTierNameAlreadyExists, "A tier named %q already exists.", name)
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

// TierOverview is a tier with the number of identities in it.
type TierOverview struct {
	Tier
	NumberOfIdentities int
}

// ListOverviews returns every tier by name with its number of identities.
func (s *Tiers) ListOverviews(ctx context.Context) ([]TierOverview, error) {
	ts, err := s.b.store.Tiers().List(ctx)
	if err != nil {
		return nil, internal("list tiers", err)
	}
	counts, err := s.b.store.Admin().CountIdentitiesPerTier(ctx)
	if err != nil {
		return nil, internal("count identities per tier", err)
	}
	out := make([]TierOverview, len(ts))
	for i, t := range ts {
		out[i] = TierOverview{Tier: t, NumberOfIdentities: counts[t.ID]}
	}
	return out, nil
}

// Delete removes a tier no client uses as default and no identity is in;
// the built-in tiers stay.
func (s *Tiers) Delete(ctx context.Context, id string) error {
	if !ValidID(PrefixTier, id) {
		return invalidIDError("id")
	}
	err := s.b.inTx(ctx, func(tx driver.Tx) error {
		t, err := tx.Tiers().Get(ctx, id)
		if errors.Is(err, driver.ErrNotFound) {
			return notFound("Tier")
		} else if err != nil {
			return internal("get tier", err)
		}
		switch {
		case t.ID == QueuedForDeletionTierID:
			return invalid(CodeQueuedForDeletionTierCannotBeDeleted, "The tier %q cannot be deleted.", t.Name)
		case t.Name == BasicTierName:
			return invalid(CodeBasicTierCannotBeDeleted, "The tier %q cannot be deleted.", t.Name)
		}
		clients, err := tx.Admin().CountClientsWithDefaultTier(ctx, t.ID)
		if err != nil {
			return internal("count clients of tier", err)
		}
		identities, err := tx.Admin().CountIdentitiesPerTier(ctx)
		if err != nil {
			return internal("count identities of tier", err)
		}
		if clients > 0 || identities[t.ID] > 0 {
			return invalid(CodeUsedTierCannotBeDeleted, "The tier is the default of %d clients and assigned to %d identities.", clients, identities[t.ID])
		}
		// The tier's quota definitions go with it; no identity is left to
		// have them.
		defs, err := tx.Quotas().TierQuotas(ctx, t.ID)
		if err != nil {
			return internal("list tier quota definitions", err)
		}
		for _, d := range defs {
			if err := tx.Quotas().DeleteTierQuota(ctx, t.ID, d.ID); err != nil && !errors.Is(err, driver.ErrNotFound) {
				return internal("delete tier quota definition", err)
			}
		}
		return internal("delete tier", tx.Tiers().Delete(ctx, t.ID))
	})
	return err
}

// Codes of tier administration.
const (
	CodeInvalidTierName                                           = "error.platform.validation.invalidTierName"
	CodeTierNameAlreadyExists                                     = "error.platform.validation.device.tierNameAlreadyExists"
	CodeUsedTierCannotBeDeleted                                   = "error.platform.validation.device.usedTierCannotBeDeleted"
	CodeBasicTierCannotBeDeleted                                  = "error.platform.validation.device.basicTierCannotBeDeleted"
	CodeQueuedForDeletionTierCannotBeDeleted                      = "error.platform.validation.device.queuedForDeletionTierCannotBeDeleted"
	CodeQueuedForDeletionTierCannotBeManuallyAssignedOrUnassigned = "error.platform.validation.device.queuedForDeletionTierCannotBeManuallyAssignedOrUnassigned"
	CodeNewAndOldMatch                                            = "error.platform.validation.newAndOldMatch"
)

func (s *Tiers) mustExist(ctx context.Context, st driver.Stores, id string) error {
	_, err := st.Tiers().Get(ctx, id)
	if errors.Is(err, driver.ErrNotFound) {
		return &Error{Kind: KindInvalid, Code: CodeRecordNotFound, Message: fmt.Sprintf("Tier %q not found.", id)}
	}
	return internal("get tier", err)
}
