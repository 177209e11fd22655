package httpapi

import (
	"bytes"
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/httpapi/internal/paging"
)

var auditReasons = []string{
	"Creation", "AcceptanceOfCreation", "RejectionOfCreation", "RevocationOfCreation", "Termination", "ReactivationRequested",
	"AcceptanceOfReactivation", "RejectionOfReactivation", "RevocationOfReactivation", "Decomposition", "DecompositionDueToIdentityDeletion",
}

// auditEntryDTO is one transition of a relationship.
type auditEntryDTO struct {
	CreatedAt       wireTime `json:"createdAt"`
	CreatedBy       string   `json:"createdBy"`
	CreatedByDevice *string  `json:"createdByDevice"`
	Reason          string   `json:"reason"`
	OldStatus       *string  `json:"oldStatus"`
	NewStatus       string   `json:"newStatus"`
}

// relationshipDTO is a relationship on the wire. The contents are only part
// of reads, not of the answers to transitions.
type relationshipDTO struct {
	ID                      string          `json:"id"`
	RelationshipTemplateID  *string         `json:"relationshipTemplateId"`
	From                    string          `json:"from"`
	To                      string          `json:"to"`
	CreatedAt               wireTime        `json:"createdAt"`
	Status                  string          `json:"status" enum:"Pending,Active,Rejected,Revoked,Terminated,DeletionProposed,ReadyForDeletion"`
	AuditLog                []auditEntryDTO `json:"auditLog"`
	CreationContent         *wireBytes      `json:"creationContent,omitempty"`
	CreationResponseContent *wireBytes      `json:"creationResponseContent,omitempty"`
}

func toRelationshipDTO(r backbone.Relationship, withContent bool) relationshipDTO {
	dto := relationshipDTO{
		ID: r.ID, RelationshipTemplateID: nullable(r.TemplateID), From: r.From, To: r.To, CreatedAt: toWireTime(r.CreatedAt),
		Status: backbone.RelationshipStatusNames[r.Status], AuditLog: make([]auditEntryDTO, len(r.AuditLog)),
	}
	for i, e := range r.AuditLog {
		var old *string
		if e.OldStatus != nil {
			name := backbone.RelationshipStatusNames[*e.OldStatus]
			old = &name
		}
		dto.AuditLog[i] = auditEntryDTO{
			CreatedAt: toWireTime(e.CreatedAt), CreatedBy: e.CreatedBy, CreatedByDevice: nullable(e.CreatedByDevice),
			Reason: auditReasons[e.Reason], OldStatus: old, NewStatus: backbone.RelationshipStatusNames[e.NewStatus],
		}
	}
	if withContent {
		// Both are always present in reads, null when absent.
		cc, crc := wireBytes(r.CreationContent), wireBytes(r.CreationResponseContent)
		dto.CreationContent, dto.CreationResponseContent = &cc, &crc
	}
	return dto
}

// optionalBytes tells an absent member from an explicit null: accepting
// without creationResponseContent stores an empty value, with null stores
// null, as the reference does.
type optionalBytes struct {
	set   bool
	value []byte
}

func (o *optionalBytes) UnmarshalJSON(data []byte) error {
	o.set = true
	if bytes.Equal(data, []byte("null")) {
		return nil
	}
	var b wireBytes
	if err := b.UnmarshalJSON(data); err != nil {
		return err
	}
	o.value = []byte(b)
	return nil
}

// Schema documents the member as base64.
func (optionalBytes) Schema(r huma.Registry) *huma.Schema { return wireBytes(nil).Schema(r) }

func (o optionalBytes) bytes() []byte {
	if !o.set {
		return []byte{}
	}
	return o.value
}

type relationshipIDInput struct {
	ID string `path:"id"`
}

type answerInput struct {
	ID   string `path:"id"`
	Body struct {
		CreationResponseContent optionalBytes `json:"creationResponseContent,omitempty"`
	}
}

type createRelationshipInput struct {
	Body struct {
		RelationshipTemplateID *string   `json:"relationshipTemplateId"`
		CreationContent        wireBytes `json:"creationContent,omitempty"`
	}
}

type relationshipOutput struct {
	Body result[relationshipDTO]
}

type listRelationshipsInput struct {
	paging.Query
	IDs []string `query:"ids,explode" doc:"the relationships to return; repeat the parameter"`
}

type relationshipsOutput struct {
	Body paged[relationshipDTO]
}

type canCreateInput struct {
	Peer string `query:"peer" required:"true"`
}

// canCreateDTO tells whether a relationship could be created.
type canCreateDTO struct {
	CanCreate bool    `json:"canCreate"`
	Code      *string `json:"code"`
}

type canCreateOutput struct {
	Body result[canCreateDTO]
}

func (h *handlers) registerRelationships(api huma.API) {
	tags := []string{"Relationships"}
	huma.Register(api, h.op(huma.Operation{
		OperationID: "create-relationship", Method: http.MethodPost, Path: "/api/v2/Relationships",
		Summary: "Ask the creator of a template for a relationship", Tags: tags, DefaultStatus: http.StatusCreated,
	}, authRequired), func(ctx context.Context, in *createRelationshipInput) (*relationshipOutput, error) {
		if in.Body.RelationshipTemplateID == nil {
			return nil, missing("relationshipTemplateId")
		}
		r, err := h.b.Relationships.Create(ctx, caller(ctx), *in.Body.RelationshipTemplateID, in.Body.CreationContent)
		return relationshipResult(r, err, false)
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "get-relationship", Method: http.MethodGet, Path: "/api/v2/Relationships/{id}",
		Summary: "Get a relationship of the caller", Tags: tags,
	}, authRequired), func(ctx context.Context, in *relationshipIDInput) (*relationshipOutput, error) {
		r, err := h.b.Relationships.Get(ctx, caller(ctx), in.ID)
		return relationshipResult(r, err, true)
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "list-relationships", Method: http.MethodGet, Path: "/api/v2/Relationships",
		Summary: "List relationships of the caller by ID", Tags: tags,
	}, authRequired), func(ctx context.Context, in *listRelationshipsInput) (*relationshipsOutput, error) {
		p, err := h.b.Relationships.List(ctx, caller(ctx), in.IDs, in.Request())
		if err != nil {
			return nil, err
		}
		return &relationshipsOutput{Body: toPaged(p, func(r backbone.Relationship) relationshipDTO { return toRelationshipDTO(r, true) })}, nil
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "can-create-relationship", Method: http.MethodGet, Path: "/api/v2/Relationships/CanCreate",
		Summary: "Tell whether a relationship with a peer could be created", Tags: tags,
	}, authRequired), func(ctx context.Context, in *canCreateInput) (*canCreateOutput, error) {
		res, err := h.b.Relationships.CanCreate(ctx, caller(ctx), in.Peer)
		if err != nil {
			return nil, err
		}
		return &canCreateOutput{Body: result[canCreateDTO]{canCreateDTO{CanCreate: res.CanCreate, Code: nullable(res.Code)}}}, nil
	})

	answers := []struct {
		path, id, summary string
		f                 func(context.Context, backbone.Caller, string, []byte) (backbone.Relationship, error)
	}{
		{"Accept", "accept-relationship", "Accept a relationship addressed to the caller", h.b.Relationships.Accept},
		{"Reject", "reject-relationship", "Reject a relationship addressed to the caller", h.b.Relationships.Reject},
		{"Revoke", "revoke-relationship", "Revoke a relationship the caller asked for", h.b.Relationships.Revoke},
	}
	for _, a := range answers {
		huma.Register(api, h.op(huma.Operation{
			OperationID: a.id, Method: http.MethodPut, Path: "/api/v2/Relationships/{id}/" + a.path, Summary: a.summary, Tags: tags,
		}, authRequired), func(ctx context.Context, in *answerInput) (*relationshipOutput, error) {
			r, err := a.f(ctx, caller(ctx), in.ID, in.Body.CreationResponseContent.bytes())
			return relationshipResult(r, err, false)
		})
	}

	transitions := []struct {
		path, id, summary string
		f                 func(context.Context, backbone.Caller, string) (backbone.Relationship, error)
	}{
		{"Terminate", "terminate-relationship", "Terminate an active relationship", h.b.Relationships.Terminate},
		{"Reactivate", "request-relationship-reactivation", "Ask the peer to reactivate a terminated relationship", h.b.Relationships.RequestReactivation},
		{"Reactivate/Accept", "accept-relationship-reactivation", "Accept the peer's reactivation request", h.b.Relationships.AcceptReactivation},
		{"Reactivate/Reject", "reject-relationship-reactivation", "Reject the peer's reactivation request", h.b.Relationships.RejectReactivation},
		{"Reactivate/Revoke", "revoke-relationship-reactivation", "Revoke the caller's reactivation request", h.b.Relationships.RevokeReactivation},
		{"Decompose", "decompose-relationship", "Remove the caller from a finished relationship", h.b.Relationships.Decompose},
	}
	for _, tr := range transitions {
		huma.Register(api, h.op(huma.Operation{
			OperationID: tr.id, Method: http.MethodPut, Path: "/api/v2/Relationships/{id}/" + tr.path, Summary: tr.summary, Tags: tags,
		}, authRequired), func(ctx context.Context, in *relationshipIDInput) (*relationshipOutput, error) {
			r, err := tr.f(ctx, caller(ctx), in.ID)
			return relationshipResult(r, err, false)
		})
	}
}

func relationshipResult(r backbone.Relationship, err error, withContent bool) (*relationshipOutput, error) {
	if err != nil {
		return nil, err
	}
	return &relationshipOutput{Body: result[relationshipDTO]{toRelationshipDTO(r, withContent)}}, nil
}
