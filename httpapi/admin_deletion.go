package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/openbackbone/openbackbone/backbone"
)

// DeletionAuditEntryDTO is one line of an identity's deletion audit log.
type DeletionAuditEntryDTO struct {
	ID             string            `json:"id"`
	CreatedAt      Time              `json:"createdAt"`
	OldStatus      *string           `json:"oldStatus"`
	NewStatus      *string           `json:"newStatus"`
	AdditionalData map[string]string `json:"additionalData"`
	MessageKey     string            `json:"messageKey"`
}

// AdminDeletionProcessDetailsDTO is a deletion process with its audit log.
type AdminDeletionProcessDetailsDTO struct {
	DeletionProcessDTO
	AuditLog []DeletionAuditEntryDTO `json:"auditLog"`
}

func deletionStatusName(s *backbone.DeletionProcessStatus) *string {
	if s == nil {
		return nil
	}
	n := backbone.DeletionProcessStatusNames[*s]
	return &n
}

func deletionAuditDTOs(entries []backbone.DeletionAuditEntry) []DeletionAuditEntryDTO {
	out := make([]DeletionAuditEntryDTO, len(entries))
	for i, e := range entries {
		data := e.AdditionalData
		if data == nil {
			data = map[string]string{}
		}
		out[i] = DeletionAuditEntryDTO{
			ID: e.ID, CreatedAt: wireTime(e.CreatedAt), OldStatus: deletionStatusName(e.OldStatus),
			NewStatus: deletionStatusName(e.NewStatus), AdditionalData: data, MessageKey: e.MessageKey,
		}
	}
	return out
}

type adminIdentityDeletionInput struct {
	Address string `path:"address"`
}

type adminDeletionProcessInput struct {
	Address string `path:"address"`
	ID      string `path:"deletionProcessId"`
}

type adminDeletionAuditOutput struct {
	Body Result[[]DeletionAuditEntryDTO]
}

type adminDeletionProcessOutput struct {
	Body Result[AdminDeletionProcessDetailsDTO]
}

func (h *handlers) registerAdminDeletion(api huma.API) {
	tags := []string{"Identities"}
	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-list-deletion-processes", Method: http.MethodGet, Path: "/api/v1/Identities/{address}/DeletionProcesses",
		Summary: "List the deletion processes of an identity, newest first", Tags: tags,
	}), func(ctx context.Context, in *adminIdentityDeletionInput) (*deletionProcessesOutput, error) {
		ps, err := h.b.DeletionProcesses.ListOf(ctx, in.Address)
		if err != nil {
			return nil, err
		}
		out := make([]DeletionProcessDTO, len(ps))
		for i, p := range ps {
			out[i] = deletionProcessDTO(p)
		}
		return &deletionProcessesOutput{Body: Result[[]DeletionProcessDTO]{out}}, nil
	})

	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-list-deletion-audit-logs", Method: http.MethodGet, Path: "/api/v1/Identities/{address}/DeletionProcesses/AuditLogs",
		Summary: "The deletion audit log of an identity, also of one already deleted, oldest first", Tags: tags,
	}), func(ctx context.Context, in *adminIdentityDeletionInput) (*adminDeletionAuditOutput, error) {
		log, err := h.b.DeletionProcesses.AuditLogOf(ctx, in.Address)
		if err != nil {
			return nil, err
		}
		return &adminDeletionAuditOutput{Body: Result[[]DeletionAuditEntryDTO]{deletionAuditDTOs(log)}}, nil
	})

	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-get-deletion-process", Method: http.MethodGet, Path: "/api/v1/Identities/{address}/DeletionProcesses/{deletionProcessId}",
		Summary: "A deletion process of an identity with its audit log", Tags: tags,
	}), func(ctx context.Context, in *adminDeletionProcessInput) (*adminDeletionProcessOutput, error) {
		d, err := h.b.DeletionProcesses.GetOf(ctx, in.Address, in.ID)
		if err != nil {
			return nil, err
		}
		return &adminDeletionProcessOutput{Body: Result[AdminDeletionProcessDetailsDTO]{AdminDeletionProcessDetailsDTO{
			DeletionProcessDTO: deletionProcessDTO(d.DeletionProcess), AuditLog: deletionAuditDTOs(d.AuditLog),
		}}}, nil
	})
}
