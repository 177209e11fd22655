package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/httpapi/internal/paging"
)

var modificationTypes = enum{names: []string{"Create", "Update", "Delete", "CacheChanged"}}

// modificationType is a datawallet modification's type on the wire.
type modificationType backbone.DatawalletModificationType

func (t modificationType) MarshalJSON() ([]byte, error) { return modificationTypes.marshal(int(t)) }

func (t *modificationType) UnmarshalJSON(data []byte) error {
	v, err := modificationTypes.unmarshal(data)
	*t = modificationType(v)
	return err
}

// Schema documents the names.
func (modificationType) Schema(huma.Registry) *huma.Schema { return modificationTypes.schema() }

// modificationInput is a datawallet change a device pushes.
type modificationInput struct {
	Type              *modificationType `json:"type"`
	ObjectIdentifier  *string           `json:"objectIdentifier"`
	Collection        *string           `json:"collection"`
	PayloadCategory   *string           `json:"payloadCategory,omitempty"`
	EncryptedPayload  wireBytes         `json:"encryptedPayload,omitempty"`
	DatawalletVersion *wireInt          `json:"datawalletVersion"`
}

func modifications(in []modificationInput) ([]backbone.NewDatawalletModification, error) {
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

// createdModificationDTO is where a pushed change landed.
type createdModificationDTO struct {
	ID        string   `json:"id"`
	Index     int64    `json:"index"`
	CreatedAt wireTime `json:"createdAt"`
}

func createdModificationDTOs(ms []backbone.CreatedModification) []createdModificationDTO {
	out := make([]createdModificationDTO, len(ms))
	for i, m := range ms {
		out[i] = createdModificationDTO{ID: m.ID, Index: m.Index, CreatedAt: toWireTime(m.CreatedAt)}
	}
	return out
}

// modificationDTO is a stored datawallet change.
type modificationDTO struct {
	ID                string           `json:"id"`
	DatawalletVersion int              `json:"datawalletVersion"`
	Index             int64            `json:"index"`
	ObjectIdentifier  string           `json:"objectIdentifier"`
	PayloadCategory   *string          `json:"payloadCategory"`
	CreatedAt         wireTime         `json:"createdAt"`
	CreatedByDevice   string           `json:"createdByDevice"`
	Collection        string           `json:"collection"`
	Type              modificationType `json:"type"`
	EncryptedPayload  wireBytes        `json:"encryptedPayload"`
}

// datawalletDTO is the caller's datawallet.
type datawalletDTO struct {
	Version int `json:"version"`
}

type datawalletOutput struct {
	Body result[datawalletDTO]
}

type listModificationsInput struct {
	SupportedDatawalletVersion int `header:"X-Supported-Datawallet-Version" minimum:"0" maximum:"65535"`
	paging.Query
	// A string, because huma has no optional integer parameters.
	LocalIndex string `query:"localIndex" pattern:"^-?[0-9]+$" doc:"integer: the highest index the device has; omitted: from the start"`
}

type modificationsOutput struct {
	Body paged[modificationDTO]
}

type pushModificationsInput struct {
	SupportedDatawalletVersion int `header:"X-Supported-Datawallet-Version" minimum:"0" maximum:"65535"`
	Body                       struct {
		LocalIndex    *int64              `json:"localIndex,omitempty" doc:"the highest index the device has; omitted when it has none"`
		Modifications []modificationInput `json:"modifications"`
	}
}

// pushedDTO is where pushed changes landed.
type pushedDTO struct {
	NewIndex      int64                    `json:"newIndex"`
	Modifications []createdModificationDTO `json:"modifications"`
}

type pushedOutput struct {
	Body result[pushedDTO]
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
		return &datawalletOutput{Body: result[datawalletDTO]{datawalletDTO{Version: d.Version}}}, nil
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
		p, err := h.b.Datawallets.Modifications(ctx, caller(ctx), localIndex, in.SupportedDatawalletVersion, in.Request())
		if err != nil {
			return nil, err
		}
		return &modificationsOutput{Body: toPaged(p, func(m backbone.DatawalletModification) modificationDTO {
			return modificationDTO{
				ID: m.ID, DatawalletVersion: m.DatawalletVersion, Index: m.Index, ObjectIdentifier: m.ObjectIdentifier,
				PayloadCategory: nullable(m.PayloadCategory), CreatedAt: toWireTime(m.CreatedAt), CreatedByDevice: m.CreatedByDevice,
				Collection: m.Collection, Type: modificationType(m.Type), EncryptedPayload: m.EncryptedPayload,
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
		return &pushedOutput{Body: result[pushedDTO]{pushedDTO{NewIndex: res.NewIndex, Modifications: createdModificationDTOs(res.Modifications)}}}, nil
	})
}
