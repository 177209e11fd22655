package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/openbackbone/openbackbone/backbone"
)

// quotaDTO is one quota of the caller with its usage in the current period.
type quotaDTO struct {
	Source    string `json:"source" enum:"Individual,Tier"`
	MetricKey string `json:"metricKey"`
	Max       int    `json:"max"`
	Usage     int64  `json:"usage"`
	Period    string `json:"period" enum:"Hour,Day,Week,Month,Year,Total"`
}

// quotaGroupDTO is the caller's quotas of one metric.
type quotaGroupDTO struct {
	MetricKey string     `json:"metricKey"`
	Quotas    []quotaDTO `json:"quotas"`
}

type quotasOutput struct {
	Body result[[]quotaGroupDTO]
}

func (h *handlers) registerQuotas(api huma.API) {
	huma.Register(api, h.op(huma.Operation{
		OperationID: "list-quotas",
		Method:      http.MethodGet,
		Path:        "/api/v2/Quotas",
		Summary:     "List the caller's quotas by metric, with their usage",
		Tags:        []string{"Quotas"},
	}, authRequired), func(ctx context.Context, _ *struct{}) (*quotasOutput, error) {
		groups, err := h.b.Quotas.ForCaller(ctx, caller(ctx))
		if err != nil {
			return nil, err
		}
		out := make([]quotaGroupDTO, len(groups))
		for i, g := range groups {
			out[i] = quotaGroupDTO{MetricKey: g.MetricKey, Quotas: make([]quotaDTO, len(g.Quotas))}
			for j, q := range g.Quotas {
				out[i].Quotas[j] = toQuotaDTO(q)
			}
		}
		return &quotasOutput{Body: result[[]quotaGroupDTO]{out}}, nil
	})
}

func toQuotaDTO(q backbone.IdentityQuota) quotaDTO {
	return quotaDTO{Source: q.Source, MetricKey: q.Metric.Key, Max: q.Max, Usage: q.Usage, Period: q.Period}
}
