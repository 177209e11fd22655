package backbone

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// Relationship connects two identities.
type Relationship = driver.Relationship

// RelationshipStatus is where a relationship stands.
type RelationshipStatus = driver.RelationshipStatus

// Relationship statuses.
const (
	RelationshipPending          = driver.RelationshipPending
	RelationshipActive           = driver.RelationshipActive
	RelationshipRejected         = driver.RelationshipRejected
	RelationshipRevoked          = driver.RelationshipRevoked
	RelationshipTerminated       = driver.RelationshipTerminated
	RelationshipDeletionProposed = driver.RelationshipDeletionProposed
	RelationshipReadyForDeletion = driver.RelationshipReadyForDeletion
)

// RelationshipStatusNames are the wire names of the statuses.
var RelationshipStatusNames = map[RelationshipStatus]string{
	RelationshipPending: "Pending", RelationshipActive: "Active", RelationshipRejected: "Rejected", RelationshipRevoked: "Revoked",
	RelationshipTerminated: "Terminated", RelationshipDeletionProposed: "DeletionProposed", RelationshipReadyForDeletion: "ReadyForDeletion",
}

// Relationships runs the relationship state machine.
type Relationships struct{ b *Backbone }

// blocking are the statuses in which a pair may not start another
// relationship.
var blocking = []RelationshipStatus{RelationshipPending, RelationshipActive, RelationshipTerminated, RelationshipDeletionProposed}

var errRelationshipExists = invalid(CodeRelationshipToTargetAlreadyExists, "A relationship to the target already exists.")

// Create asks the creator of the template for a relationship. Reading the
// template allocates it, as GET does.
func (s *Relationships) Create(ctx context.Context, as Caller, templateID string, creationContent []byte) (Relationship, error) {
	b := s.b
	if as.Anonymous() {
		return Relationship{}, errUnauthenticated
	}
	if !ValidID(PrefixTemplate, templateID) {
		return Relationship{}, invalidIDError("relationshipTemplateId")
	}
	if len(creationContent) > maxContentLength {
		return Relationship{}, invalidProperty("creationContent", "must be at most 10 MiB.")
	}
	if err := b.checkQuotas(ctx, as, MetricNumberOfRelationships); err != nil {
		return Relationship{}, err
	}
	now := b.now()
	var r Relationship
	err := b.inTx(ctx, func(tx driver.Tx) error {
		t, err := b.allocateTemplate(ctx, tx, as, templateID, nil, now)
		if err != nil {
			return err
		}
		owner, err := tx.Identities().Get(ctx, t.CreatedBy)
		if err != nil {
			return internal("get template owner", err)
		}
		if owner.Status != IdentityActive {
			return invalid(CodePeerIsToBeDeleted, "Cannot establish relationship with the owner of the template because the owner is in status '%s'.", identityStatusName(owner.Status))
		}
		if exists, err := relationshipExists(ctx, tx, as.Address, t.CreatedBy); err != nil {
			return err
		} else if exists {
			return errRelationshipExists
		}
		if t.CreatedBy == as.Address {
			return invalid(CodeCannotCreateRelationshipWithYourself, "You cannot create a relationship with yourself.")
		}
		r = Relationship{
			ID: NewID(PrefixRelationship), TemplateID: t.ID, From: as.Address, To: t.CreatedBy, CreatedAt: now,
			Status: RelationshipPending, CreationContent: creationContent,
		}
		r.AuditLog = []driver.RelationshipAuditEntry{auditEntry(as, driver.AuditCreation, nil, RelationshipPending, now)}
		if err := tx.Relationships().Insert(ctx, r); errors.Is(err, driver.ErrConflict) {
			return errRelationshipExists
		} else if err != nil {
			return internal("insert relationship", err)
		}
		return b.raise(ctx, tx, now, statusChanged(r, as.Address))
	})
	return r, err
}

func relationshipExists(ctx context.Context, st driver.Stores, a, b string) (bool, error) {
	rs, err := st.Relationships().Between(ctx, a, b)
	if err != nil {
		return false, internal("list relationships between", err)
	}
	for _, r := range rs {
		for _, s := range blocking {
			if r.Status == s {
				return true, nil
			}
		}
	}
	return false, nil
}

func auditEntry(as Caller, reason driver.RelationshipAuditReason, old *RelationshipStatus, now RelationshipStatus, at time.Time) driver.RelationshipAuditEntry {
	return driver.RelationshipAuditEntry{
		ID: NewID(PrefixAuditEntry), CreatedAt: at, CreatedBy: as.Address, CreatedByDevice: as.DeviceID,
		Reason: reason, OldStatus: old, NewStatus: now,
	}
}

func peerOf(r Relationship, address string) string {
	if r.From == address {
		return r.To
	}
	return r.From
}

func statusChanged(r Relationship, initiator string) RelationshipStatusChanged {
	return RelationshipStatusChanged{
		RelationshipID: r.ID, NewStatus: RelationshipStatusNames[r.Status], Initiator: initiator, Peer: peerOf(r, initiator),
	}
}

func identityStatusName(s IdentityStatus) string {
	return map[IdentityStatus]string{IdentityActive: "Active", IdentityToBeDeleted: "ToBeDeleted", IdentityDeleting: "Deleting"}[s]
}

func notInStatus(statuses ...RelationshipStatus) error {
	names := make([]string, len(statuses))
	for i, s := range statuses {
		names[i] = RelationshipStatusNames[s]
	}
	return invalid(CodeRelationshipIsNotInCorrectStatus, "The relationship has to be in status '%s' to perform this action.", strings.Join(names, " or "))
}

// transition loads a relationship of the caller, lets change decide and
// apply the transition, then stores it and raises its event, in one
// transaction.
func (s *Relationships) transition(ctx context.Context, as Caller, id string, change func(r *Relationship, now time.Time) (domainEvent, error)) (Relationship, error) {
	b := s.b
	if as.Anonymous() {
		return Relationship{}, errUnauthenticated
	}
	if !ValidID(PrefixRelationship, id) {
		return Relationship{}, invalidIDError("id")
	}
	now := b.now()
	var r Relationship
	err := b.inTx(ctx, func(tx driver.Tx) error {
		var err error
		if r, err = s.load(ctx, tx, as, id); err != nil {
			return err
		}
		ev, err := change(&r, now)
		if err != nil {
			return err
		}
		if err := tx.Relationships().Update(ctx, r); errors.Is(err, driver.ErrConflict) {
			return errRelationshipExists // reactivating while a new relationship exists
		} else if err != nil {
			return internal("update relationship", err)
		}
		return b.raise(ctx, tx, now, ev)
	})
	return r, err
}

func (s *Relationships) load(ctx context.Context, st driver.Stores, as Caller, id string) (Relationship, error) {
	r, err := st.Relationships().Get(ctx, id)
	if errors.Is(err, driver.ErrNotFound) || err == nil && r.From != as.Address && r.To != as.Address {
		return Relationship{}, notFound("Relationship")
	}
	return r, internal("get relationship", err)
}

// move sets the new status and appends the audit entry.
func move(r *Relationship, as Caller, reason driver.RelationshipAuditReason, to RelationshipStatus, now time.Time) {
	old := r.Status
	r.Status = to
	r.AuditLog = append(r.AuditLog, auditEntry(as, reason, &old, to, now))
}

// answerCreation accepts, rejects or revokes a pending relationship.
func (s *Relationships) answerCreation(ctx context.Context, as Caller, id string, responseContent []byte, reason driver.RelationshipAuditReason, to RelationshipStatus) (Relationship, error) {
	return s.transition(ctx, as, id, func(r *Relationship, now time.Time) (domainEvent, error) {
		if r.Status != RelationshipPending {
			return nil, notInStatus(RelationshipPending)
		}
		if reason == driver.AuditRevocationOfCreation && r.From != as.Address {
			return nil, invalid(CodeCannotRevokeRelationshipNotCreatedByYourself, "You can only revoke relationships you created yourself.")
		}
		if reason != driver.AuditRevocationOfCreation && r.To != as.Address {
			return nil, invalid(CodeCannotAcceptOrRejectRelationshipOfSomeoneElse, "You can only accept or reject relationships addressed to you.")
		}
		r.CreationResponseContent = responseContent
		move(r, as, reason, to, now)
		return statusChanged(*r, as.Address), nil
	})
}

// Accept makes a pending relationship addressed to the caller active.
// responseContent nil stores null; empty stores an empty value.
func (s *Relationships) Accept(ctx context.Context, as Caller, id string, responseContent []byte) (Relationship, error) {
	if err := s.b.checkQuotas(ctx, as, MetricNumberOfRelationships); err != nil && ValidID(PrefixRelationship, id) {
		return Relationship{}, err // an invalid ID is reported by answerCreation first
	}
	return s.answerCreation(ctx, as, id, responseContent, driver.AuditAcceptanceOfCreation, RelationshipActive)
}

// Reject turns down a pending relationship addressed to the caller.
func (s *Relationships) Reject(ctx context.Context, as Caller, id string, responseContent []byte) (Relationship, error) {
	return s.answerCreation(ctx, as, id, responseContent, driver.AuditRejectionOfCreation, RelationshipRejected)
}

// Revoke withdraws a pending relationship the caller asked for.
func (s *Relationships) Revoke(ctx context.Context, as Caller, id string, responseContent []byte) (Relationship, error) {
	return s.answerCreation(ctx, as, id, responseContent, driver.AuditRevocationOfCreation, RelationshipRevoked)
}

// Terminate ends an active relationship.
func (s *Relationships) Terminate(ctx context.Context, as Caller, id string) (Relationship, error) {
	return s.transition(ctx, as, id, func(r *Relationship, now time.Time) (domainEvent, error) {
		if r.Status != RelationshipActive {
			return nil, notInStatus(RelationshipActive)
		}
		move(r, as, driver.AuditTermination, RelationshipTerminated, now)
		return statusChanged(*r, as.Address), nil
	})
}

// openReactivationRequest returns the newest audit entry if it is a
// reactivation request.
func openReactivationRequest(r *Relationship) *driver.RelationshipAuditEntry {
	if n := len(r.AuditLog); n > 0 && r.AuditLog[n-1].Reason == driver.AuditReactivationRequested {
		return &r.AuditLog[n-1]
	}
	return nil
}

// RequestReactivation asks the peer to make a terminated relationship
// active again.
func (s *Relationships) RequestReactivation(ctx context.Context, as Caller, id string) (Relationship, error) {
	return s.transition(ctx, as, id, func(r *Relationship, now time.Time) (domainEvent, error) {
		if openReactivationRequest(r) != nil {
			return nil, invalid(CodeCannotRequestReactivationWithOpenRequest, "There is already an open reactivation request.")
		}
		if r.Status != RelationshipTerminated {
			return nil, notInStatus(RelationshipTerminated)
		}
		move(r, as, driver.AuditReactivationRequested, RelationshipTerminated, now)
		return RelationshipReactivationRequested{RelationshipID: r.ID, RequestingIdentity: as.Address, Peer: peerOf(*r, as.Address)}, nil
	})
}

// answerReactivation accepts, rejects or revokes an open reactivation
// request; only the requester may revoke it, only the other side answer it.
func (s *Relationships) answerReactivation(ctx context.Context, as Caller, id string, reason driver.RelationshipAuditReason) (Relationship, error) {
	return s.transition(ctx, as, id, func(r *Relationship, now time.Time) (domainEvent, error) {
		req := openReactivationRequest(r)
		byCaller := req != nil && req.CreatedBy == as.Address
		to := RelationshipTerminated
		switch reason {
		case driver.AuditAcceptanceOfReactivation:
			if req == nil || byCaller {
				return nil, invalid(CodeNoAcceptableReactivationRequestExists, "There is no reactivation request you could accept.")
			}
			to = RelationshipActive
		case driver.AuditRejectionOfReactivation:
			if req == nil || byCaller {
				return nil, invalid(CodeNoRejectableReactivationRequestExists, "There is no reactivation request you could reject.")
			}
		case driver.AuditRevocationOfReactivation:
			if !byCaller {
				return nil, invalid(CodeNoRevocableReactivationRequestExists, "There is no reactivation request you could revoke.")
			}
		}
		move(r, as, reason, to, now)
		return RelationshipReactivationCompleted{RelationshipID: r.ID, NewRelationshipStatus: RelationshipStatusNames[to], Peer: peerOf(*r, as.Address)}, nil
	})
}

// AcceptReactivation makes the relationship active again.
func (s *Relationships) AcceptReactivation(ctx context.Context, as Caller, id string) (Relationship, error) {
	return s.answerReactivation(ctx, as, id, driver.AuditAcceptanceOfReactivation)
}

// RejectReactivation turns down the peer's reactivation request.
func (s *Relationships) RejectReactivation(ctx context.Context, as Caller, id string) (Relationship, error) {
	return s.answerReactivation(ctx, as, id, driver.AuditRejectionOfReactivation)
}

// RevokeReactivation withdraws the caller's reactivation request.
func (s *Relationships) RevokeReactivation(ctx context.Context, as Caller, id string) (Relationship, error) {
	return s.answerReactivation(ctx, as, id, driver.AuditRevocationOfReactivation)
}

// Decompose removes the caller from a finished relationship: the first
// side proposes deletion, the second makes it ready for deletion.
func (s *Relationships) Decompose(ctx context.Context, as Caller, id string) (Relationship, error) {
	return s.transition(ctx, as, id, func(r *Relationship, now time.Time) (domainEvent, error) {
		isFrom := r.From == as.Address
		if isFrom && r.FromHasDecomposed || !isFrom && r.ToHasDecomposed {
			return nil, errAlreadyDecomposed
		}
		var to RelationshipStatus
		switch r.Status {
		case RelationshipRejected, RelationshipRevoked, RelationshipTerminated:
			to = RelationshipDeletionProposed
		case RelationshipDeletionProposed:
			to = RelationshipReadyForDeletion
		default:
			return nil, notInStatus(RelationshipRejected, RelationshipRevoked, RelationshipTerminated, RelationshipDeletionProposed)
		}
		if isFrom {
			r.FromHasDecomposed = true
		} else {
			r.ToHasDecomposed = true
		}
		move(r, as, driver.AuditDecomposition, to, now)
		return statusChanged(*r, as.Address), nil
	})
}

var errAlreadyDecomposed = invalid(CodeRelationshipAlreadyDecomposed, "You already decomposed this Relationship.")

// Get returns a relationship of the caller that the caller has not
// decomposed.
func (s *Relationships) Get(ctx context.Context, as Caller, id string) (Relationship, error) {
	if as.Anonymous() {
		return Relationship{}, errUnauthenticated
	}
	if !ValidID(PrefixRelationship, id) {
		return Relationship{}, invalidIDError("id")
	}
	r, err := s.load(ctx, s.b.store, as, id)
	if err != nil {
		return r, err
	}
	if r.From == as.Address && r.FromHasDecomposed || r.To == as.Address && r.ToHasDecomposed {
		return Relationship{}, errAlreadyDecomposed
	}
	return r, nil
}

// List returns the caller's relationships among the IDs; others are left
// out silently.
func (s *Relationships) List(ctx context.Context, as Caller, ids []string, page PageRequest) (Page[Relationship], error) {
	if as.Anonymous() {
		return Page[Relationship]{}, errUnauthenticated
	}
	if len(ids) == 0 {
		return Page[Relationship]{}, invalidProperty("ids", "must not be empty.")
	}
	for _, id := range ids {
		if !ValidID(PrefixRelationship, id) {
			return Page[Relationship]{}, invalidIDError("ids")
		}
	}
	page, err := s.b.normalizePage(page)
	if err != nil {
		return Page[Relationship]{}, err
	}
	rs, total, err := s.b.store.Relationships().List(ctx, as.Address, ids, page)
	if err != nil {
		return Page[Relationship]{}, internal("list relationships", err)
	}
	return mapPage(rs, total, page, func(r Relationship) Relationship { return r }), nil
}

// CanCreateResult says whether the caller may ask the peer for a
// relationship, and if not, the error code it would get.
type CanCreateResult struct {
	CanCreate bool
	Code      string
}

// CanCreate tells whether a relationship with the peer could be created
// now.
func (s *Relationships) CanCreate(ctx context.Context, as Caller, peer string) (CanCreateResult, error) {
	if as.Anonymous() {
		return CanCreateResult{}, errUnauthenticated
	}
	if !ValidAddress(peer) {
		return CanCreateResult{}, invalidIDError("peer")
	}
	i, err := s.b.store.Identities().Get(ctx, peer)
	if errors.Is(err, driver.ErrNotFound) {
		return CanCreateResult{}, notFound("Identity")
	} else if err != nil {
		return CanCreateResult{}, internal("get identity", err)
	}
	if i.Status != IdentityActive {
		return CanCreateResult{Code: CodePeerIsToBeDeleted}, nil
	}
	exists, err := relationshipExists(ctx, s.b.store, as.Address, peer)
	if err != nil {
		return CanCreateResult{}, err
	}
	if exists {
		return CanCreateResult{Code: CodeRelationshipToTargetAlreadyExists}, nil
	}
	return CanCreateResult{CanCreate: true}, nil
}
