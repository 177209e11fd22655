package backbone

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// RelationshipTemplate is what an identity publishes so that others can ask
// for a relationship with it.
type RelationshipTemplate = driver.RelationshipTemplate

// RelationshipTemplates creates, reads and deletes templates.
type RelationshipTemplates struct{ b *Backbone }

const (
	maxContentLength  = 10 << 20
	maxPasswordLength = 200
)

// CreateTemplateRequest describes a new template. Content is required (it
// may be empty); the rest is optional.
type CreateTemplateRequest struct {
	Content                []byte
	ExpiresAt              *time.Time
	MaxNumberOfAllocations *int
	ForIdentity            string
	Password               []byte
}

// Create stores a template of the caller.
func (s *RelationshipTemplates) Create(ctx context.Context, as Caller, req CreateTemplateRequest) (RelationshipTemplate, error) {
	b := s.b
	if as.Anonymous() {
		return RelationshipTemplate{}, errUnauthenticated
	}
	now := b.now()
	switch {
	case len(req.Content) > maxContentLength:
		return RelationshipTemplate{}, invalidProperty("content", "must be at most 10 MiB.")
	case req.ExpiresAt != nil && !req.ExpiresAt.After(now):
		return RelationshipTemplate{}, invalidProperty("expiresAt", "must be in the future.")
	case req.MaxNumberOfAllocations != nil && *req.MaxNumberOfAllocations <= 0:
		return RelationshipTemplate{}, invalidProperty("maxNumberOfAllocations", "must be greater than 0.")
	case req.ForIdentity != "" && !ValidAddress(req.ForIdentity):
		return RelationshipTemplate{}, invalidIDError("forIdentity")
	case req.Password != nil && (len(req.Password) == 0 || len(req.Password) > maxPasswordLength):
		return RelationshipTemplate{}, invalidProperty("password", "must have 1 to %d bytes.", maxPasswordLength)
	}
	if err := b.checkQuotas(ctx, as, MetricNumberOfRelationshipTemplates); err != nil {
		return RelationshipTemplate{}, err
	}
	t := RelationshipTemplate{
		ID: NewID(PrefixTemplate), CreatedBy: as.Address, CreatedByDevice: as.DeviceID, CreatedAt: now,
		MaxNumberOfAllocations: req.MaxNumberOfAllocations, ForIdentity: req.ForIdentity, Password: req.Password, Content: req.Content,
	}
	if req.Content == nil {
		t.Content = []byte{}
	}
	if req.ExpiresAt != nil {
		e := req.ExpiresAt.UTC().Truncate(time.Millisecond)
		t.ExpiresAt = &e
	}
	err := b.inTx(ctx, func(tx driver.Tx) error {
		if err := tx.RelationshipTemplates().Insert(ctx, t); err != nil {
			return internal("insert template", err)
		}
		return b.raise(ctx, tx, now, RelationshipTemplateCreated{TemplateID: t.ID, CreatedBy: t.CreatedBy})
	})
	return t, err
}

var errTemplateNotFound = &Error{Kind: KindNotFound, Code: CodeRecordNotFound,
	Message: "RelationshipTemplate not found. Make sure the ID exists and the record is not expired. If a password is required to fetch the record, make sure you passed the correct one."}

// Get returns a template the caller may see and allocates it for the
// caller: the caller counts against its maximum number of allocations.
func (s *RelationshipTemplates) Get(ctx context.Context, as Caller, id string, password []byte) (RelationshipTemplate, error) {
	if as.Anonymous() {
		return RelationshipTemplate{}, errUnauthenticated
	}
	if !ValidID(PrefixTemplate, id) {
		return RelationshipTemplate{}, invalidIDError("id")
	}
	if password != nil && (len(password) == 0 || len(password) > maxPasswordLength) {
		return RelationshipTemplate{}, invalidProperty("password", "must have 1 to %d bytes.", maxPasswordLength)
	}
	var t RelationshipTemplate
	err := s.b.inTx(ctx, func(tx driver.Tx) error {
		var err error
		t, err = s.b.allocateTemplate(ctx, tx, as, id, password, s.b.now())
		return err
	})
	return t, err
}

// allocateTemplate loads a template visible to the caller, checks the
// password and records the caller's allocation.
func (b *Backbone) allocateTemplate(ctx context.Context, tx driver.Tx, as Caller, id string, password []byte, now time.Time) (RelationshipTemplate, error) {
	t, err := b.visibleTemplate(ctx, tx, as, id, now)
	if err != nil {
		return t, err
	}
	if t.CreatedBy == as.Address {
		return t, nil
	}
	allocated, err := tx.RelationshipTemplates().IsAllocatedBy(ctx, t.ID, as.Address)
	if err != nil {
		return t, internal("check allocation", err)
	}
	if allocated {
		return t, nil
	}
	if t.Password != nil && !bytes.Equal(t.Password, password) {
		return t, errTemplateNotFound
	}
	n, err := tx.RelationshipTemplates().CountAllocations(ctx, t.ID)
	if err != nil {
		return t, internal("count allocations", err)
	}
	if t.MaxNumberOfAllocations != nil && n >= *t.MaxNumberOfAllocations {
		return t, invalid(CodeMaxNumberOfAllocationsExhausted, "The maximum number of allocations of this template has been reached.")
	}
	err = tx.RelationshipTemplates().Allocate(ctx, driver.TemplateAllocation{TemplateID: t.ID, AllocatedBy: as.Address, AllocatedByDevice: as.DeviceID, AllocatedAt: now})
	if err != nil {
		return t, internal("allocate template", err)
	}
	if t.MaxNumberOfAllocations != nil && n+1 == *t.MaxNumberOfAllocations {
		return t, b.raise(ctx, tx, now, RelationshipTemplateAllocationsExhausted{RelationshipTemplateID: t.ID, CreatedBy: t.CreatedBy})
	}
	return t, nil
}

// visibleTemplate loads a template the caller may see.
func (b *Backbone) visibleTemplate(ctx context.Context, st driver.Stores, as Caller, id string, now time.Time) (RelationshipTemplate, error) {
	t, err := st.RelationshipTemplates().Get(ctx, id)
	if errors.Is(err, driver.ErrNotFound) {
		return t, errTemplateNotFound
	} else if err != nil {
		return t, internal("get template", err)
	}
	return t, b.checkVisible(ctx, st, as, t, now)
}

// checkVisible applies the expiry and personalization rules: an expired
// template stays visible to the parties of a relationship made from it; a
// personalized one only to its creator and the named identity.
func (b *Backbone) checkVisible(ctx context.Context, st driver.Stores, as Caller, t RelationshipTemplate, now time.Time) error {
	if t.ForIdentity != "" && t.ForIdentity != as.Address && t.CreatedBy != as.Address {
		return errTemplateNotFound
	}
	if t.ExpiresAt != nil && !t.ExpiresAt.After(now) {
		used, err := st.Relationships().ExistsForTemplate(ctx, t.ID, as.Address)
		if err != nil {
			return internal("check relationships of template", err)
		}
		if !used {
			return errTemplateNotFound
		}
	}
	return nil
}

// TemplateQuery names a template and the password to read it with.
type TemplateQuery struct {
	ID       string
	Password []byte
}

// List returns the templates among the queried ones the caller may see;
// it allocates nothing. Templates not found or not visible are left out.
func (s *RelationshipTemplates) List(ctx context.Context, as Caller, queries []TemplateQuery, page PageRequest) (Page[RelationshipTemplate], error) {
	b := s.b
	if as.Anonymous() {
		return Page[RelationshipTemplate]{}, errUnauthenticated
	}
	if len(queries) == 0 {
		return Page[RelationshipTemplate]{}, invalidProperty("templates", "must not be empty.")
	}
	page, err := b.normalizePage(page)
	if err != nil {
		return Page[RelationshipTemplate]{}, err
	}
	ids := make([]string, len(queries))
	for i, q := range queries {
		if !ValidID(PrefixTemplate, q.ID) {
			return Page[RelationshipTemplate]{}, invalidIDError("templates.id")
		}
		if q.Password != nil && (len(q.Password) == 0 || len(q.Password) > maxPasswordLength) {
			return Page[RelationshipTemplate]{}, invalidProperty("templates.password", "must have 1 to %d bytes.", maxPasswordLength)
		}
		ids[i] = q.ID
	}
	now := b.now()
	found, err := b.store.RelationshipTemplates().GetMany(ctx, ids)
	if err != nil {
		return Page[RelationshipTemplate]{}, internal("get templates", err)
	}
	var visible []RelationshipTemplate
	for _, t := range sortTemplates(found) {
		if err := b.checkVisible(ctx, b.store, as, t, now); err != nil {
			if errors.Is(err, errTemplateNotFound) {
				continue
			}
			return Page[RelationshipTemplate]{}, err
		}
		ok, err := b.passwordMatches(ctx, as, t, queries)
		if err != nil {
			return Page[RelationshipTemplate]{}, err
		}
		if ok {
			visible = append(visible, t)
		}
	}
	total := len(visible)
	start := min(page.Offset(), total)
	end := min(start+page.Size, total)
	return mapPage(visible[start:end], total, page, func(t RelationshipTemplate) RelationshipTemplate { return t }), nil
}

func (b *Backbone) passwordMatches(ctx context.Context, as Caller, t RelationshipTemplate, queries []TemplateQuery) (bool, error) {
	if t.Password == nil || t.CreatedBy == as.Address {
		return true, nil
	}
	for _, q := range queries {
		if q.ID == t.ID && bytes.Equal(q.Password, t.Password) {
			return true, nil
		}
	}
	allocated, err := b.store.RelationshipTemplates().IsAllocatedBy(ctx, t.ID, as.Address)
	return allocated, internal("check allocation", err)
}

func sortTemplates(ts []RelationshipTemplate) []RelationshipTemplate {
	slices.SortFunc(ts, func(a, b RelationshipTemplate) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	return ts
}

// Delete removes a template of the caller. Relationships made from it stay.
func (s *RelationshipTemplates) Delete(ctx context.Context, as Caller, id string) error {
	if as.Anonymous() {
		return errUnauthenticated
	}
	if !ValidID(PrefixTemplate, id) {
		return invalidIDError("id")
	}
	return s.b.inTx(ctx, func(tx driver.Tx) error {
		t, err := s.b.visibleTemplate(ctx, tx, as, id, s.b.now())
		if err != nil {
			return err
		}
		if t.CreatedBy != as.Address {
			return &Error{Kind: KindForbidden, Code: CodeForbidden, Message: "You are not allowed to delete this template."}
		}
		return internal("delete template", tx.RelationshipTemplates().Delete(ctx, id))
	})
}
