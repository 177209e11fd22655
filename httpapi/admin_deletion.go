package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/openbackbone/openbackbone/backbone"
)

// deletionAuditEntryDTO is one line of an identity's deletion audit log.
type deletionAuditEntryDTO struct {
	ID             string            `json:"id"`
	CreatedAt      wireTime          `json:"createdAt"`
	OldStatus      *string           `json:"oldStatus"`
	NewStatus      *string           `json:"newStatus"`
	AdditionalData map[string]string `json:"additionalData"`
	MessageKey     string            `json:"messageKey"`
}

// adminDeletionProcessDetailsDTO is a deletion process with its audit log.
// It repeats the fields of deletionProcessDTO rather than embedding it
// because huma documents only the fields of embedded exported types; the
// audit log comes first, where huma placed it when the type was embedded.
type adminDeletionProcessDetailsDTO struct {
	AuditLog                   []deletionAuditEntryDTO `json:"auditLog"`
	ID                         string                  `json:"id"`
	Status                     string                  `json:"status" enum:"Active,Cancelled,Deleting"`
	CreatedAt                  wireTime                `json:"createdAt"`
	CreatedByDevice            string                  `json:"createdByDevice"`
	ApprovedAt                 wireTime                `json:"approvedAt"`
	ApprovedByDevice           string                  `json:"approvedByDevice"`
	GracePeriodEndsAt          *wireTime               `json:"gracePeriodEndsAt"`
	GracePeriodReminder1SentAt *wireTime               `json:"gracePeriodReminder1SentAt"`
	GracePeriodReminder2SentAt *wireTime               `json:"gracePeriodReminder2SentAt"`
	GracePeriodReminder3SentAt *wireTime               `json:"gracePeriodReminder3SentAt"`
}

func toAdminDeletionProcessDetailsDTO(d backbone.DeletionProcessDetails) adminDeletionProcessDetailsDTO {
	p := toDeletionProcessDTO(d.DeletionProcess)
	return adminDeletionProcessDetailsDTO{
		AuditLog: deletionAuditDTOs(d.AuditLog), ID: p.ID, Status: p.Status,
		CreatedAt: p.CreatedAt, CreatedByDevice: p.CreatedByDevice, ApprovedAt: p.ApprovedAt, ApprovedByDevice: p.ApprovedByDevice,
		GracePeriodEndsAt:          p.GracePeriodEndsAt,
		GracePeriodReminder1SentAt: p.GracePeriodReminder1SentAt,
		GracePeriodReminder2SentAt: p.GracePeriodReminder2SentAt,
		GracePeriodReminder3SentAt: p.GracePeriodReminder3SentAt,
	}
}

func deletionStatusName(s *backbone.DeletionProcessStatus) *string {
	if s == nil {
		return nil
	}
	n := backbone.DeletionProcessStatusNames[*s]
	return &n
}

func deletionAuditDTOs(entries []backbone.DeletionAuditEntry) []deletionAuditEntryDTO {
	out := make([]deletionAuditEntryDTO, len(entries))
	for i, e := range entries {
		data := e.AdditionalData
		if data == nil {
			data = map[string]string{}
		}
		out[i] = deletionAuditEntryDTO{
			ID: e.ID, CreatedAt: toWireTime(e.CreatedAt), OldStatus: deletionStatusName(e.OldStatus),
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
	Body result[[]deletionAuditEntryDTO]
}

type adminDeletionProcessOutput struct {
	Body result[adminDeletionProcessDetailsDTO]
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
		out := make([]deletionProcessDTO, len(ps))
		for i, p := range ps {
			out[i] = toDeletionProcessDTO(p)
		}
		return &deletionProcessesOutput{Body: result[[]deletionProcessDTO]{out}}, nil
	})

	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-list-deletion-audit-logs", Method: http.MethodGet, Path: "/api/v1/Identities/{address}/DeletionProcesses/AuditLogs",
		Summary: "The deletion audit log of an identity, also of one already deleted, oldest first", Tags: tags,
	}), func(ctx context.Context, in *adminIdentityDeletionInput) (*adminDeletionAuditOutput, error) {
		log, err := h.b.DeletionProcesses.AuditLogOf(ctx, in.Address)
		if err != nil {
			return nil, err
		}
		return &adminDeletionAuditOutput{Body: result[[]deletionAuditEntryDTO]{deletionAuditDTOs(log)}}, nil
	})

	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-get-deletion-process", Method: http.MethodGet, Path: "/api/v1/Identities/{address}/DeletionProcesses/{deletionProcessId}",
		Summary: "A deletion process of an identity with its audit log", Tags: tags,
	}), func(ctx context.Context, in *adminDeletionProcessInput) (*adminDeletionProcessOutput, error) {
		d, err := h.b.DeletionProcesses.GetOf(ctx, in.Address, in.ID)
		if err != nil {
			return nil, err
		}
		return &adminDeletionProcessOutput{Body: result[adminDeletionProcessDetailsDTO]{toAdminDeletionProcessDetailsDTO(d)}}, nil
	})
}
