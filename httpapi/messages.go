package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/openbackbone/openbackbone/backbone"
)

// MessageRecipientDTO is a recipient of a message on the wire.
type MessageRecipientDTO struct {
	Address          string  `json:"address"`
	EncryptedKey     Bytes   `json:"encryptedKey"`
	ReceivedAt       *Time   `json:"receivedAt"`
	ReceivedByDevice *string `json:"receivedByDevice"`
}

// AttachmentDTO names an attached file.
type AttachmentDTO struct {
	ID string `json:"id"`
}

// MessageDTO is a message on the wire.
type MessageDTO struct {
	ID              string                `json:"id"`
	CreatedAt       Time                  `json:"createdAt"`
	CreatedBy       string                `json:"createdBy"`
	CreatedByDevice string                `json:"createdByDevice"`
	Body            Bytes                 `json:"body"`
	Attachments     []AttachmentDTO       `json:"attachments"`
	Recipients      []MessageRecipientDTO `json:"recipients"`
}

func messageDTO(m backbone.Message) MessageDTO {
	dto := MessageDTO{
		ID: m.ID, CreatedAt: wireTime(m.CreatedAt), CreatedBy: m.CreatedBy, CreatedByDevice: m.CreatedByDevice, Body: m.Body,
		Attachments: make([]AttachmentDTO, len(m.Attachments)), Recipients: make([]MessageRecipientDTO, len(m.Recipients)),
	}
	for i, a := range m.Attachments {
		dto.Attachments[i] = AttachmentDTO{ID: a}
	}
	for i, r := range m.Recipients {
		dto.Recipients[i] = MessageRecipientDTO{Address: r.Address, EncryptedKey: r.EncryptedKey, ReceivedAt: wireTimePtr(r.ReceivedAt), ReceivedByDevice: nullable(r.ReceivedByDevice)}
	}
	return dto
}

// RecipientInput is a recipient of a message to send.
type RecipientInput struct {
	Address      *string `json:"address"`
	EncryptedKey *Bytes  `json:"encryptedKey"`
}

type sendMessageInput struct {
	Body struct {
		Recipients  []RecipientInput `json:"recipients"`
		Body        *Bytes           `json:"body"`
		Attachments []AttachmentDTO  `json:"attachments,omitempty"`
	}
}

type messageIDInput struct {
	ID     string `path:"id"`
	NoBody bool   `query:"noBody" doc:"ignored, as in the reference: the body is always returned"`
}

type messageOutput struct {
	Body Result[MessageDTO]
}

type listMessagesInput struct {
	PageQuery
	IDs []string `query:"ids,explode" doc:"only these messages; repeat the parameter; none: all of the caller's"`
}

type messagesOutput struct {
	Body Paged[MessageDTO]
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
		return &createdOutput{Body: Result[CreatedDTO]{CreatedDTO{ID: m.ID, CreatedAt: wireTime(m.CreatedAt)}}}, nil
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "get-message", Method: http.MethodGet, Path: "/api/v2/Messages/{id}",
		Summary: "Get a message the caller sent or received", Description: "A recipient's first read marks the message received.", Tags: tags,
	}, authRequired), func(ctx context.Context, in *messageIDInput) (*messageOutput, error) {
		m, err := h.b.Messages.Get(ctx, caller(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		return &messageOutput{Body: Result[MessageDTO]{messageDTO(m)}}, nil
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "list-messages", Method: http.MethodGet, Path: "/api/v2/Messages",
		Summary: "List messages the caller sent or received", Description: "A recipient's first read marks a message received.", Tags: tags,
	}, authRequired), func(ctx context.Context, in *listMessagesInput) (*messagesOutput, error) {
		p, err := h.b.Messages.List(ctx, caller(ctx), in.IDs, in.request())
		if err != nil {
			return nil, err
		}
		return &messagesOutput{Body: paged(p, messageDTO)}, nil
	})
}
