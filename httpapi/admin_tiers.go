package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// tierOverviewDTO is a row of the tier list.
type tierOverviewDTO struct {
	ID                          string `json:"id"`
	Name                        string `json:"name"`
	CanBeUsedAsDefaultForClient bool   `json:"canBeUsedAsDefaultForClient"`
	CanBeManuallyAssigned       bool   `json:"canBeManuallyAssigned"`
	NumberOfIdentities          int    `json:"numberOfIdentities"`
}

// metricDTO names a metric.
type metricDTO struct {
	Key         string `json:"key"`
	DisplayName string `json:"displayName"`
}

// tierQuotaDefinitionDTO is a quota definition of a tier.
type tierQuotaDefinitionDTO struct {
	ID     string    `json:"id"`
	Metric metricDTO `json:"metric"`
	Max    int       `json:"max"`
	Period string    `json:"period"`
}

// tierDetailsDTO is a tier with its quota definitions.
type tierDetailsDTO struct {
	ID     string                   `json:"id"`
	Name   string                   `json:"name"`
	Quotas []tierQuotaDefinitionDTO `json:"quotas"`
}

type tiersOutput struct {
	Body result[[]tierOverviewDTO]
}

type tierIDInput struct {
	TierID string `path:"tierId"`
}

type tierDetailsOutput struct {
	Body result[tierDetailsDTO]
}

type createTierInput struct {
	Body struct {
		Name *string `json:"name"`
	}
}

type tierOutput struct {
	Body result[tierRefDTO]
}

func (h *handlers) registerAdminTiers(api huma.API) {
	tags := []string{"Tiers"}
	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-list-tiers", Method: http.MethodGet, Path: "/api/v1/Tiers",
		Summary: "List the tiers", Tags: tags,
	}), func(ctx context.Context, _ *struct{}) (*tiersOutput, error) {
		ts, err := h.b.Tiers.ListOverviews(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]tierOverviewDTO, len(ts))
		for i, t := range ts {
			out[i] = tierOverviewDTO{
				ID: t.ID, Name: t.Name, CanBeUsedAsDefaultForClient: t.CanBeUsedAsDefaultForClient,
				CanBeManuallyAssigned: t.CanBeManuallyAssigned, NumberOfIdentities: t.NumberOfIdentities,
			}
		}
		return &tiersOutput{Body: result[[]tierOverviewDTO]{out}}, nil
	})

	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-get-tier", Method: http.MethodGet, Path: "/api/v1/Tiers/{tierId}",
		Summary: "Get a tier with its quota definitions", Tags: tags,
	}), func(ctx context.Context, in *tierIDInput) (*tierDetailsOutput, error) {
		t, err := h.b.Tiers.Get(ctx, in.TierID)
		if err != nil {
			return nil, err
		}
		qs, err := h.b.Quotas.OfTier(ctx, t.ID)
		if err != nil {
			return nil, err
		}
		out := tierDetailsDTO{ID: t.ID, Name: t.Name, Quotas: make([]tierQuotaDefinitionDTO, len(qs))}
		for i, q := range qs {
			out.Quotas[i] = tierQuotaDefinitionDTO{ID: q.ID, Metric: toMetricDTO(q.Metric), Max: q.Max, Period: q.Period}
		}
		return &tierDetailsOutput{Body: result[tierDetailsDTO]{out}}, nil
	})

	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-create-tier", Method: http.MethodPost, Path: "/api/v1/Tiers",
		Summary: "Create a tier", Tags: tags, DefaultStatus: http.StatusCreated,
		Description: "The name has 3 to 30 characters and is unique.",
	}), func(ctx context.Context, in *createTierInput) (*tierOutput, error) {
		t, err := h.b.Tiers.Create(ctx, deref(in.Body.Name))
		if err != nil {
			return nil, err
		}
		return &tierOutput{Body: result[tierRefDTO]{tierRefDTO{ID: t.ID, Name: t.Name}}}, nil
	})

	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-delete-tier", Method: http.MethodDelete, Path: "/api/v1/Tiers/{tierId}",
		Summary: "Delete a tier", Tags: tags, DefaultStatus: http.StatusNoContent,
		Description: "Only a tier no client has as default and no identity is in; never Basic or Queued for Deletion.",
	}), func(ctx context.Context, in *tierIDInput) (*struct{}, error) {
		return nil, h.b.Tiers.Delete(ctx, in.TierID)
	})
}
