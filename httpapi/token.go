package httpapi

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/openbackbone/openbackbone/backbone"
)

type tokenInput struct {
	Authorization string `header:"Authorization" doc:"client credentials may also come as HTTP Basic"`
	RawBody       []byte `contentType:"application/x-www-form-urlencoded"`
}

// tokenResponse is standard OAuth JSON, without the API envelope: an access
// token on success, error and error_description otherwise.
type tokenResponse struct {
	AccessToken      string `json:"access_token,omitempty"`
	TokenType        string `json:"token_type,omitempty"`
	ExpiresIn        int    `json:"expires_in,omitempty"`
	Error            string `json:"error,omitempty"`
	ErrorDescription string `json:"error_description,omitempty"`
}

type tokenOutput struct {
	Status       int
	CacheControl string `header:"Cache-Control"`
	Pragma       string `header:"Pragma"`
	Body         tokenResponse
}

func (h *handlers) registerToken(api huma.API) {
	huma.Register(api, h.op(huma.Operation{
		OperationID: "connect-token",
		Method:      http.MethodPost,
		Path:        "/connect/token",
		Summary:     "Log a device in (OAuth 2.0 password grant)",
		Tags:        []string{"Authentication"},
		Errors:      []int{http.StatusBadRequest, http.StatusUnauthorized},
	}, authNone), h.token)
}

func (h *handlers) token(ctx context.Context, in *tokenInput) (*tokenOutput, error) {
	out := &tokenOutput{Status: http.StatusOK, CacheControl: "no-store", Pragma: "no-cache"}
	fail := func(status int, code, desc string) (*tokenOutput, error) {
		out.Status, out.Body = status, tokenResponse{Error: code, ErrorDescription: desc}
		return out, nil
	}
	form, err := url.ParseQuery(string(in.RawBody))
	if err != nil {
		return fail(http.StatusBadRequest, backbone.OAuthInvalidRequest, "The request body must be application/x-www-form-urlencoded.")
	}
	grant := backbone.PasswordGrant{
		ClientID: form.Get("client_id"), ClientSecret: form.Get("client_secret"),
		Username: form.Get("username"), Password: form.Get("password"),
	}
	if id, secret, ok := basicAuth(in.Authorization); ok && grant.ClientID == "" {
		grant.ClientID, grant.ClientSecret = id, secret
	}
	switch {
	case form.Get("grant_type") == "":
		return fail(http.StatusBadRequest, backbone.OAuthInvalidRequest, "The mandatory 'grant_type' parameter is missing.")
	case form.Get("grant_type") != "password":
		return fail(http.StatusBadRequest, backbone.OAuthUnsupportedGrantType, "The specified 'grant_type' is not supported.")
	case grant.ClientID == "":
		return fail(http.StatusBadRequest, backbone.OAuthInvalidRequest, "The mandatory 'client_id' parameter is missing.")
	}
	token, err := h.b.Auth.Login(ctx, grant)
	if err != nil {
		e := backbone.AsError(err)
		switch e.Kind {
		case backbone.KindUnauthenticated:
			return fail(http.StatusUnauthorized, e.Code, e.Message)
		case backbone.KindInvalid:
			return fail(http.StatusBadRequest, e.Code, e.Message)
		}
		return nil, err
	}
	out.Body = tokenResponse{AccessToken: token.Token, TokenType: "Bearer", ExpiresIn: int(token.ExpiresIn.Seconds())}
	return out, nil
}

func basicAuth(header string) (id, secret string, ok bool) {
	enc, found := strings.CutPrefix(header, "Basic ")
	if !found {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil {
		return "", "", false
	}
	id, secret, ok = strings.Cut(string(raw), ":")
	if !ok {
		return "", "", false
	}
	id, err1 := url.QueryUnescape(id)
	secret, err2 := url.QueryUnescape(secret)
	return id, secret, err1 == nil && err2 == nil
}
