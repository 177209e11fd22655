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
)

// tokenDTO is a token on the wire.
type tokenDTO struct {
	ID                  string    `json:"id"`
	CreatedBy           *string   `json:"createdBy"`
	CreatedByDevice     *string   `json:"createdByDevice"`
	ForIdentity         *string   `json:"forIdentity"`
	CreatedAt           wireTime  `json:"createdAt"`
	ExpiresAt           wireTime  `json:"expiresAt"`
	Content             wireBytes `json:"content"`
	IsPasswordProtected bool      `json:"isPasswordProtected"`
}

func toTokenDTO(t backbone.Token) tokenDTO {
	return tokenDTO{
		ID: t.ID, CreatedBy: nullable(t.CreatedBy), CreatedByDevice: nullable(t.CreatedByDevice), ForIdentity: nullable(t.ForIdentity),
		CreatedAt: toWireTime(t.CreatedAt), ExpiresAt: toWireTime(t.ExpiresAt), Content: t.Content, IsPasswordProtected: len(t.Password) > 0,
	}
}

type createTokenInput struct {
	Body struct {
		Content     wireBytes `json:"content,omitempty"`
		ExpiresAt   *wireTime `json:"expiresAt"`
		ForIdentity *string   `json:"forIdentity,omitempty"`
		Password    wireBytes `json:"password,omitempty"`
	}
}

type getTokenInput struct {
	ID       string `path:"id"`
	Password string `query:"password" doc:"base64 (standard, percent-encoded) of the token password"`
}

type tokenDTOOutput struct {
	Body result[tokenDTO]
}

// tokenIDsParam reads ids=… and, as a fallback, tokens.{i}.id.
type tokenIDsParam struct{ ids []string }

func (p *tokenIDsParam) Resolve(ctx huma.Context) []error {
	q, _ := url.ParseQuery(ctx.URL().RawQuery)
	legacy := map[int]string{}
	for key, vals := range q {
		k := strings.ToLower(key)
		if k == "ids" {
			p.ids = append(p.ids, vals...)
		} else if rest, ok := strings.CutPrefix(k, "tokens."); ok && strings.HasSuffix(rest, ".id") && len(vals) > 0 {
			if i, err := strconv.Atoi(strings.TrimSuffix(rest, ".id")); err == nil && i >= 0 && i <= 1000 {
				legacy[i] = vals[0]
			}
		}
	}
	if len(p.ids) == 0 {
		for i := 0; legacy[i] != ""; i++ {
			p.ids = append(p.ids, legacy[i])
		}
	}
	return nil
}

type listTokensInput struct {
	paging.Query
	tokenIDsParam
}

type tokensOutput struct {
	Body paged[tokenDTO]
}

type tokenIDInput struct {
	ID string `path:"id"`
}

type updateTokenContentInput struct {
	ID   string `path:"id"`
	Body struct {
		NewContent *wireBytes `json:"newContent"`
		Password   wireBytes  `json:"password,omitempty"`
	}
}

// updatedTokenDTO is a token after its content was filled in.
type updatedTokenDTO struct {
	ID                  string   `json:"id"`
	CreatedBy           string   `json:"createdBy"`
	CreatedByDevice     string   `json:"createdByDevice"`
	ForIdentity         *string  `json:"forIdentity"`
	CreatedAt           wireTime `json:"createdAt"`
	ExpiresAt           wireTime `json:"expiresAt"`
	IsPasswordProtected bool     `json:"isPasswordProtected"`
}

type updatedTokenOutput struct {
	Body result[updatedTokenDTO]
}

func (h *handlers) registerTokens(api huma.API) {
	tags := []string{"Tokens"}
	huma.Register(api, h.op(huma.Operation{
		OperationID: "create-token", Method: http.MethodPost, Path: "/api/v2/Tokens",
		Summary: "Create a token", Description: "Anonymous callers may create empty tokens that expire within five minutes.",
		Tags: tags, DefaultStatus: http.StatusCreated,
	}, authOptional), func(ctx context.Context, in *createTokenInput) (*createdOutput, error) {
		if in.Body.ExpiresAt == nil {
			return nil, missing("expiresAt")
		}
		req := backbone.CreateTokenRequest{Content: in.Body.Content, ExpiresAt: time.Time(*in.Body.ExpiresAt), Password: in.Body.Password}
		if in.Body.ForIdentity != nil {
			req.ForIdentity = *in.Body.ForIdentity
		}
		t, err := h.b.Tokens.Create(ctx, caller(ctx), req)
		if err != nil {
			return nil, err
		}
		return &createdOutput{Body: result[createdDTO]{createdDTO{ID: t.ID, CreatedAt: toWireTime(t.CreatedAt)}}}, nil
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "get-token", Method: http.MethodGet, Path: "/api/v2/Tokens/{id}",
		Summary: "Get a token", Description: "Anonymous callers may read tokens; an authenticated reader allocates the token.", Tags: tags,
	}, authOptional), func(ctx context.Context, in *getTokenInput) (*tokenDTOOutput, error) {
		password, err := queryPassword(in.Password)
		if err != nil {
			return nil, err
		}
		t, err := h.b.Tokens.Get(ctx, caller(ctx), in.ID, password)
		if err != nil {
			return nil, err
		}
		return &tokenDTOOutput{Body: result[tokenDTO]{toTokenDTO(t)}}, nil
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "list-tokens", Method: http.MethodGet, Path: "/api/v2/Tokens",
		Summary: "List tokens the caller created or allocated", Description: "Query ids=… (or the legacy tokens.{i}.id).", Tags: tags,
	}, authRequired), func(ctx context.Context, in *listTokensInput) (*tokensOutput, error) {
		p, err := h.b.Tokens.List(ctx, caller(ctx), in.ids, in.Request())
		if err != nil {
			return nil, err
		}
		return &tokensOutput{Body: toPaged(p, toTokenDTO)}, nil
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "delete-token", Method: http.MethodDelete, Path: "/api/v2/Tokens/{id}",
		Summary: "Delete a token the caller created", Tags: tags, DefaultStatus: http.StatusNoContent,
	}, authRequired), func(ctx context.Context, in *tokenIDInput) (*struct{}, error) {
		return nil, h.b.Tokens.Delete(ctx, caller(ctx), in.ID)
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "update-token-content", Method: http.MethodPost, Path: "/api/v2/Tokens/{id}/UpdateContent",
		Summary: "Fill an empty token", Description: "The caller becomes the token's creator.", Tags: tags,
	}, authRequired), func(ctx context.Context, in *updateTokenContentInput) (*updatedTokenOutput, error) {
		if in.Body.NewContent == nil {
			return nil, missing("newContent")
		}
		t, err := h.b.Tokens.UpdateContent(ctx, caller(ctx), in.ID, *in.Body.NewContent, in.Body.Password)
		if err != nil {
			return nil, err
		}
		return &updatedTokenOutput{Body: result[updatedTokenDTO]{updatedTokenDTO{
			ID: t.ID, CreatedBy: t.CreatedBy, CreatedByDevice: t.CreatedByDevice, ForIdentity: nullable(t.ForIdentity),
			CreatedAt: toWireTime(t.CreatedAt), ExpiresAt: toWireTime(t.ExpiresAt), IsPasswordProtected: len(t.Password) > 0,
		}}}, nil
	})
}
