package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/httpapi/internal/paging"
)

// identityOverviewDTO is a row of the operator's identity list.
type identityOverviewDTO struct {
	Address           string     `json:"address"`
	CreatedAt         wireTime   `json:"createdAt"`
	LastLoginAt       *wireTime  `json:"lastLoginAt"`
	CreatedWithClient *string    `json:"createdWithClient"`
	DatawalletVersion *int       `json:"datawalletVersion"`
	IdentityVersion   int        `json:"identityVersion"`
	Tier              tierRefDTO `json:"tier"`
	NumberOfDevices   int        `json:"numberOfDevices"`
}

type listIdentitiesInput struct {
	paging.Query
	Address       string   `query:"address" doc:"exactly this address"`
	TierID        []string `query:"tierId" doc:"in one of these tiers (comma-separated or repeated, at most 50)"`
	ClientID      []string `query:"clientId" doc:"created through one of these clients (comma-separated or repeated, at most 50)"`
	CreatedAtFrom string   `query:"createdAtFrom" doc:"created at or after this instant (RFC 3339)"`
	CreatedAtTo   string   `query:"createdAtTo" doc:"created before this instant (RFC 3339)"`
	OrderBy       string   `query:"orderBy" doc:"createdAt (default) or address, optionally followed by asc (default) or desc"`
}

type identitiesOutput struct {
	Body paged[identityOverviewDTO]
}

// identityQuotaDTO is a quota of an identity with its current usage.
type identityQuotaDTO struct {
	ID     string    `json:"id"`
	Source string    `json:"source"`
	Metric metricDTO `json:"metric"`
	Max    int       `json:"max"`
	Usage  int64     `json:"usage"`
	Period string    `json:"period"`
}

// identityDetailsDTO is an identity as the operator sees it.
type identityDetailsDTO struct {
	Address         string             `json:"address"`
	ClientID        *string            `json:"clientId"`
	PublicKey       wireBytes          `json:"publicKey"`
	TierID          string             `json:"tierId"`
	CreatedAt       wireTime           `json:"createdAt"`
	IdentityVersion int                `json:"identityVersion"`
	NumberOfDevices int                `json:"numberOfDevices"`
	Devices         []deviceDTO        `json:"devices"`
	Quotas          []identityQuotaDTO `json:"quotas"`
}

type addressInput struct {
	Address string `path:"address"`
}

type identityDetailsOutput struct {
	Body result[identityDetailsDTO]
}

type changeTierInput struct {
	Address string `path:"address"`
	Body    struct {
		TierID *string `json:"tierId"`
	}
}

type adminCreateIdentityInput struct {
	Body struct {
		ClientID                    *string             `json:"clientId"`
		IdentityPublicKey           *wireBytes          `json:"identityPublicKey" doc:"base64 of the public key wrapper JSON {\"pub\":…,\"alg\":…}"`
		DevicePassword              *string             `json:"devicePassword"`
		IdentityVersion             *wireInt            `json:"identityVersion" minimum:"0" maximum:"255"`
		SignedChallenge             *signedChallengeDTO `json:"signedChallenge"`
		DeviceCommunicationLanguage string              `json:"deviceCommunicationLanguage,omitempty" doc:"ISO 639-1, default en"`
	}
}

func parseQueryTime(name, s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, &backbone.Error{Kind: backbone.KindInvalid, Code: backbone.CodeInvalidPropertyValue, Message: "'" + name + "' must be an RFC 3339 time, e.g. 2026-01-31T00:00:00Z."}
	}
	return &t, nil
}

func (h *handlers) registerAdminIdentities(api huma.API) {
	tags := []string{"Identities"}
	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-list-identities", Method: http.MethodGet, Path: "/api/v1/Identities",
		Summary: "List identities", Tags: tags,
		Description: "Filters combine with AND; the reference's OData endpoint is replaced by these parameters (see docs/architecture.md).",
	}), func(ctx context.Context, in *listIdentitiesInput) (*identitiesOutput, error) {
		from, err := parseQueryTime("createdAtFrom", in.CreatedAtFrom)
		if err != nil {
			return nil, err
		}
		to, err := parseQueryTime("createdAtTo", in.CreatedAtTo)
		if err != nil {
			return nil, err
		}
		p, err := h.b.Admin.ListIdentities(ctx, backbone.IdentityQuery{
			Address: in.Address, TierIDs: in.TierID, ClientIDs: in.ClientID, CreatedFrom: from, CreatedTo: to,
			OrderBy: in.OrderBy, Page: in.Request(),
		})
		if err != nil {
			return nil, err
		}
		return &identitiesOutput{Body: toPaged(p, func(i backbone.IdentityOverview) identityOverviewDTO {
			return identityOverviewDTO{
				Address: i.Address, CreatedAt: toWireTime(i.CreatedAt), LastLoginAt: toWireTimePtr(i.LastLoginAt),
				CreatedWithClient: nullable(i.ClientID), DatawalletVersion: i.DatawalletVersion, IdentityVersion: i.IdentityVersion,
				Tier: tierRefDTO{ID: i.TierID, Name: i.TierName}, NumberOfDevices: i.NumberOfDevices,
			}
		})}, nil
	})

	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-get-identity", Method: http.MethodGet, Path: "/api/v1/Identities/{address}",
		Summary: "Get an identity with its devices and quotas", Tags: tags,
	}), func(ctx context.Context, in *addressInput) (*identityDetailsOutput, error) {
		d, err := h.b.Admin.Identity(ctx, in.Address)
		if err != nil {
			return nil, err
		}
		out := identityDetailsDTO{
			Address: d.Address, ClientID: nullable(d.ClientID), PublicKey: d.PublicKey, TierID: d.TierID,
			CreatedAt: toWireTime(d.CreatedAt), IdentityVersion: d.IdentityVersion, NumberOfDevices: len(d.Devices),
			Devices: make([]deviceDTO, len(d.Devices)), Quotas: make([]identityQuotaDTO, len(d.Quotas)),
		}
		for i, dev := range d.Devices {
			out.Devices[i] = toDeviceDTO(dev)
		}
		for i, q := range d.Quotas {
			out.Quotas[i] = identityQuotaDTO{
				ID: q.ID, Source: q.Source, Metric: toMetricDTO(q.Metric), Max: q.Max, Usage: q.Usage, Period: q.Period,
			}
		}
		return &identityDetailsOutput{Body: result[identityDetailsDTO]{out}}, nil
	})

	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-change-tier-of-identity", Method: http.MethodPut, Path: "/api/v1/Identities/{address}",
		Summary: "Move an identity to another tier", Tags: tags, DefaultStatus: http.StatusNoContent,
		Description: "Not into or out of Queued for Deletion, and not to the tier it is in.",
	}), func(ctx context.Context, in *changeTierInput) (*struct{}, error) {
		if in.Body.TierID == nil {
			return nil, missing("tierId")
		}
		return nil, h.b.Admin.ChangeTier(ctx, in.Address, *in.Body.TierID)
	})

	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-create-identity", Method: http.MethodPost, Path: "/api/v1/Identities",
		Summary: "Create an identity for a client", Tags: tags, DefaultStatus: http.StatusCreated,
		Description: "As POST /api/v2/Identities, without the client secret; the challenge comes from POST /api/v1/Challenges.",
	}), func(ctx context.Context, in *adminCreateIdentityInput) (*createIdentityOutput, error) {
		b := in.Body
		req, err := identityCreation(b.ClientID, b.IdentityPublicKey, b.DevicePassword, b.IdentityVersion, b.SignedChallenge, b.DeviceCommunicationLanguage)
		if err != nil {
			return nil, err
		}
		created, err := h.b.Admin.CreateIdentity(ctx, req)
		if err != nil {
			return nil, err
		}
		return createdIdentity(created), nil
	})

	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-create-challenge", Method: http.MethodPost, Path: "/api/v1/Challenges",
		Summary: "Create a challenge", Tags: []string{"Challenges"}, DefaultStatus: http.StatusCreated,
		Description: "For creating identities through POST /api/v1/Identities.",
	}), func(ctx context.Context, _ *struct{}) (*createChallengeOutput, error) {
		c, err := h.b.Challenges.Create(ctx, backbone.Caller{})
		if err != nil {
			return nil, err
		}
		return &createChallengeOutput{Body: result[challengeDTO]{toChallengeDTO(c)}}, nil
	})
}
