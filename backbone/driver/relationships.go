package driver

import (
	"context"
	"time"
)

// RelationshipStatus is where a relationship stands. The numbers are the
// reference's.
type RelationshipStatus int

// Relationship statuses.
const (
	RelationshipPending          RelationshipStatus = 10
	RelationshipActive           RelationshipStatus = 20
	RelationshipRejected         RelationshipStatus = 30
	RelationshipRevoked          RelationshipStatus = 40
	RelationshipTerminated       RelationshipStatus = 50
	RelationshipDeletionProposed RelationshipStatus = 60
	RelationshipReadyForDeletion RelationshipStatus = 70
)

// RelationshipAuditReason says why an audit entry was written. The numbers
// are the reference's.
type RelationshipAuditReason int

// Audit reasons.
const (
	AuditCreation RelationshipAuditReason = iota
	AuditAcceptanceOfCreation
	AuditRejectionOfCreation
	AuditRevocationOfCreation
	AuditTermination
	AuditReactivationRequested
	AuditAcceptanceOfReactivation
	AuditRejectionOfReactivation
	AuditRevocationOfReactivation
	AuditDecomposition
	AuditDecompositionDueToIdentityDeletion
)

// RelationshipAuditEntry records one transition of a relationship.
type RelationshipAuditEntry struct {
	ID              string
	CreatedAt       time.Time
	CreatedBy       string
	CreatedByDevice string // empty for entries written by identity deletion
	Reason          RelationshipAuditReason
	// OldStatus is nil only for the Creation entry.
	OldStatus *RelationshipStatus
	NewStatus RelationshipStatus
}

// Relationship connects two identities: From asked, To created the
// template.
type Relationship struct {
	ID string
	// TemplateID is empty once the template was deleted.
	TemplateID              string
	From                    string
	To                      string
	CreatedAt               time.Time
	Status                  RelationshipStatus
	CreationContent         []byte // nil when none was sent
	CreationResponseContent []byte // nil when none was stored
	FromHasDecomposed       bool
	ToHasDecomposed         bool
	// AuditLog is ordered by CreatedAt, then insertion.
	AuditLog []RelationshipAuditEntry
}

// RelationshipStore persists relationships and their audit logs.
type RelationshipStore interface {
	// Insert stores r with its audit log. Returns ErrConflict if the ID
	// exists, or if r is in status Pending, Active or Terminated and the
	// two identities (in either direction) already have a relationship in
	// one of these statuses.
	Insert(ctx context.Context, r Relationship) error
	// Get returns the relationship with its audit log. Returns ErrNotFound
	// if none.
	Get(ctx context.Context, id string) (Relationship, error)
	// Update replaces Status, CreationResponseContent, FromHasDecomposed and
	// ToHasDecomposed of the relationship with r.ID and stores the entries
	// of r.AuditLog not stored yet (by ID; stored entries never change).
	// Returns ErrNotFound if none, ErrConflict if the new status breaks the
	// rule of Insert.
	Update(ctx context.Context, r Relationship) error
	// Between returns every relationship between a and b, in either
	// direction, oldest first.
	Between(ctx context.Context, a, b string) ([]Relationship, error)
	// List returns a page of the relationships with one of the IDs in which
	// participant is From or To, oldest first, and how many match in all.
	// With no IDs, none match.
	List(ctx context.Context, participant string, ids []string, page PageRequest) ([]Relationship, int, error)
	// ExistsForTemplate reports whether a relationship created from the
	// template has participant as From or To.
	ExistsForTemplate(ctx context.Context, templateID, participant string) (bool, error)
	// ListByParticipant returns every relationship of participant whose
	// status is one of statuses, oldest first, without audit logs.
	ListByParticipant(ctx context.Context, participant string, statuses []RelationshipStatus) ([]Relationship, error)
}

// RelationshipTemplate is what an identity publishes so that others can ask
// for a relationship with it.
type RelationshipTemplate struct {
	ID                     string
	CreatedBy              string
	CreatedByDevice        string
	CreatedAt              time.Time
	MaxNumberOfAllocations *int       // nil: unlimited
	ExpiresAt              *time.Time // nil: never
	Content                []byte
	ForIdentity            string // empty: anyone
	Password               []byte // nil: none
}

// TemplateAllocation records that an identity fetched a template.
type TemplateAllocation struct {
	TemplateID        string
	AllocatedBy       string
	AllocatedByDevice string
	AllocatedAt       time.Time
}

// RelationshipTemplateStore persists templates and their allocations.
type RelationshipTemplateStore interface {
	// Insert stores a new template. Returns ErrConflict if the ID exists.
	Insert(ctx context.Context, t RelationshipTemplate) error
	// Get returns the template. Returns ErrNotFound if none.
	Get(ctx context.Context, id string) (RelationshipTemplate, error)
	// GetMany returns the templates with the IDs that exist, in no
	// particular order.
	GetMany(ctx context.Context, ids []string) ([]RelationshipTemplate, error)
	// Delete removes the template and its allocations; relationships
	// created from it keep existing with an empty TemplateID. Returns
	// ErrNotFound if none.
	Delete(ctx context.Context, id string) error
	// Allocate records the allocation. Returns ErrConflict if the identity
	// already allocated the template.
	Allocate(ctx context.Context, a TemplateAllocation) error
	// CountAllocations returns how many identities allocated the template.
	CountAllocations(ctx context.Context, templateID string) (int, error)
	// IsAllocatedBy reports whether the identity allocated the template.
	IsAllocatedBy(ctx context.Context, templateID, identity string) (bool, error)
	// AllocatorsOfTemplatesBy returns the distinct identities that
	// allocated a template created by creator.
	AllocatorsOfTemplatesBy(ctx context.Context, creator string) ([]string, error)
}
