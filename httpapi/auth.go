package httpapi

import (
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/openbackbone/openbackbone/backbone"
)

type authMode int

const (
	authNone     authMode = iota // anonymous; a token is ignored
	authRequired                 // 401 without a valid token
	authOptional                 // a valid token identifies the caller; an invalid one is ignored
)

const metaAuth = "openbackbone.auth"

// authenticate checks the bearer token of operations that want one and puts
// the caller into the request context. A missing or bad token on a
// protected operation is a 401 with an empty body, which clients take as
// "log in again".
func authenticate(api huma.API, b *backbone.Backbone) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		mode, _ := ctx.Operation().Metadata[metaAuth].(authMode)
		if mode == authNone {
			next(ctx)
			return
		}
		token, ok := strings.CutPrefix(ctx.Header("Authorization"), "Bearer ")
		var c backbone.Caller
		var err error
		if ok {
			c, err = b.Auth.Authenticate(strings.TrimSpace(token))
		}
		if !ok || err != nil {
			if mode == authOptional {
				next(ctx)
				return
			}
			desc := "The access token is missing."
			if ok {
				desc = "The access token is invalid or has expired."
			}
			ctx.SetHeader("WWW-Authenticate", `Bearer error="invalid_token", error_description="`+desc+`"`)
			ctx.SetStatus(http.StatusUnauthorized)
			return
		}
		next(huma.WithContext(ctx, backbone.WithCaller(ctx.Context(), c)))
	}
}
