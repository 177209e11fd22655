package httpapi

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/httpapi/internal/paging"
	"github.com/openbackbone/openbackbone/internal/b64"
)

// relationshipTemplateDTO is a template on the wire.
type relationshipTemplateDTO struct {
	ID                     string    `json:"id"`
	CreatedBy              string    `json:"createdBy"`
	CreatedByDevice        string    `json:"createdByDevice"`
	MaxNumberOfAllocations *int      `json:"maxNumberOfAllocations"`
	ExpiresAt              *wireTime `json:"expiresAt"`
	Content                wireBytes `json:"content"`
	CreatedAt              wireTime  `json:"createdAt"`
	ForIdentity            *string   `json:"forIdentity"`
}

func templateDTO(t backbone.RelationshipTemplate) relationshipTemplateDTO {
	content := wireBytes(t.Content)
	if content == nil {
		content = wireBytes{}
	}
	return relationshipTemplateDTO{
		ID: t.ID, CreatedBy: t.CreatedBy, CreatedByDevice: t.CreatedByDevice, MaxNumberOfAllocations: t.MaxNumberOfAllocations,
		ExpiresAt: toWireTimePtr(t.ExpiresAt), Content: content, CreatedAt: toWireTime(t.CreatedAt), ForIdentity: nullable(t.ForIdentity),
	}
}

type createTemplateInput struct {
	Body struct {
		Content                *wireBytes `json:"content"`
		ExpiresAt              *wireTime  `json:"expiresAt,omitempty"`
		MaxNumberOfAllocations *wireInt   `json:"maxNumberOfAllocations,omitempty"`
		ForIdentity            *string    `json:"forIdentity,omitempty"`
		Password               wireBytes  `json:"password,omitempty" doc:"1 to 200 bytes"`
	}
}

// createdDTO is the answer to creating a resource that returns only its
// ID and creation time.
type createdDTO struct {
	ID        string   `json:"id"`
	CreatedAt wireTime `json:"createdAt"`
}

type createdOutput struct {
	Body result[createdDTO]
}

type getTemplateInput struct {
	ID       string `path:"id"`
	Password string `query:"password" doc:"base64 (standard, percent-encoded) of the template password"`
}

type templateOutput struct {
	Body result[relationshipTemplateDTO]
}

// templateQueriesParam reads templates.{i}.id / templates.{i}.password (any
// case) from the query, the form the official client sends; a plain ids
// list is the fallback.
type templateQueriesParam struct {
	queries []backbone.TemplateQuery
	err     error
}

func (p *templateQueriesParam) Resolve(ctx huma.Context) []error {
	q, err := url.ParseQuery(ctx.URL().RawQuery)
	if err != nil {
		p.err = badInput("The query cannot be parsed.")
		return nil
	}
	items := map[int]*backbone.TemplateQuery{}
	var ids []string
	for key, vals := range q {
		k := strings.ToLower(key)
		if k == "ids" {
			ids = append(ids, vals...)
			continue
		}
		rest, ok := strings.CutPrefix(k, "templates.")
		if !ok || len(vals) == 0 {
			continue
		}
		idx, field, ok := strings.Cut(rest, ".")
		i, err := strconv.Atoi(idx)
		if !ok || err != nil || i < 0 || i > 1000 {
			continue
		}
		if items[i] == nil {
			items[i] = &backbone.TemplateQuery{}
		}
		switch field {
		case "id":
			items[i].ID = vals[0]
		case "password":
			pw, err := b64.Decode(vals[0])
			if err != nil {
				p.err = badInput("'templates.password': not valid base64.")
				return nil
			}
			items[i].Password = pw
		}
	}
	// Binding stops at the first index with neither key, as in the reference.
	for i := 0; items[i] != nil; i++ {
		p.queries = append(p.queries, *items[i])
	}
	if len(items) == 0 {
		for _, id := range ids {
			p.queries = append(p.queries, backbone.TemplateQuery{ID: id})
		}
	}
	return nil
}

type listTemplatesInput struct {
	paging.Query
	templateQueriesParam
}

type templatesOutput struct {
	Body paged[relationshipTemplateDTO]
}

type templateIDInput struct {
	ID string `path:"id"`
}

// publicTemplateReferenceDTO points to a template an operator publishes.
type publicTemplateReferenceDTO struct {
	Title              string `json:"title"`
	Description        string `json:"description"`
	TruncatedReference string `json:"truncatedReference"`
}

type publicReferencesOutput struct {
	Body result[[]publicTemplateReferenceDTO]
}

func (h *handlers) registerRelationshipTemplates(api huma.API) {
	tags := []string{"RelationshipTemplates"}
	huma.Register(api, h.op(huma.Operation{
		OperationID: "create-relationship-template", Method: http.MethodPost, Path: "/api/v2/RelationshipTemplates",
		Summary: "Create a relationship template", Tags: tags, DefaultStatus: http.StatusCreated,
	}, authRequired), func(ctx context.Context, in *createTemplateInput) (*createdOutput, error) {
		body := in.Body
		if body.Content == nil {
			return nil, missing("content")
		}
		req := backbone.CreateTemplateRequest{Content: *body.Content, Password: body.Password}
		if body.ExpiresAt != nil {
			t := time.Time(*body.ExpiresAt)
			req.ExpiresAt = &t
		}
		if body.MaxNumberOfAllocations != nil {
			n := int(*body.MaxNumberOfAllocations)
			req.MaxNumberOfAllocations = &n
		}
		if body.ForIdentity != nil {
			req.ForIdentity = *body.ForIdentity
		}
		t, err := h.b.RelationshipTemplates.Create(ctx, caller(ctx), req)
		if err != nil {
			return nil, err
		}
		return &createdOutput{Body: result[createdDTO]{createdDTO{ID: t.ID, CreatedAt: toWireTime(t.CreatedAt)}}}, nil
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "get-relationship-template", Method: http.MethodGet, Path: "/api/v2/RelationshipTemplates/{id}",
		Summary: "Get a relationship template", Description: "Reading a template allocates it for the caller.", Tags: tags,
	}, authRequired), func(ctx context.Context, in *getTemplateInput) (*templateOutput, error) {
		password, err := queryPassword(in.Password)
		if err != nil {
			return nil, err
		}
		t, err := h.b.RelationshipTemplates.Get(ctx, caller(ctx), in.ID, password)
		if err != nil {
			return nil, err
		}
		return &templateOutput{Body: result[relationshipTemplateDTO]{templateDTO(t)}}, nil
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "list-relationship-templates", Method: http.MethodGet, Path: "/api/v2/RelationshipTemplates",
		Summary:     "List relationship templates by ID and password",
		Description: "Query templates.{i}.id and templates.{i}.password for i = 0, 1, …; ids=… without passwords as a fallback. Allocates nothing.",
		Tags:        tags,
	}, authRequired), func(ctx context.Context, in *listTemplatesInput) (*templatesOutput, error) {
		if in.err != nil {
			return nil, in.err
		}
		p, err := h.b.RelationshipTemplates.List(ctx, caller(ctx), in.queries, in.Request())
		if err != nil {
			return nil, err
		}
		return &templatesOutput{Body: toPaged(p, templateDTO)}, nil
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "delete-relationship-template", Method: http.MethodDelete, Path: "/api/v2/RelationshipTemplates/{id}",
		Summary: "Delete a relationship template of the caller", Tags: tags, DefaultStatus: http.StatusNoContent,
	}, authRequired), func(ctx context.Context, in *templateIDInput) (*struct{}, error) {
		return nil, h.b.RelationshipTemplates.Delete(ctx, caller(ctx), in.ID)
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "list-public-relationship-template-references", Method: http.MethodGet, Path: "/api/poc/PublicRelationshipTemplateReferences",
		Summary: "List the templates the operator publishes for the caller's app", Tags: tags,
	}, authRequired), func(ctx context.Context, _ *struct{}) (*publicReferencesOutput, error) {
		refs := h.b.Config().PublicRelationshipTemplateReferences[caller(ctx).ClientID]
		out := make([]publicTemplateReferenceDTO, len(refs))
		for i, r := range refs {
			out[i] = publicTemplateReferenceDTO{Title: r.Title, Description: r.Description, TruncatedReference: r.TruncatedReference}
		}
		return &publicReferencesOutput{Body: result[[]publicTemplateReferenceDTO]{out}}, nil
	})
}
