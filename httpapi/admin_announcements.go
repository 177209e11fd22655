package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/openbackbone/openbackbone/backbone"
)

// announcementTextDTO is an announcement's title and body in one language.
type announcementTextDTO struct {
	Language *string `json:"language"`
	Title    *string `json:"title"`
	Body     *string `json:"body"`
}

// adminAnnouncementActionDTO is an action with its label per language.
type adminAnnouncementActionDTO struct {
	DisplayName map[string]string `json:"displayName"`
	Link        *string           `json:"link"`
}

// adminAnnouncementDTO is an announcement as the operator sees it.
type adminAnnouncementDTO struct {
	ID         string                       `json:"id"`
	CreatedAt  wireTime                     `json:"createdAt"`
	ExpiresAt  *wireTime                    `json:"expiresAt"`
	Severity   severity                     `json:"severity"`
	Texts      []announcementTextDTO        `json:"texts"`
	Recipients []string                     `json:"recipients"`
	Actions    []adminAnnouncementActionDTO `json:"actions"`
	IqlQuery   *string                      `json:"iqlQuery"`
	IsSilent   bool                         `json:"isSilent"`
}

func toAdminAnnouncementDTO(a backbone.Announcement) adminAnnouncementDTO {
	d := adminAnnouncementDTO{
		ID: a.ID, CreatedAt: toWireTime(a.CreatedAt), Severity: severity(a.Severity), IqlQuery: nullable(a.IqlQuery),
		IsSilent: a.IsSilent, Recipients: a.Recipients, Texts: make([]announcementTextDTO, len(a.Texts)),
		Actions: make([]adminAnnouncementActionDTO, len(a.Actions)),
	}
	if !a.ExpiresAt.IsZero() {
		d.ExpiresAt = toWireTimePtr(&a.ExpiresAt)
	}
	if d.Recipients == nil {
		d.Recipients = []string{}
	}
	for i, t := range a.Texts {
		d.Texts[i] = announcementTextDTO{Language: &t.Language, Title: &t.Title, Body: &t.Body}
	}
	for i, ac := range a.Actions {
		d.Actions[i] = adminAnnouncementActionDTO{DisplayName: ac.DisplayName, Link: &ac.Link}
	}
	return d
}

type createAnnouncementInput struct {
	Body struct {
		Severity   *severity                    `json:"severity"`
		IsSilent   *bool                        `json:"isSilent"`
		Texts      []announcementTextDTO        `json:"texts"`
		ExpiresAt  *wireTime                    `json:"expiresAt,omitempty"`
		Actions    []adminAnnouncementActionDTO `json:"actions,omitempty"`
		Recipients []string                     `json:"recipients,omitempty"`
		IqlQuery   *string                      `json:"iqlQuery,omitempty"`
	}
}

// request checks that what the reference requires is there and maps the
// body; the rules on the values are the service's.
func (in *createAnnouncementInput) request() (backbone.NewAnnouncement, error) {
	b := in.Body
	switch {
	case b.Severity == nil:
		return backbone.NewAnnouncement{}, missing("severity")
	case b.IsSilent == nil:
		return backbone.NewAnnouncement{}, missing("isSilent")
	case b.Texts == nil:
		return backbone.NewAnnouncement{}, missing("texts")
	}
	req := backbone.NewAnnouncement{
		Severity: string(*b.Severity), IsSilent: *b.IsSilent, Recipients: b.Recipients,
		Texts: make([]backbone.AnnouncementText, len(b.Texts)), Actions: make([]backbone.AnnouncementAction, len(b.Actions)),
	}
	if b.ExpiresAt != nil {
		t := time.Time(*b.ExpiresAt)
		req.ExpiresAt = &t
	}
	if b.IqlQuery != nil {
		req.IqlQuery = *b.IqlQuery
	}
	for i, t := range b.Texts {
		switch {
		case t.Language == nil:
			return req, missing("texts.language")
		case t.Title == nil:
			return req, missing("texts.title")
		case t.Body == nil:
			return req, missing("texts.body")
		}
		req.Texts[i] = backbone.AnnouncementText{Language: *t.Language, Title: *t.Title, Body: *t.Body}
	}
	for i, a := range b.Actions {
		switch {
		case a.DisplayName == nil:
			return req, missing("actions.displayName")
		case a.Link == nil:
			return req, missing("actions.link")
		}
		req.Actions[i] = backbone.AnnouncementAction{DisplayName: a.DisplayName, Link: *a.Link}
	}
	return req, nil
}

type announcementIDInput struct {
	ID string `path:"id"`
}

type adminAnnouncementOutput struct {
	Body result[adminAnnouncementDTO]
}

type adminAnnouncementsOutput struct {
	Body result[[]adminAnnouncementDTO]
}

func (h *handlers) registerAdminAnnouncements(api huma.API) {
	tags := []string{"Announcements"}
	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-create-announcement", Method: http.MethodPost, Path: "/api/v1/Announcements",
		Summary:     "Publish an announcement",
		Description: "Unless it is silent, the devices of its recipients (of everyone, without recipients) get a NewAnnouncement push.",
		Tags:        tags, DefaultStatus: http.StatusCreated,
	}), func(ctx context.Context, in *createAnnouncementInput) (*adminAnnouncementOutput, error) {
		req, err := in.request()
		if err != nil {
			return nil, err
		}
		a, err := h.b.Announcements.Create(ctx, req)
		if err != nil {
			return nil, err
		}
		return &adminAnnouncementOutput{Body: result[adminAnnouncementDTO]{toAdminAnnouncementDTO(a)}}, nil
	})
	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-list-announcements", Method: http.MethodGet, Path: "/api/v1/Announcements",
		Summary: "List all announcements", Tags: tags,
	}), func(ctx context.Context, _ *struct{}) (*adminAnnouncementsOutput, error) {
		list, err := h.b.Announcements.List(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]adminAnnouncementDTO, len(list))
		for i, a := range list {
			out[i] = toAdminAnnouncementDTO(a)
		}
		return &adminAnnouncementsOutput{Body: result[[]adminAnnouncementDTO]{out}}, nil
	})
	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-get-announcement", Method: http.MethodGet, Path: "/api/v1/Announcements/{id}",
		Summary: "Get an announcement", Tags: tags,
	}), func(ctx context.Context, in *announcementIDInput) (*adminAnnouncementOutput, error) {
		a, err := h.b.Announcements.Get(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &adminAnnouncementOutput{Body: result[adminAnnouncementDTO]{toAdminAnnouncementDTO(a)}}, nil
	})
	huma.Register(api, h.adminOp(huma.Operation{
		OperationID: "admin-delete-announcement", Method: http.MethodDelete, Path: "/api/v1/Announcements/{id}",
		Summary: "Delete an announcement", Tags: tags, DefaultStatus: http.StatusNoContent,
	}), func(ctx context.Context, in *announcementIDInput) (*struct{}, error) {
		return nil, h.b.Announcements.Delete(ctx, in.ID)
	})
}
