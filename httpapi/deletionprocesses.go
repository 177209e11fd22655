package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/openbackbone/openbackbone/backbone"
)

// deletionProcessDTO is an identity deletion process as its owner sees it.
// approvedAt and approvedByDevice repeat createdAt and createdByDevice for
// clients of the time when processes needed approval.
type deletionProcessDTO struct {
	ID                         string    `json:"id"`
	Status                     string    `json:"status" enum:"Active,Cancelled,Deleting"`
	CreatedAt                  wireTime  `json:"createdAt"`
	CreatedByDevice            string    `json:"createdByDevice"`
	ApprovedAt                 wireTime  `json:"approvedAt"`
	ApprovedByDevice           string    `json:"approvedByDevice"`
	GracePeriodEndsAt          *wireTime `json:"gracePeriodEndsAt"`
	GracePeriodReminder1SentAt *wireTime `json:"gracePeriodReminder1SentAt"`
	GracePeriodReminder2SentAt *wireTime `json:"gracePeriodReminder2SentAt"`
	GracePeriodReminder3SentAt *wireTime `json:"gracePeriodReminder3SentAt"`
}

func toDeletionProcessDTO(p backbone.DeletionProcess) deletionProcessDTO {
	return deletionProcessDTO{
		ID: p.ID, Status: backbone.DeletionProcessStatusNames[p.Status],
		CreatedAt: toWireTime(p.CreatedAt), CreatedByDevice: p.CreatedByDevice,
		ApprovedAt: toWireTime(p.CreatedAt), ApprovedByDevice: p.CreatedByDevice,
		GracePeriodEndsAt:          toWireTimePtr(p.GracePeriodEndsAt),
		GracePeriodReminder1SentAt: toWireTimePtr(p.GracePeriodReminder1SentAt),
		GracePeriodReminder2SentAt: toWireTimePtr(p.GracePeriodReminder2SentAt),
		GracePeriodReminder3SentAt: toWireTimePtr(p.GracePeriodReminder3SentAt),
	}
}

type startDeletionProcessInput struct {
	// The body is optional: without it the configured grace period
	// applies.
	Body *struct {
		LengthOfGracePeriodInDays *float64 `json:"lengthOfGracePeriodInDays,omitempty" doc:"days, may be fractional; default 14"`
	}
}

type deletionProcessInput struct {
	ID string `path:"id"`
}

type deletionProcessOutput struct {
	Body result[deletionProcessDTO]
}

type deletionProcessesOutput struct {
	Body result[[]deletionProcessDTO]
}

func (h *handlers) registerDeletionProcesses(api huma.API) {
	tags := []string{"Identities"}
	huma.Register(api, h.op(huma.Operation{
		OperationID: "start-deletion-process", Method: http.MethodPost, Path: "/api/v2/Identities/Self/DeletionProcesses",
		Summary: "Start the deletion of the caller's identity", Tags: tags, DefaultStatus: http.StatusCreated,
	}, authRequired), func(ctx context.Context, in *startDeletionProcessInput) (*deletionProcessOutput, error) {
		var days *float64
		if in.Body != nil {
			days = in.Body.LengthOfGracePeriodInDays
		}
		p, err := h.b.DeletionProcesses.Start(ctx, caller(ctx), days)
		if err != nil {
			return nil, err
		}
		return &deletionProcessOutput{Body: result[deletionProcessDTO]{toDeletionProcessDTO(p)}}, nil
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "list-deletion-processes", Method: http.MethodGet, Path: "/api/v2/Identities/Self/DeletionProcesses",
		Summary: "List the deletion processes of the caller's identity", Tags: tags,
	}, authRequired), func(ctx context.Context, _ *struct{}) (*deletionProcessesOutput, error) {
		ps, err := h.b.DeletionProcesses.List(ctx, caller(ctx))
		if err != nil {
			return nil, err
		}
		out := make([]deletionProcessDTO, len(ps))
		for i, p := range ps {
			out[i] = toDeletionProcessDTO(p)
		}
		return &deletionProcessesOutput{Body: result[[]deletionProcessDTO]{out}}, nil
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "get-deletion-process", Method: http.MethodGet, Path: "/api/v2/Identities/Self/DeletionProcesses/{id}",
		Summary: "Get a deletion process of the caller's identity", Tags: tags,
	}, authRequired), func(ctx context.Context, in *deletionProcessInput) (*deletionProcessOutput, error) {
		p, err := h.b.DeletionProcesses.Get(ctx, caller(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		return &deletionProcessOutput{Body: result[deletionProcessDTO]{toDeletionProcessDTO(p)}}, nil
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "cancel-deletion-process", Method: http.MethodPut, Path: "/api/v2/Identities/Self/DeletionProcesses/{id}/Cancel",
		Summary: "Cancel a deletion process of the caller's identity during its grace period", Tags: tags,
	}, authRequired), func(ctx context.Context, in *deletionProcessInput) (*deletionProcessOutput, error) {
		p, err := h.b.DeletionProcesses.Cancel(ctx, caller(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		return &deletionProcessOutput{Body: result[deletionProcessDTO]{toDeletionProcessDTO(p)}}, nil
	})
}
