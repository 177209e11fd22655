package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/openbackbone/openbackbone/backbone"
)

var announcementSeverities = enum{names: []string{backbone.AnnouncementLow, backbone.AnnouncementMedium, backbone.AnnouncementHigh}}

// Severity is an announcement's severity on the wire: its name out; the
// name (any case) or the number in.
type Severity string

func (s Severity) MarshalJSON() ([]byte, error) {
	for i, n := range announcementSeverities.names {
		if n == string(s) {
			return announcementSeverities.marshal(i)
		}
	}
	return announcementSeverities.marshal(-1)
}

func (s *Severity) UnmarshalJSON(data []byte) error {
	v, err := announcementSeverities.unmarshal(data)
	if err == nil {
		*s = Severity(announcementSeverities.names[v])
	}
	return err
}

// Schema documents the names.
func (Severity) Schema(huma.Registry) *huma.Schema { return announcementSeverities.schema() }

// AnnouncementDTO is an announcement in the language a device asked for.
type AnnouncementDTO struct {
	ID        string                  `json:"id"`
	CreatedAt Time                    `json:"createdAt"`
	ExpiresAt *Time                   `json:"expiresAt"`
	Severity  Severity                `json:"severity"`
	Title     string                  `json:"title"`
	Body      string                  `json:"body"`
	Actions   []AnnouncementActionDTO `json:"actions"`
	IqlQuery  *string                 `json:"iqlQuery"`
}

// AnnouncementActionDTO is an action with its label in one language; its
// iqlQuery is always null, as in the reference.
type AnnouncementActionDTO struct {
	DisplayName string  `json:"displayName"`
	Link        string  `json:"link"`
	IqlQuery    *string `json:"iqlQuery"`
}

func toAnnouncementDTO(a backbone.LocalizedAnnouncement) AnnouncementDTO {
	d := AnnouncementDTO{
		ID: a.ID, CreatedAt: wireTime(a.CreatedAt), ExpiresAt: wireTimePtr(a.ExpiresAt), Severity: Severity(a.Severity),
		Title: a.Title, Body: a.Body, Actions: make([]AnnouncementActionDTO, len(a.Actions)), IqlQuery: iqlOrNull(a.IqlQuery),
	}
	for i, ac := range a.Actions {
		d.Actions[i] = AnnouncementActionDTO{DisplayName: ac.DisplayName, Link: ac.Link}
	}
	return d
}

// iqlOrNull maps an absent IQL query ("") to null.
func iqlOrNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

type listAnnouncementsInput struct {
	Language string `query:"language" doc:"ISO 639-1 code; texts without it come in English"`
}

type announcementsOutput struct {
	Body Result[[]AnnouncementDTO]
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
		out := make([]AnnouncementDTO, len(list))
		for i, a := range list {
			out[i] = toAnnouncementDTO(a)
		}
		return &announcementsOutput{Body: Result[[]AnnouncementDTO]{out}}, nil
	})
}
