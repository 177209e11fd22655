package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/openbackbone/openbackbone/backbone"
)

var modificationTypes = enum{names: []string{"Create", "Update", "Delete", "CacheChanged"}}

// ModificationType is a datawallet modification's type on the wire.
type ModificationType backbone.DatawalletModificationType

func (t ModificationType) MarshalJSON() ([]byte, error) { return modificationTypes.marshal(int(t)) }

func (t *ModificationType) UnmarshalJSON(data []byte) error {
	v, err := modificationTypes.unmarshal(data)
	*t = ModificationType(v)
	return err
}

// Schema documents the names.
func (ModificationType) Schema(huma.Registry) *huma.Schema { return modificationTypes.schema() }

// ModificationInput is a datawallet change a device pushes.
type ModificationInput struct {
	Type              *ModificationType `json:"type"`
	ObjectIdentifier  *string           `json:"objectIdentifier"`
	Collection        *string           `json:"collection"`
	PayloadCategory   *string           `json:"payloadCategory,omitempty"`
	EncryptedPayload  Bytes             `json:"encryptedPayload,omitempty"`
	DatawalletVersion *Int              `json:"datawalletVersion"`
}

func modifications(in []ModificationInput) ([]backbone.NewDatawalletModification, error) {
	out := make([]backbone.NewDatawalletModification, len(in))
	for i, m := range in {
		switch {
		case m.Type == nil:
			return nil, missing("type")
		case m.ObjectIdentifier == nil:
			return nil, missing("objectIdentifier")
		case m.Collection == nil:
			return nil, missing("collection")
		case m.DatawalletVersion == nil:
			return nil, missing("datawalletVersion")
		}
		out[i] = backbone.NewDatawalletModification{
			Type: backbone.DatawalletModificationType(*m.Type), ObjectIdentifier: *m.ObjectIdentifier, Collection: *m.Collection,
			EncryptedPayload: m.EncryptedPayload, DatawalletVersion: int(*m.DatawalletVersion),
		}
		if m.PayloadCategory != nil {
			out[i].PayloadCategory = *m.PayloadCategory
		}
	}
	return out, nil
}

// CreatedModificationDTO is where a pushed change landed.
type CreatedModificationDTO struct {
	ID        string `json:"id"`
	Index     int64  `json:"index"`
	CreatedAt Time   `json:"createdAt"`
}

func createdModificationDTOs(ms []backbone.CreatedModification) []CreatedModificationDTO {
	out := make([]CreatedModificationDTO, len(ms))
	for i, m := range ms {
		out[i] = CreatedModificationDTO{ID: m.ID, Index: m.Index, CreatedAt: wireTime(m.CreatedAt)}
	}
	return out
}

// ModificationDTO is a stored datawallet change.
type ModificationDTO struct {
	ID                string           `json:"id"`
	DatawalletVersion int              `json:"datawalletVersion"`
	Index             int64            `json:"index"`
	ObjectIdentifier  string           `json:"objectIdentifier"`
	PayloadCategory   *string          `json:"payloadCategory"`
	CreatedAt         Time             `json:"createdAt"`
	CreatedByDevice   string           `json:"createdByDevice"`
	Collection        string           `json:"collection"`
	Type              ModificationType `json:"type"`
	EncryptedPayload  Bytes            `json:"encryptedPayload"`
}

// DatawalletDTO is the caller's datawallet.
type DatawalletDTO struct {
	Version int `json:"version"`
}

type datawalletOutput struct {
	Body Result[DatawalletDTO]
}

type listModificationsInput struct {
	SupportedDatawalletVersion int `header:"X-Supported-Datawallet-Version" minimum:"0" maximum:"65535"`
	PageQuery
	// A string, because huma has no optional integer parameters.
	LocalIndex string `query:"localIndex" pattern:"^-?[0-9]+$" doc:"integer: the highest index the device has; omitted: from the start"`
}

type modificationsOutput struct {
	Body Paged[ModificationDTO]
}

type pushModificationsInput struct {
	SupportedDatawalletVersion int `header:"X-Supported-Datawallet-Version" minimum:"0" maximum:"65535"`
	Body                       struct {
		LocalIndex    *int64              `json:"localIndex,omitempty" doc:"the highest index the device has; omitted when it has none"`
		Modifications []ModificationInput `json:"modifications"`
	}
}

// PushedDTO is where pushed changes landed.
type PushedDTO struct {
	NewIndex      int64                    `json:"newIndex"`
	Modifications []CreatedModificationDTO `json:"modifications"`
}

type pushedOutput struct {
	Body Result[PushedDTO]
}

func (h *handlers) registerDatawallet(api huma.API) {
	tags := []string{"Datawallet"}
	huma.Register(api, h.op(huma.Operation{
		OperationID: "get-datawallet", Method: http.MethodGet, Path: "/api/v2/Datawallet",
		Summary: "Get the caller's datawallet", Tags: tags,
	}, authRequired), func(ctx context.Context, _ *struct{}) (*datawalletOutput, error) {
		d, err := h.b.Datawallets.Get(ctx, caller(ctx))
		if err != nil {
			return nil, err
		}
		return &datawalletOutput{Body: Result[DatawalletDTO]{DatawalletDTO{Version: d.Version}}}, nil
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "list-datawallet-modifications", Method: http.MethodGet, Path: "/api/v2/Datawallet/Modifications",
		Summary:     "List datawallet modifications after an index",
		Description: "Only the latest modification of each object, type and payload category is returned.",
		Tags:        tags,
	}, authRequired), func(ctx context.Context, in *listModificationsInput) (*modificationsOutput, error) {
		var localIndex *int64
		if in.LocalIndex != "" {
			i, err := strconv.ParseInt(in.LocalIndex, 10, 64)
			if err != nil {
				return nil, badInput("'localIndex': must be an integer.")
			}
			localIndex = &i
		}
		p, err := h.b.Datawallets.Modifications(ctx, caller(ctx), localIndex, in.SupportedDatawalletVersion, in.request())
		if err != nil {
			return nil, err
		}
		return &modificationsOutput{Body: paged(p, func(m backbone.DatawalletModification) ModificationDTO {
			return ModificationDTO{
				ID: m.ID, DatawalletVersion: m.DatawalletVersion, Index: m.Index, ObjectIdentifier: m.ObjectIdentifier,
				PayloadCategory: nullable(m.PayloadCategory), CreatedAt: wireTime(m.CreatedAt), CreatedByDevice: m.CreatedByDevice,
				Collection: m.Collection, Type: ModificationType(m.Type), EncryptedPayload: m.EncryptedPayload,
			}
		})}, nil
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "push-datawallet-modifications", Method: http.MethodPost, Path: "/api/v2/Datawallet/Modifications",
		Summary: "Append modifications to the caller's datawallet", Tags: tags, DefaultStatus: http.StatusCreated,
	}, authRequired), func(ctx context.Context, in *pushModificationsInput) (*pushedOutput, error) {
		if in.Body.Modifications == nil {
			return nil, missing("modifications")
		}
		mods, err := modifications(in.Body.Modifications)
		if err != nil {
			return nil, err
		}
		res, err := h.b.Datawallets.Push(ctx, caller(ctx), in.Body.LocalIndex, in.SupportedDatawalletVersion, mods)
		if err != nil {
			return nil, err
		}
		return &pushedOutput{Body: Result[PushedDTO]{PushedDTO{NewIndex: res.NewIndex, Modifications: createdModificationDTOs(res.Modifications)}}}, nil
	})
}
