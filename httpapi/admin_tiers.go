package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// TierOverviewDTO is a row of the tier list.
type TierOverviewDTO struct {
	ID                          string `json:"id"`
	Name                        string `json:"name"`
	CanBeUsedAsDefaultForClient bool   `json:"canBeUsedAsDefaultForClient"`
	CanBeManuallyAssigned       bool   `json:"canBeManuallyAssigned"`
	NumberOfIdentities          int    `json:"numberOfIdentities"`
}

// MetricDTO names a metric.
type MetricDTO struct {
	Key         string `json:"key"`
	DisplayName string `json:"displayName"`
}

// TierQuotaDefinitionDTO is a quota definition of a tier.
type TierQuotaDefinitionDTO struct {
	ID     string    `json:"id"`
	Metric MetricDTO `json:"metric"`
	Max    int       `json:"max"`
	Period string    `json:"period"`
}

// TierDetailsDTO is a tier with its quota definitions.
type TierDetailsDTO struct {
	ID     string                   `json:"id"`
	Name   string                   `json:"name"`
	Quotas []TierQuotaDefinitionDTO `json:"quotas"`
}

type tiersOutput struct {
	Body Result[[]TierOverviewDTO]
}

type tierIDInput struct {
	TierID string `path:"tierId"`
}

type tierDetailsOutput struct {
	Body Result[TierDetailsDTO]
}

type createTierInput struct {
	Body struct {
		Name *string `json:"name"`
	}
}

type tierOutput struct {
	Body Result[TierRefDTO]
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
		out := make([]TierOverviewDTO, len(ts))
		for i, t := range ts {
			out[i] = TierOverviewDTO{
				ID: t.ID, Name: t.Name, CanBeUsedAsDefaultForClient: t.CanBeUsedAsDefaultForClient,
				CanBeManuallyAssigned: t.CanBeManuallyAssigned, NumberOfIdentities: t.NumberOfIdentities,
			}
		}
		return &tiersOutput{Body: Result[[]TierOverviewDTO]{out}}, nil
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
		out := TierDetailsDTO{ID: t.ID, Name: t.Name, Quotas: make([]TierQuotaDefinitionDTO, len(qs))}
		for i, q := range qs {
			out.Quotas[i] = TierQuotaDefinitionDTO{ID: q.ID, Metric: MetricDTO{Key: q.Metric.Key, DisplayName: q.Metric.DisplayName}, Max: q.Max, Period: q.Period}
		}
		return &tierDetailsOutput{Body: Result[TierDetailsDTO]{out}}, nil
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
		return &tierOutput{Body: Result[TierRefDTO]{TierRefDTO{ID: t.ID, Name: t.Name}}}, nil
	})

	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-delete-tier", Method: http.MethodDelete, Path: "/api/v1/Tiers/{tierId}",
		Summary: "Delete a tier", Tags: tags, DefaultStatus: http.StatusNoContent,
		Description: "Only a tier no client has as default and no identity is in; never Basic or Queued for Deletion.",
	}), func(ctx context.Context, in *tierIDInput) (*struct{}, error) {
		return nil, h.b.Tiers.Delete(ctx, in.TierID)
	})
}
