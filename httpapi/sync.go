package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/httpapi/internal/paging"
)

var syncRunTypes = enum{names: []string{"ExternalEventSync", "DatawalletVersionUpgrade"}}

// syncRunType is a sync run's type on the wire.
type syncRunType backbone.SyncRunType

func (t syncRunType) MarshalJSON() ([]byte, error) { return syncRunTypes.marshal(int(t)) }

func (t *syncRunType) UnmarshalJSON(data []byte) error {
	v, err := syncRunTypes.unmarshal(data)
	*t = syncRunType(v)
	return err
}

// Schema documents the names.
func (syncRunType) Schema(huma.Registry) *huma.Schema { return syncRunTypes.schema() }

// syncRunDTO is a sync run on the wire.
type syncRunDTO struct {
	ID              string      `json:"id"`
	Type            syncRunType `json:"type"`
	ExpiresAt       wireTime    `json:"expiresAt"`
	Index           int64       `json:"index"`
	CreatedAt       wireTime    `json:"createdAt"`
	CreatedBy       string      `json:"createdBy"`
	CreatedByDevice string      `json:"createdByDevice"`
	EventCount      int         `json:"eventCount"`
}

func toSyncRunDTO(r backbone.SyncRun) syncRunDTO {
	return syncRunDTO{
		ID: r.ID, Type: syncRunType(r.Type), ExpiresAt: toWireTime(r.ExpiresAt), Index: r.Index, CreatedAt: toWireTime(r.CreatedAt),
		CreatedBy: r.CreatedBy, CreatedByDevice: r.CreatedByDevice, EventCount: r.EventCount,
	}
}

// SupportedDatawalletVersion (header X-Supported-Datawallet-Version) is the
// highest datawallet version a client understands; missing means 0.
type startSyncRunInput struct {
	SupportedDatawalletVersion int `header:"X-Supported-Datawallet-Version" minimum:"0" maximum:"65535"`
	Body                       struct {
		Type     *syncRunType `json:"type,omitempty"`
		Duration *wireInt     `json:"duration,omitempty" doc:"seconds, default 10"`
	}
}

// startedSyncRunDTO says whether a run was created.
type startedSyncRunDTO struct {
	Status  string      `json:"status" enum:"Created,NoNewEvents"`
	SyncRun *syncRunDTO `json:"syncRun"`
}

type startSyncRunOutput struct {
	Status int
	Body   result[startedSyncRunDTO]
}

type syncRunIDInput struct {
	ID string `path:"id"`
}

type syncRunOutput struct {
	Body result[syncRunDTO]
}

type listEventsInput struct {
	ID string `path:"id"`
	paging.Query
}

// externalEventDTO is an external event on the wire.
type externalEventDTO struct {
	ID             string          `json:"id"`
	Type           string          `json:"type"`
	Index          int64           `json:"index"`
	CreatedAt      wireTime        `json:"createdAt"`
	SyncErrorCount int             `json:"syncErrorCount"`
	Payload        json.RawMessage `json:"payload"`
}

type eventsOutput struct {
	Body paged[externalEventDTO]
}

// externalEventResultInput is a device's verdict on one event of its run.
type externalEventResultInput struct {
	ExternalEventID string `json:"externalEventId"`
	ErrorCode       string `json:"errorCode,omitempty"`
}

type finalizeEventSyncInput struct {
	ID   string `path:"id"`
	Body struct {
		ExternalEventResults    []externalEventResultInput `json:"externalEventResults,omitempty"`
		DatawalletModifications []modificationInput        `json:"datawalletModifications,omitempty"`
	}
}

// finalizedDTO is what a finalized run reports.
type finalizedDTO struct {
	NewDatawalletModificationIndex *int64                   `json:"newDatawalletModificationIndex"`
	DatawalletModifications        []createdModificationDTO `json:"datawalletModifications"`
	NewUnsyncedExternalEventsExist *bool                    `json:"newUnsyncedExternalEventsExist,omitempty"`
}

type finalizedOutput struct {
	Body result[finalizedDTO]
}

type finalizeUpgradeInput struct {
	ID   string `path:"id"`
	Body struct {
		NewDatawalletVersion    *wireInt            `json:"newDatawalletVersion"`
		DatawalletModifications []modificationInput `json:"datawalletModifications,omitempty"`
	}
}

// expiresAtDTO is a refreshed run's new expiry.
type expiresAtDTO struct {
	ExpiresAt wireTime `json:"expiresAt"`
}

type refreshOutput struct {
	Body result[expiresAtDTO]
}

func (h *handlers) registerSyncRuns(api huma.API) {
	tags := []string{"Synchronization"}
	huma.Register(api, h.op(huma.Operation{
		OperationID: "start-sync-run", Method: http.MethodPost, Path: "/api/v2/SyncRuns",
		Summary:     "Start a sync run",
		Description: "201 with the run, or 200 with status NoNewEvents and no run when an external-event sync has nothing to deliver.",
		Tags:        tags, DefaultStatus: http.StatusCreated,
	}, authRequired), func(ctx context.Context, in *startSyncRunInput) (*startSyncRunOutput, error) {
		req := backbone.StartSyncRunRequest{SupportedDatawalletVersion: in.SupportedDatawalletVersion}
		if in.Body.Type != nil {
			req.Type = backbone.SyncRunType(*in.Body.Type)
		}
		if in.Body.Duration != nil {
			if *in.Body.Duration < 0 || *in.Body.Duration > 65535 {
				return nil, badInput("'duration': must be between 0 and 65535.")
			}
			req.Duration = time.Duration(*in.Body.Duration) * time.Second // 0 takes the default
		}
		started, err := h.b.SyncRuns.Start(ctx, caller(ctx), req)
		if err != nil {
			return nil, err
		}
		if started.SyncRun == nil {
			return &startSyncRunOutput{Status: http.StatusOK, Body: result[startedSyncRunDTO]{startedSyncRunDTO{Status: "NoNewEvents"}}}, nil
		}
		dto := toSyncRunDTO(*started.SyncRun)
		return &startSyncRunOutput{Status: http.StatusCreated, Body: result[startedSyncRunDTO]{startedSyncRunDTO{Status: "Created", SyncRun: &dto}}}, nil
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "get-sync-run", Method: http.MethodGet, Path: "/api/v2/SyncRuns/{id}",
		Summary: "Get a sync run of the caller's identity", Tags: tags,
	}, authRequired), func(ctx context.Context, in *syncRunIDInput) (*syncRunOutput, error) {
		r, err := h.b.SyncRuns.Get(ctx, caller(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		return &syncRunOutput{Body: result[syncRunDTO]{toSyncRunDTO(r)}}, nil
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "list-sync-run-events", Method: http.MethodGet, Path: "/api/v2/SyncRuns/{id}/ExternalEvents",
		Summary: "List the external events of the calling device's sync run", Tags: tags,
	}, authRequired), func(ctx context.Context, in *listEventsInput) (*eventsOutput, error) {
		p, err := h.b.SyncRuns.ExternalEvents(ctx, caller(ctx), in.ID, in.Request())
		if err != nil {
			return nil, err
		}
		return &eventsOutput{Body: toPaged(p, func(e backbone.ExternalEvent) externalEventDTO {
			return externalEventDTO{ID: e.ID, Type: e.Type, Index: e.Index, CreatedAt: toWireTime(e.CreatedAt), SyncErrorCount: e.SyncErrorCount, Payload: e.Payload}
		})}, nil
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "finalize-external-event-sync", Method: http.MethodPut, Path: "/api/v2/SyncRuns/{id}/FinalizeExternalEventSync",
		Summary: "Finalize an external-event sync run", Tags: tags,
	}, authRequired), func(ctx context.Context, in *finalizeEventSyncInput) (*finalizedOutput, error) {
		results := make([]backbone.ExternalEventResult, len(in.Body.ExternalEventResults))
		for i, r := range in.Body.ExternalEventResults {
			results[i] = backbone.ExternalEventResult{ExternalEventID: r.ExternalEventID, ErrorCode: r.ErrorCode}
		}
		mods, err := modifications(in.Body.DatawalletModifications)
		if err != nil {
			return nil, err
		}
		res, err := h.b.SyncRuns.FinalizeExternalEventSync(ctx, caller(ctx), in.ID, results, mods)
		if err != nil {
			return nil, err
		}
		return &finalizedOutput{Body: result[finalizedDTO]{toFinalizedDTO(res, true)}}, nil
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "finalize-datawallet-version-upgrade", Method: http.MethodPut, Path: "/api/v2/SyncRuns/{id}/FinalizeDatawalletVersionUpgrade",
		Summary: "Finalize a datawallet version upgrade", Tags: tags,
	}, authRequired), func(ctx context.Context, in *finalizeUpgradeInput) (*finalizedOutput, error) {
		if in.Body.NewDatawalletVersion == nil {
			return nil, missing("newDatawalletVersion")
		}
		mods, err := modifications(in.Body.DatawalletModifications)
		if err != nil {
			return nil, err
		}
		res, err := h.b.SyncRuns.FinalizeDatawalletVersionUpgrade(ctx, caller(ctx), in.ID, int(*in.Body.NewDatawalletVersion), mods)
		if err != nil {
			return nil, err
		}
		return &finalizedOutput{Body: result[finalizedDTO]{toFinalizedDTO(res, false)}}, nil
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "refresh-sync-run", Method: http.MethodPut, Path: "/api/v2/SyncRuns/{id}/RefreshExpirationTime",
		Summary: "Extend the calling device's sync run by ten seconds", Tags: tags,
	}, authRequired), func(ctx context.Context, in *syncRunIDInput) (*refreshOutput, error) {
		t, err := h.b.SyncRuns.RefreshExpirationTime(ctx, caller(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		return &refreshOutput{Body: result[expiresAtDTO]{expiresAtDTO{ExpiresAt: toWireTime(t)}}}, nil
	})
}

func toFinalizedDTO(r backbone.FinalizeResult, withUnsynced bool) finalizedDTO {
	dto := finalizedDTO{NewDatawalletModificationIndex: r.NewDatawalletModificationIndex, DatawalletModifications: createdModificationDTOs(r.Modifications)}
	if withUnsynced {
		dto.NewUnsyncedExternalEventsExist = &r.NewUnsyncedExternalEventsExist
	}
	return dto
}
