package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/openbackbone/openbackbone/backbone"
)

// AdminRecipientDTO is a recipient in the operator's message list. ID is
// the recipient's 1-based position in the message.
type AdminRecipientDTO struct {
	ID             int    `json:"id"`
	MessageID      string `json:"messageId"`
	RelationshipID string `json:"relationshipId"`
	Address        string `json:"address"`
	ReceivedAt     *Time  `json:"receivedAt"`
}

// AdminMessageDTO is a message in the operator's list; the content stays
// out.
type AdminMessageDTO struct {
	MessageID           string              `json:"messageId"`
	SenderAddress       string              `json:"senderAddress"`
	SenderDevice        string              `json:"senderDevice"`
	SendDate            Time                `json:"sendDate"`
	NumberOfAttachments int                 `json:"numberOfAttachments"`
	Recipients          []AdminRecipientDTO `json:"recipients"`
}

// AdminRelationshipDTO is a relationship from the participant's side.
type AdminRelationshipDTO struct {
	Peer             string  `json:"peer"`
	RequestedBy      string  `json:"requestedBy" enum:"Self,Peer"`
	TemplateID       *string `json:"templateId"`
	Status           string  `json:"status"`
	CreationDate     Time    `json:"creationDate"`
	AnsweredAt       *Time   `json:"answeredAt"`
	CreatedByDevice  string  `json:"createdByDevice"`
	AnsweredByDevice *string `json:"answeredByDevice"`
}

type adminMessagesInput struct {
	PageQuery
	Participant string `query:"participant" doc:"address of the sender or recipient"`
	Type        string `query:"type" doc:"Incoming or Outgoing"`
}

type adminMessagesOutput struct {
	Body Paged[AdminMessageDTO]
}

type adminRelationshipsInput struct {
	PageQuery
	Participant string `query:"participant" doc:"address of either side"`
}

type adminRelationshipsOutput struct {
	Body Paged[AdminRelationshipDTO]
}

type adminTokensInput struct {
	PageQuery
	CreatedBy string `query:"createdBy" doc:"address of the creator"`
}

type tokenIDPathInput struct {
	TokenID string `path:"tokenId"`
}

func adminMessageDTO(m backbone.Message) AdminMessageDTO {
	dto := AdminMessageDTO{
		MessageID: m.ID, SenderAddress: m.CreatedBy, SenderDevice: m.CreatedByDevice, SendDate: wireTime(m.CreatedAt),
		NumberOfAttachments: len(m.Attachments), Recipients: make([]AdminRecipientDTO, len(m.Recipients)),
	}
	for i, r := range m.Recipients {
		dto.Recipients[i] = AdminRecipientDTO{ID: i + 1, MessageID: m.ID, RelationshipID: r.RelationshipID, Address: r.Address, ReceivedAt: wireTimePtr(r.ReceivedAt)}
	}
	return dto
}

// adminRelationshipDTO shows r from participant's side. The answer is the
// second audit entry, as in the reference.
func adminRelationshipDTO(participant string, r backbone.Relationship) AdminRelationshipDTO {
	dto := AdminRelationshipDTO{
		Peer: r.To, RequestedBy: "Self", TemplateID: nullable(r.TemplateID),
		Status: backbone.RelationshipStatusNames[r.Status], CreationDate: wireTime(r.CreatedAt),
	}
	if r.To == participant {
		dto.Peer, dto.RequestedBy = r.From, "Peer"
	}
	if len(r.AuditLog) > 0 {
		dto.CreatedByDevice = r.AuditLog[0].CreatedByDevice
	}
	if len(r.AuditLog) > 1 {
		a := r.AuditLog[1]
		at := wireTime(a.CreatedAt)
		dto.AnsweredAt, dto.AnsweredByDevice = &at, nullable(a.CreatedByDevice)
	}
	return dto
}

func (h *handlers) registerAdminLists(api huma.API) {
	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-list-messages", Method: http.MethodGet, Path: "/api/v1/Messages",
		Summary: "List the messages an identity sent or received", Tags: []string{"Messages"},
	}), func(ctx context.Context, in *adminMessagesInput) (*adminMessagesOutput, error) {
		p, err := h.b.Admin.MessagesOf(ctx, in.Participant, in.Type, in.request())
		if err != nil {
			return nil, err
		}
		return &adminMessagesOutput{Body: paged(p, adminMessageDTO)}, nil
	})

	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-list-relationships", Method: http.MethodGet, Path: "/api/v1/Relationships",
		Summary: "List the relationships of an identity", Tags: []string{"Relationships"},
	}), func(ctx context.Context, in *adminRelationshipsInput) (*adminRelationshipsOutput, error) {
		p, err := h.b.Admin.RelationshipsOf(ctx, in.Participant, in.request())
		if err != nil {
			return nil, err
		}
		return &adminRelationshipsOutput{Body: paged(p, func(r backbone.Relationship) AdminRelationshipDTO {
			return adminRelationshipDTO(in.Participant, r)
		})}, nil
	})

	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-list-tokens", Method: http.MethodGet, Path: "/api/v1/Tokens",
		Summary: "List the tokens an identity created", Tags: []string{"Tokens"},
	}), func(ctx context.Context, in *adminTokensInput) (*tokensOutput, error) {
		p, err := h.b.Admin.TokensCreatedBy(ctx, in.CreatedBy, in.request())
		if err != nil {
			return nil, err
		}
		return &tokensOutput{Body: paged(p, tokenDTO)}, nil
	})

	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-reset-token-access-failed-count", Method: http.MethodPatch, Path: "/api/v1/Tokens/{tokenId}/ResetAccessFailedCount",
		Summary: "Unlock a token locked by wrong passwords", Tags: []string{"Tokens"}, DefaultStatus: http.StatusNoContent,
	}), func(ctx context.Context, in *tokenIDPathInput) (*struct{}, error) {
		return nil, h.b.Admin.ResetTokenAccessFailedCount(ctx, in.TokenID)
	})
}
