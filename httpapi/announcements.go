package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/openbackbone/openbackbone/backbone"
)

var announcementSeverities = enum{names: []string{backbone.AnnouncementLow, backbone.AnnouncementMedium, backbone.AnnouncementHigh}}

// severity is an announcement's severity on the wire: its name out; the
// name (any case) or the number in.
type severity string

func (s severity) MarshalJSON() ([]byte, error) {
	for i, n := range announcementSeverities.names {
		if n == string(s) {
			return announcementSeverities.marshal(i)
		}
	}
	return announcementSeverities.marshal(-1)
}

func (s *severity) UnmarshalJSON(data []byte) error {
	v, err := announcementSeverities.unmarshal(data)
	if err == nil {
		*s = severity(announcementSeverities.names[v])
	}
	return err
}

// Schema documents the names.
func (severity) Schema(huma.Registry) *huma.Schema { return announcementSeverities.schema() }

// announcementDTO is an announcement in the language a device asked for.
type announcementDTO struct {
	ID        string                  `json:"id"`
	CreatedAt wireTime                `json:"createdAt"`
	ExpiresAt *wireTime               `json:"expiresAt"`
	Severity  severity                `json:"severity"`
	Title     string                  `json:"title"`
	Body      string                  `json:"body"`
	Actions   []announcementActionDTO `json:"actions"`
	IqlQuery  *string                 `json:"iqlQuery"`
}

// announcementActionDTO is an action with its label in one language; its
// iqlQuery is always null, as in the reference.
type announcementActionDTO struct {
	DisplayName string  `json:"displayName"`
	Link        string  `json:"link"`
	IqlQuery    *string `json:"iqlQuery"`
}

func toAnnouncementDTO(a backbone.LocalizedAnnouncement) announcementDTO {
	d := announcementDTO{
		ID: a.ID, CreatedAt: toWireTime(a.CreatedAt), ExpiresAt: toWireTimePtr(a.ExpiresAt), Severity: severity(a.Severity),
		Title: a.Title, Body: a.Body, Actions: make([]announcementActionDTO, len(a.Actions)), IqlQuery: nullable(a.IqlQuery),
	}
	for i, ac := range a.Actions {
		d.Actions[i] = announcementActionDTO{DisplayName: ac.DisplayName, Link: ac.Link}
	}
	return d
}

type listAnnouncementsInput struct {
	Language string `query:"language" doc:"ISO 639-1 code; texts without it come in English"`
}

type announcementsOutput struct {
	Body result[[]announcementDTO]
}

func (h *handlers) registerAnnouncements(api huma.API) {
	huma.Register(api, h.op(huma.Operation{
		OperationID: "list-announcements",
		Method:      http.MethodGet,
		Path:        "/api/v2/Announcements",
		Summary:     "List the announcements for the caller",
		Description: "Announcements for everyone and those naming the caller, in the language asked for (English as fallback).",
		Tags:        []string{"Announcements"},
	}, authRequired), func(ctx context.Context, in *listAnnouncementsInput) (*announcementsOutput, error) {
		if in.Language == "" {
			return nil, missing("language")
		}
		list, err := h.b.Announcements.ListForCaller(ctx, caller(ctx), in.Language)
		if err != nil {
			return nil, err
		}
		out := make([]announcementDTO, len(list))
		for i, a := range list {
			out[i] = toAnnouncementDTO(a)
		}
		return &announcementsOutput{Body: result[[]announcementDTO]{out}}, nil
	})
}
