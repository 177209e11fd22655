package backbone

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// Admin serves the operator: overviews across identities and their
// records, and the few changes the Admin API makes outside the other
// services. Callers are trusted (the Admin API checks its key); nothing
// here is quota-limited.
type Admin struct{ b *Backbone }

// IdentityOverview is one row of the operator's identity list.
type IdentityOverview = driver.IdentityOverview

// IdentityQuery selects and orders identities for the operator. Every set
// filter must match.
type IdentityQuery struct {
	Address     string
	TierIDs     []string
	ClientIDs   []string
	CreatedFrom *time.Time // inclusive
	CreatedTo   *time.Time // exclusive
	// OrderBy is "createdAt" (default) or "address", optionally followed
	// by " asc" or " desc".
	OrderBy string
	Page    PageRequest
}

// maxIdentityFilterValues bounds the IN lists of an identity query.
const maxIdentityFilterValues = 50

// ListIdentities returns a page of the identities the query selects.
func (s *Admin) ListIdentities(ctx context.Context, q IdentityQuery) (Page[IdentityOverview], error) {
	page, err := s.b.normalizePage(q.Page)
	if err != nil {
		return Page[IdentityOverview]{}, err
	}
	order, err := identityOrder(q.OrderBy)
	if err != nil {
		return Page[IdentityOverview]{}, err
	}
	if len(q.TierIDs) > maxIdentityFilterValues || len(q.ClientIDs) > maxIdentityFilterValues {
		return Page[IdentityOverview]{}, invalidProperty("tierId", "and 'clientId' take at most %d values each.", maxIdentityFilterValues)
	}
	f := driver.IdentityFilter{Address: q.Address, TierIDs: q.TierIDs, ClientIDs: q.ClientIDs, CreatedFrom: q.CreatedFrom, CreatedTo: q.CreatedTo}
	items, total, err := s.b.store.Admin().ListIdentities(ctx, f, order, page)
	if err != nil {
		return Page[IdentityOverview]{}, internal("list identities", err)
	}
	return mapPage(items, total, page, func(i IdentityOverview) IdentityOverview { return i }), nil
}

func identityOrder(s string) (driver.IdentityOrder, error) {
	field, dir, _ := strings.Cut(strings.TrimSpace(s), " ")
	desc := false
	switch strings.ToLower(strings.TrimSpace(dir)) {
	case "", "asc":
	case "desc":
		desc = true
	default:
		return 0, invalidProperty("orderBy", "must be a field, optionally followed by asc or desc.")
	}
	switch strings.ToLower(field) {
	case "", "createdat":
		if desc {
			return driver.IdentitiesByCreatedAtDesc, nil
		}
		return driver.IdentitiesByCreatedAt, nil
	case "address":
		if desc {
			return driver.IdentitiesByAddressDesc, nil
		}
		return driver.IdentitiesByAddress, nil
	}
	return 0, invalidProperty("orderBy", "must order by createdAt or address.")
}

// IdentityDetails is an identity as the operator sees it.
type IdentityDetails struct {
	Identity
	Devices []Device
	Quotas  []IdentityQuota
}

// Identity returns the identity with its devices and quotas.
func (s *Admin) Identity(ctx context.Context, address string) (IdentityDetails, error) {
	if !ValidAddress(address) {
		return IdentityDetails{}, notFound("Identity")
	}
	id, err := s.b.store.Identities().Get(ctx, address)
	if errors.Is(err, driver.ErrNotFound) {
		return IdentityDetails{}, notFound("Identity")
	} else if err != nil {
		return IdentityDetails{}, internal("get identity", err)
	}
	out := IdentityDetails{Identity: id, Devices: []Device{}}
	page := PageRequest{Number: 1, Size: 200}
	for {
		ds, total, err := s.b.store.Devices().List(ctx, address, nil, page)
		if err != nil {
			return IdentityDetails{}, internal("list devices", err)
		}
		for _, d := range ds {
			out.Devices = append(out.Devices, deviceFromRecord(d))
		}
		if len(ds) == 0 || page.Number*page.Size >= total {
			break
		}
		page.Number++
	}
	out.Quotas, err = s.b.Quotas.withUsage(ctx, id)
	if err != nil {
		return IdentityDetails{}, err
	}
	return out, nil
}

// ChangeTier moves an identity to another tier. Neither the old nor the new
// tier may be one that is not manually assigned (Queued for Deletion).
func (s *Admin) ChangeTier(ctx context.Context, address, tierID string) error {
	if !ValidAddress(address) {
		return notFound("Identity")
	}
	if !ValidID(PrefixTier, tierID) {
		return notFound("Tier")
	}
	return s.b.inTx(ctx, func(tx driver.Tx) error {
		now := s.b.now()
		id, err := tx.Identities().Get(ctx, address)
		if errors.Is(err, driver.ErrNotFound) {
			return notFound("Identity")
		} else if err != nil {
			return internal("get identity", err)
		}
		t, err := tx.Tiers().Get(ctx, tierID)
		if errors.Is(err, driver.ErrNotFound) {
			return notFound("Tier")
		} else if err != nil {
			return internal("get tier", err)
		}
		if id.TierID == QueuedForDeletionTierID || !t.CanBeManuallyAssigned {
			return invalid(CodeQueuedForDeletionTierCannotBeManuallyAssignedOrUnassigned, "The tier %q cannot be assigned or unassigned manually.", QueuedForDeletionTierName)
		}
		if id.TierID == t.ID {
			return invalid(CodeNewAndOldMatch, "The identity is already in this tier.")
		}
		old := id.TierID
		id.TierID = t.ID
		if err := tx.Identities().Update(ctx, id); err != nil {
			return internal("update identity", err)
		}
		return s.b.raise(ctx, tx, now, TierOfIdentityChanged{OldTierID: old, NewTierID: t.ID, IdentityAddress: address})
	})
}

// MessagesOf returns a page of the messages participant sent
// (direction "Outgoing") or received ("Incoming").
func (s *Admin) MessagesOf(ctx context.Context, participant, direction string, p PageRequest) (Page[Message], error) {
	var incoming bool
	switch strings.ToLower(direction) {
	case "incoming":
		incoming = true
	case "outgoing":
	default:
		return Page[Message]{}, invalidProperty("type", "must be Incoming or Outgoing.")
	}
	if participant == "" {
		return Page[Message]{}, invalidProperty("participant", "is required.")
	}
	page, err := s.b.normalizePage(p)
	if err != nil {
		return Page[Message]{}, err
	}
	ms, total, err := s.b.store.Admin().ListMessagesOf(ctx, participant, incoming, page)
	if err != nil {
		return Page[Message]{}, internal("list messages", err)
	}
	return mapPage(ms, total, page, func(m Message) Message { return m }), nil
}

// RelationshipsOf returns a page of the relationships of participant.
func (s *Admin) RelationshipsOf(ctx context.Context, participant string, p PageRequest) (Page[Relationship], error) {
	if participant == "" {
		return Page[Relationship]{}, invalidProperty("participant", "is required.")
	}
	page, err := s.b.normalizePage(p)
	if err != nil {
		return Page[Relationship]{}, err
	}
	rs, total, err := s.b.store.Admin().ListRelationshipsOf(ctx, participant, page)
	if err != nil {
		return Page[Relationship]{}, internal("list relationships", err)
	}
	return mapPage(rs, total, page, func(r Relationship) Relationship { return r }), nil
}

// TokensCreatedBy returns a page of the tokens the identity created.
func (s *Admin) TokensCreatedBy(ctx context.Context, createdBy string, p PageRequest) (Page[Token], error) {
	if createdBy == "" {
		return Page[Token]{}, invalidProperty("createdBy", "is required.")
	}
	page, err := s.b.normalizePage(p)
	if err != nil {
		return Page[Token]{}, err
	}
	ts, total, err := s.b.store.Admin().ListTokensCreatedBy(ctx, createdBy, page)
	if err != nil {
		return Page[Token]{}, internal("list tokens", err)
	}
	return mapPage(ts, total, page, func(t Token) Token { return t }), nil
}

// ResetTokenAccessFailedCount unlocks a token that too many wrong
// passwords locked.
func (s *Admin) ResetTokenAccessFailedCount(ctx context.Context, tokenID string) error {
	if !ValidID(PrefixToken, tokenID) {
		return notFound("Token")
	}
	return s.b.inTx(ctx, func(tx driver.Tx) error {
		t, err := tx.Tokens().Get(ctx, tokenID)
		if errors.Is(err, driver.ErrNotFound) {
			return notFound("Token")
		} else if err != nil {
			return internal("get token", err)
		}
		t.AccessFailedCount = 0
		return internal("update token", tx.Tokens().Update(ctx, t))
	})
}

// CreateIdentity makes an identity for the client the operator names,
// without the client's secret; every other rule of Identities.Create
// holds.
func (s *Admin) CreateIdentity(ctx context.Context, req CreateIdentityRequest) (CreatedIdentity, error) {
	c, err := s.b.store.Clients().Get(ctx, req.ClientID)
	if errors.Is(err, driver.ErrNotFound) {
		return CreatedIdentity{}, &Error{Kind: KindInvalid, Code: CodeRecordNotFound, Message: "Client not found."}
	} else if err != nil {
		return CreatedIdentity{}, internal("get client", err)
	}
	return s.b.Identities.create(ctx, c, req)
}
