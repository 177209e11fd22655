package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/httpapi/internal/paging"
)

// adminRecipientDTO is a recipient in the operator's message list. ID is
// the recipient's 1-based position in the message.
type adminRecipientDTO struct {
	ID             int       `json:"id"`
	MessageID      string    `json:"messageId"`
	RelationshipID string    `json:"relationshipId"`
	Address        string    `json:"address"`
	ReceivedAt     *wireTime `json:"receivedAt"`
}

// adminMessageDTO is a message in the operator's list; the content stays
// out.
type adminMessageDTO struct {
	MessageID           string              `json:"messageId"`
	SenderAddress       string              `json:"senderAddress"`
	SenderDevice        string              `json:"senderDevice"`
	SendDate            wireTime            `json:"sendDate"`
	NumberOfAttachments int                 `json:"numberOfAttachments"`
	Recipients          []adminRecipientDTO `json:"recipients"`
}

// adminRelationshipDTO is a relationship from the participant's side.
type adminRelationshipDTO struct {
	Peer             string    `json:"peer"`
	RequestedBy      string    `json:"requestedBy" enum:"Self,Peer"`
	TemplateID       *string   `json:"templateId"`
	Status           string    `json:"status"`
	CreationDate     wireTime  `json:"creationDate"`
	AnsweredAt       *wireTime `json:"answeredAt"`
	CreatedByDevice  string    `json:"createdByDevice"`
	AnsweredByDevice *string   `json:"answeredByDevice"`
}

type adminMessagesInput struct {
	paging.Query
	Participant string `query:"participant" doc:"address of the sender or recipient"`
	Type        string `query:"type" doc:"Incoming or Outgoing"`
}

type adminMessagesOutput struct {
	Body paged[adminMessageDTO]
}

type adminRelationshipsInput struct {
	paging.Query
	Participant string `query:"participant" doc:"address of either side"`
}

type adminRelationshipsOutput struct {
	Body paged[adminRelationshipDTO]
}

type adminTokensInput struct {
	paging.Query
	CreatedBy string `query:"createdBy" doc:"address of the creator"`
}

type tokenIDPathInput struct {
	TokenID string `path:"tokenId"`
}

func toAdminMessageDTO(m backbone.Message) adminMessageDTO {
	dto := adminMessageDTO{
		MessageID: m.ID, SenderAddress: m.CreatedBy, SenderDevice: m.CreatedByDevice, SendDate: toWireTime(m.CreatedAt),
		NumberOfAttachments: len(m.Attachments), Recipients: make([]adminRecipientDTO, len(m.Recipients)),
	}
	for i, r := range m.Recipients {
		dto.Recipients[i] = adminRecipientDTO{ID: i + 1, MessageID: m.ID, RelationshipID: r.RelationshipID, Address: r.Address, ReceivedAt: toWireTimePtr(r.ReceivedAt)}
	}
	return dto
}

// toAdminRelationshipDTO shows r from participant's side. The answer is the
// second audit entry, as in the reference.
func toAdminRelationshipDTO(participant string, r backbone.Relationship) adminRelationshipDTO {
	dto := adminRelationshipDTO{
		Peer: r.To, RequestedBy: "Self", TemplateID: nullable(r.TemplateID),
		Status: backbone.RelationshipStatusNames[r.Status], CreationDate: toWireTime(r.CreatedAt),
	}
	if r.To == participant {
		dto.Peer, dto.RequestedBy = r.From, "Peer"
	}
	if len(r.AuditLog) > 0 {
		dto.CreatedByDevice = r.AuditLog[0].CreatedByDevice
	}
	if len(r.AuditLog) > 1 {
		a := r.AuditLog[1]
		at := toWireTime(a.CreatedAt)
		dto.AnsweredAt, dto.AnsweredByDevice = &at, nullable(a.CreatedByDevice)
	}
	return dto
}

func (h *handlers) registerAdminLists(api huma.API) {
	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-list-messages", Method: http.MethodGet, Path: "/api/v1/Messages",
		Summary: "List the messages an identity sent or received", Tags: []string{"Messages"},
	}), func(ctx context.Context, in *adminMessagesInput) (*adminMessagesOutput, error) {
		p, err := h.b.Admin.MessagesOf(ctx, in.Participant, in.Type, in.Request())
		if err != nil {
			return nil, err
		}
		return &adminMessagesOutput{Body: toPaged(p, toAdminMessageDTO)}, nil
	})

	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-list-relationships", Method: http.MethodGet, Path: "/api/v1/Relationships",
		Summary: "List the relationships of an identity", Tags: []string{"Relationships"},
	}), func(ctx context.Context, in *adminRelationshipsInput) (*adminRelationshipsOutput, error) {
		p, err := h.b.Admin.RelationshipsOf(ctx, in.Participant, in.Request())
		if err != nil {
			return nil, err
		}
		return &adminRelationshipsOutput{Body: toPaged(p, func(r backbone.Relationship) adminRelationshipDTO {
			return toAdminRelationshipDTO(in.Participant, r)
		})}, nil
	})

	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-list-tokens", Method: http.MethodGet, Path: "/api/v1/Tokens",
		Summary: "List the tokens an identity created", Tags: []string{"Tokens"},
	}), func(ctx context.Context, in *adminTokensInput) (*tokensOutput, error) {
		p, err := h.b.Admin.TokensCreatedBy(ctx, in.CreatedBy, in.Request())
		if err != nil {
			return nil, err
		}
		return &tokensOutput{Body: toPaged(p, toTokenDTO)}, nil
	})

	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-reset-token-access-failed-count", Method: http.MethodPatch, Path: "/api/v1/Tokens/{tokenId}/ResetAccessFailedCount",
		Summary: "Unlock a token locked by wrong passwords", Tags: []string{"Tokens"}, DefaultStatus: http.StatusNoContent,
	}), func(ctx context.Context, in *tokenIDPathInput) (*struct{}, error) {
		return nil, h.b.Admin.ResetTokenAccessFailedCount(ctx, in.TokenID)
	})
}
