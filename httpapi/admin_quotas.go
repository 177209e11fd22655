package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/openbackbone/openbackbone/backbone"
)

// quotaPeriod is a period on the wire: its name (Hour, Day, Week, Month,
// Year, Total, in any case) or its number 0 to 5.
type quotaPeriod string

// UnmarshalJSON accepts the name or the number, as the reference's enum
// binding does; the service reports names it does not know.
func (p *quotaPeriod) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err == nil {
		*p = quotaPeriod(s)
		return nil
	}
	var n int
	if err := json.Unmarshal(data, &n); err != nil {
		return errors.New("expected a period name or number")
	}
	if n < 0 || n >= len(backbone.Periods) {
		*p = quotaPeriod(json.Number(data).String()) // unknown: refused with the other bad names
		return nil
	}
	*p = quotaPeriod(backbone.Periods[n])
	return nil
}

// Schema documents the period as its names or numbers.
func (quotaPeriod) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{
		Description: "Hour, Day, Week, Month, Year or Total, or their numbers 0 to 5",
		OneOf:       []*huma.Schema{{Type: huma.TypeString}, {Type: huma.TypeInteger}},
	}
}

// createQuotaRequestDTO is the body that creates a tier or individual quota.
type createQuotaRequestDTO struct {
	MetricKey string      `json:"metricKey"`
	Max       int         `json:"max"`
	Period    quotaPeriod `json:"period"`
}

func (d createQuotaRequestDTO) request() backbone.CreateQuotaRequest {
	return backbone.CreateQuotaRequest{MetricKey: d.MetricKey, Max: d.Max, Period: string(d.Period)}
}

type createTierQuotaInput struct {
	TierID string `path:"tierId"`
	Body   createQuotaRequestDTO
}

type deleteTierQuotaInput struct {
	TierID string `path:"tierId"`
	ID     string `path:"tierQuotaDefinitionId"`
}

type createIndividualQuotaInput struct {
	Address string `path:"address"`
	Body    createQuotaRequestDTO
}

type deleteIndividualQuotaInput struct {
	Address string `path:"address"`
	ID      string `path:"quotaId"`
}

// quotaDefinitionDTO is a created quota: its metric, maximum and period.
type quotaDefinitionDTO = tierQuotaDefinitionDTO

type quotaDefinitionOutput struct {
	Body result[quotaDefinitionDTO]
}

type metricsOutput struct {
	Body result[[]metricDTO]
}

func toMetricDTO(m backbone.Metric) metricDTO {
	return metricDTO{Key: m.Key, DisplayName: m.DisplayName}
}

func (h *handlers) registerAdminQuotas(api huma.API) {
	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-create-tier-quota", Method: http.MethodPost, Path: "/api/v1/Tiers/{tierId}/Quotas",
		Summary: "Add a quota definition to a tier", Tags: []string{"Tiers"}, DefaultStatus: http.StatusCreated,
		Description: "Every identity of the tier has the quota. Statuses are not recomputed at once: " +
			"an identity is held to the new quota from its next counted action on.",
	}), func(ctx context.Context, in *createTierQuotaInput) (*quotaDefinitionOutput, error) {
		q, err := h.b.Quotas.CreateTierQuota(ctx, in.TierID, in.Body.request())
		if err != nil {
			return nil, err
		}
		return &quotaDefinitionOutput{Body: result[quotaDefinitionDTO]{quotaDefinitionDTO{ID: q.ID, Metric: toMetricDTO(q.Metric), Max: q.Max, Period: q.Period}}}, nil
	})

	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-delete-tier-quota", Method: http.MethodDelete, Path: "/api/v1/Tiers/{tierId}/Quotas/{tierQuotaDefinitionId}",
		Summary: "Remove a quota definition from a tier", Tags: []string{"Tiers"}, DefaultStatus: http.StatusNoContent,
	}), func(ctx context.Context, in *deleteTierQuotaInput) (*struct{}, error) {
		return nil, h.b.Quotas.DeleteTierQuota(ctx, in.TierID, in.ID)
	})

	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-create-individual-quota", Method: http.MethodPost, Path: "/api/v1/Identities/{address}/Quotas",
		Summary: "Set a quota for one identity", Tags: []string{"Identities"}, DefaultStatus: http.StatusCreated,
		Description: "It replaces the tier's quotas of its metric; the metric's status is recomputed before the response.",
	}), func(ctx context.Context, in *createIndividualQuotaInput) (*quotaDefinitionOutput, error) {
		q, err := h.b.Quotas.CreateIndividualQuota(ctx, in.Address, in.Body.request())
		if err != nil {
			return nil, err
		}
		return &quotaDefinitionOutput{Body: result[quotaDefinitionDTO]{quotaDefinitionDTO{ID: q.ID, Metric: toMetricDTO(q.Metric), Max: q.Max, Period: q.Period}}}, nil
	})

	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-delete-individual-quota", Method: http.MethodDelete, Path: "/api/v1/Identities/{address}/Quotas/{quotaId}",
		Summary: "Remove a quota of one identity", Tags: []string{"Identities"}, DefaultStatus: http.StatusNoContent,
	}), func(ctx context.Context, in *deleteIndividualQuotaInput) (*struct{}, error) {
		return nil, h.b.Quotas.DeleteIndividualQuota(ctx, in.Address, in.ID)
	})

	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-list-metrics", Method: http.MethodGet, Path: "/api/v1/Metrics",
		Summary: "List the metrics quotas can limit", Tags: []string{"Metrics"},
	}), func(context.Context, *struct{}) (*metricsOutput, error) {
		ms := h.b.Quotas.Metrics()
		out := make([]metricDTO, len(ms))
		for i, m := range ms {
			out[i] = toMetricDTO(m)
		}
		return &metricsOutput{Body: result[[]metricDTO]{out}}, nil
	})
}
