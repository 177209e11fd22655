package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/openbackbone/openbackbone/backbone"
)

// challengeDTO is a challenge on the wire.
type challengeDTO struct {
	ID              string   `json:"id"`
	ExpiresAt       wireTime `json:"expiresAt"`
	CreatedBy       *string  `json:"createdBy"`
	CreatedByDevice *string  `json:"createdByDevice"`
}

func toChallengeDTO(c backbone.Challenge) challengeDTO {
	return challengeDTO{ID: c.ID, ExpiresAt: toWireTime(c.ExpiresAt), CreatedBy: nullable(c.CreatedBy), CreatedByDevice: nullable(c.CreatedByDevice)}
}

// requestURL gives a handler the scheme and host the client used, for
// absolute Location headers.
type requestURL struct{ base string }

func (u *requestURL) Resolve(ctx huma.Context) []error {
	scheme := "http"
	if ctx.TLS() != nil {
		scheme = "https"
	}
	if p := ctx.Header("X-Forwarded-Proto"); p == "http" || p == "https" {
		scheme = p
	}
	u.base = scheme + "://" + ctx.Host()
	return nil
}

type createChallengeInput struct {
	requestURL
}

type createChallengeOutput struct {
	Location string `header:"Location"`
	Body     result[challengeDTO]
}

type getChallengeInput struct {
	ID string `path:"id"`
}

type challengeOutput struct {
	Body result[challengeDTO]
}

func (h *handlers) registerChallenges(api huma.API) {
	huma.Register(api, h.op(huma.Operation{
		OperationID:   "create-challenge",
		Method:        http.MethodPost,
		Path:          "/api/v2/Challenges",
		Summary:       "Create a challenge",
		Description:   "Anonymous or authenticated; an authenticated caller is recorded as the creator.",
		Tags:          []string{"Challenges"},
		DefaultStatus: http.StatusCreated,
	}, authOptional), func(ctx context.Context, in *createChallengeInput) (*createChallengeOutput, error) {
		c, err := h.b.Challenges.Create(ctx, caller(ctx))
		if err != nil {
			return nil, err
		}
		return &createChallengeOutput{Location: in.base + cleanBasePath(h.opts.BasePath) + "/api/v2/Challenges/" + c.ID, Body: result[challengeDTO]{toChallengeDTO(c)}}, nil
	})

	huma.Register(api, h.op(huma.Operation{
		OperationID: "get-challenge",
		Method:      http.MethodGet,
		Path:        "/api/v2/Challenges/{id}",
		Summary:     "Get a challenge",
		Tags:        []string{"Challenges"},
	}, authRequired), func(ctx context.Context, in *getChallengeInput) (*challengeOutput, error) {
		c, err := h.b.Challenges.Get(ctx, caller(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		return &challengeOutput{Body: result[challengeDTO]{toChallengeDTO(c)}}, nil
	})
}

// nullable turns "" into JSON null.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
