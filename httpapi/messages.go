package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/httpapi/internal/paging"
)

// messageRecipientDTO is a recipient of a message on the wire.
type messageRecipientDTO struct {
	Address          string    `json:"address"`
	EncryptedKey     wireBytes `json:"encryptedKey"`
	ReceivedAt       *wireTime `json:"receivedAt"`
	ReceivedByDevice *string   `json:"receivedByDevice"`
}

// attachmentDTO names an attached file.
type attachmentDTO struct {
	ID string `json:"id"`
}

// messageDTO is a message on the wire.
type messageDTO struct {
	ID              string                `json:"id"`
	CreatedAt       wireTime              `json:"createdAt"`
	CreatedBy       string                `json:"createdBy"`
	CreatedByDevice string                `json:"createdByDevice"`
	Body            wireBytes             `json:"body"`
	Attachments     []attachmentDTO       `json:"attachments"`
	Recipients      []messageRecipientDTO `json:"recipients"`
}

func toMessageDTO(m backbone.Message) messageDTO {
	dto := messageDTO{
		ID: m.ID, CreatedAt: toWireTime(m.CreatedAt), CreatedBy: m.CreatedBy, CreatedByDevice: m.CreatedByDevice, Body: m.Body,
		Attachments: make([]attachmentDTO, len(m.Attachments)), Recipients: make([]messageRecipientDTO, len(m.Recipients)),
	}
	for i, a := range m.Attachments {
		dto.Attachments[i] = attachmentDTO{ID: a}
	}
	for i, r := range m.Recipients {
		dto.Recipients[i] = messageRecipientDTO{Address: r.Address, EncryptedKey: r.EncryptedKey, ReceivedAt: toWireTimePtr(r.ReceivedAt), ReceivedByDevice: nullable(r.ReceivedByDevice)}
	}
	return dto
}

// recipientInput is a recipient of a message to send.
type recipientInput struct {
	Address      *string    `json:"address"`
	EncryptedKey *wireBytes `json:"encryptedKey"`
}

type sendMessageInput struct {
	Body struct {
		Recipients  []recipientInput `json:"recipients"`
		Body        *wireBytes       `json:"body"`
		Attachments []attachmentDTO  `json:"attachments,omitempty"`
	}
}

type messageIDInput struct {
	ID     string `path:"id"`
	NoBody bool   `query:"noBody" doc:"ignored, as in the reference: the body is always returned"`
}

type messageOutput struct {
	Body result[messageDTO]
}

type listMessagesInput struct {
	paging.Query
	IDs []string `query:"ids,explode" doc:"only these messages; repeat the parameter; none: all of the caller's"`
}

type messagesOutput struct {
	Body paged[messageDTO]
}

func (h *handlers) registerMessages(api huma.API) {
	tags := []string{"Messages"}
	huma.Register(api, h.op(huma.Operation{
		OperationID: "send-message", Method: http.MethodPost, Path: "/api/v2/Messages",
		Summary: "Send a message to related identities", Tags: tags, DefaultStatus: http.StatusCreated,
	}, authRequired), func(ctx context.Context, in *sendMessageInput) (*createdOutput, error) {
		if in.Body.Body == nil {
			return nil, missing("body")
		}
		if in.Body.Recipients == nil {
			return nil, missing("recipients")
		}
		req := backbone.SendMessageRequest{Body: *in.Body.Body}
		for _, r := range in.Body.Recipients {
			if r.Address == nil || r.EncryptedKey == nil {
				return nil, missing("recipients.address/encryptedKey")
			}
			req.Recipients = append(req.Recipients, backbone.MessageRecipientKey{Address: *r.Address, EncryptedKey: *r.EncryptedKey})
		}
		for _, a := range in.Body.Attachments {
			req.Attachments = append(req.Attachments, a.ID)
		}
		m, err := h.b.Messages.Send(ctx, caller(ctx), req)
		if err != nil {
			return nil, err
		}
		return &createdOutput{Body: result[createdDTO]{createdDTO{ID: m.ID, CreatedAt: toWireTime(m.CreatedAt)}}}, nil
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "get-message", Method: http.MethodGet, Path: "/api/v2/Messages/{id}",
		Summary: "Get a message the caller sent or received", Description: "A recipient's first read marks the message received.", Tags: tags,
	}, authRequired), func(ctx context.Context, in *messageIDInput) (*messageOutput, error) {
		m, err := h.b.Messages.Get(ctx, caller(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		return &messageOutput{Body: result[messageDTO]{toMessageDTO(m)}}, nil
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "list-messages", Method: http.MethodGet, Path: "/api/v2/Messages",
		Summary: "List messages the caller sent or received", Description: "A recipient's first read marks a message received.", Tags: tags,
	}, authRequired), func(ctx context.Context, in *listMessagesInput) (*messagesOutput, error) {
		p, err := h.b.Messages.List(ctx, caller(ctx), in.IDs, in.Request())
		if err != nil {
			return nil, err
		}
		return &messagesOutput{Body: toPaged(p, toMessageDTO)}, nil
	})
}
