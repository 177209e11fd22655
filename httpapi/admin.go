package httpapi

// The Admin API: the operator's API under /api/v1, as the reference's
// Applications/AdminApi serves it.
//
// Every operation needs the header X-API-KEY with the configured key; an
// empty configured key locks the whole Admin API (401), unlike the
// reference, where it opens it. Unsafe methods (POST, PUT, PATCH, DELETE)
// also need the XSRF pair: GET /api/v1/xsrf (anonymous) answers a plain-text
// token and sets the cookie X-XSRF-COOKIE; later requests send the token in
// the header X-XSRF-TOKEN together with that cookie. A missing or mismatched
// pair is a 400 with the message "xsrf-token-may-be-invalid". The pair is
// stateless (an HMAC over a random nonce), so it works across replicas that
// share AdminOptions.XSRFKey.
//
// Areas add their operations in a method on *handlers in their own file
// (httpapi/admin_<area>.go), registered with h.adminOp(huma.Operation{…}),
// and one call line in RegisterAdmin. Tests call admin endpoints through
// the harness helper s.admin(method, path, body) in admin_harness_test.go,
// which sends the test key and does the XSRF dance.

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"log/slog"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/openbackbone/openbackbone/backbone"
)

// AdminOptions tune the Admin API.
type AdminOptions struct {
	// APIKey is the key every Admin API request must send in X-API-KEY.
	// Empty means no request is admitted.
	APIKey string
	// XSRFKey signs XSRF tokens. Replicas behind one load balancer need the
	// same key; empty means a random key per process.
	XSRFKey []byte
	// Logger receives request failures; defaults to slog.Default().
	Logger *slog.Logger
	// Title and Version appear in the OpenAPI document.
	Title, Version string
	// BasePath is the path prefix the embedder serves the handler under,
	// as Options.BasePath.
	BasePath string
}

// Paths of the Admin API's OpenAPI document and docs page, beside the
// Consumer API's /docs/v2.
const (
	AdminOpenAPIPath = "/docs/v1/openapi"
	AdminDocsPath    = "/docs/v1"
)

const (
	apiKeyHeader    = "X-API-KEY"
	xsrfCookieName  = "X-XSRF-COOKIE"
	xsrfHeaderName  = "X-XSRF-TOKEN"
	securityAPIKey  = "apiKey"
	metaAdmin       = "openbackbone.admin"
	xsrfNonceLength = 16
)

// codeXSRFTokenInvalid is the code of the 400 for a missing or wrong XSRF
// pair; the reference sends a ProblemDetails with this detail instead.
const codeXSRFTokenInvalid = "error.platform.xsrfTokenMayBeInvalid"

// NewAdmin returns the Admin API of b as an http.Handler with the same
// conventions as New, its OpenAPI document under /docs/v1.
func NewAdmin(b *backbone.Backbone, opts AdminOptions) http.Handler {
	opts = opts.withDefaults()
	mux := http.NewServeMux()
	cfg := Config(opts.Title, opts.Version)
	cfg.OpenAPIPath = AdminOpenAPIPath
	cfg.DocsPath = AdminDocsPath
	cfg = withBasePath(cfg, opts.BasePath)
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		securityAPIKey: {Type: "apiKey", In: "header", Name: apiKeyHeader, Description: "The configured Admin API key"},
	}
	api := humago.New(mux, cfg)
	RegisterAdmin(api, b, opts)
	// Only reached on a listener of its own: Mount leaves /health to the
	// Consumer API.
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("Healthy"))
	})
	mux.Handle("GET "+ReadinessPath, Readiness(b, opts.Logger))
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotFound) })
	rt := newRouter(api, mux)
	return &adminHandler{routes: rt, next: conventions(opts.Logger, rt)}
}

type adminHandler struct {
	routes *router
	next   http.Handler
}

func (a *adminHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.next.ServeHTTP(w, r) }

// handles tells whether the request is for the Admin API: one of its
// routes (any method) or its docs.
func (a *adminHandler) handles(r *http.Request) bool {
	p := strings.ToLower(r.URL.Path)
	if p == AdminDocsPath || strings.HasPrefix(p, AdminDocsPath+"/") || strings.HasPrefix(p, AdminOpenAPIPath) {
		return true
	}
	segments := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	for i := range a.routes.routes {
		if a.routes.routes[i].matches(segments) {
			return true
		}
	}
	return false
}

// Mount serves the Consumer API and the Admin API on one listener: the
// Admin API's routes and docs go to admin, everything else (including the
// Consumer API's own /api/v1/sse) to consumer. admin must come from
// NewAdmin.
func Mount(consumer, admin http.Handler) http.Handler {
	a, ok := admin.(*adminHandler)
	if !ok {
		panic("httpapi: Mount needs the handler NewAdmin returns")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.handles(r) {
			a.ServeHTTP(w, r)
			return
		}
		consumer.ServeHTTP(w, r)
	})
}

func (o AdminOptions) withDefaults() AdminOptions {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Title == "" {
		o.Title = "OpenBackbone Admin API"
	}
	if o.Version == "" {
		o.Version = "1"
	}
	if len(o.XSRFKey) == 0 {
		o.XSRFKey = make([]byte, 32)
		_, _ = rand.Read(o.XSRFKey)
	}
	return o
}

// RegisterAdmin adds the Admin API's operations to api, which may be the
// Consumer API's huma API or one of its own.
func RegisterAdmin(api huma.API, b *backbone.Backbone, opts AdminOptions) {
	opts = opts.withDefaults()
	installErrorHook()
	api.UseMiddleware(adminGate(opts))
	h := &handlers{b: b, logger: opts.Logger, admin: opts}
	h.registerAdminAuth(api)
	h.registerAdminClients(api)
	h.registerAdminTiers(api)
	h.registerAdminIdentities(api)
	h.registerAdminLists(api)
	// Areas register their Admin API operations here.
	h.registerAdminDeletion(api)
	h.registerAdminQuotas(api)
	h.registerAdminAnnouncements(api)
}

type adminMode int

const (
	adminKeyed     adminMode = iota + 1 // API key required, XSRF for unsafe methods
	adminAnonymous                      // ValidateApiKey and xsrf
)

// adminOp marks o as an Admin API operation: API key required, XSRF checked
// for unsafe methods, the body limit and our error mapping.
func (h *handlers) adminOp(o huma.Operation) huma.Operation {
	o = h.op(o, authNone)
	o.Metadata[metaAdmin] = adminKeyed
	o.Security = []map[string][]string{{securityAPIKey: {}}}
	if len(o.Tags) == 0 {
		o.Tags = []string{"Admin"}
	}
	return o
}

func (h *handlers) adminAnonymousOp(o huma.Operation) huma.Operation {
	o = h.op(o, authNone)
	o.Metadata[metaAdmin] = adminAnonymous
	return o
}

// adminGate admits Admin API requests: the key first (401 with an empty
// body, as the reference), then the XSRF pair on unsafe methods.
func adminGate(opts AdminOptions) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		mode, _ := ctx.Operation().Metadata[metaAdmin].(adminMode)
		if mode != adminKeyed {
			next(ctx)
			return
		}
		if !validAPIKey(opts.APIKey, ctx.Header(apiKeyHeader)) {
			ctx.SetStatus(http.StatusUnauthorized)
			return
		}
		switch ctx.Method() {
		case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		default:
			cookie, err := huma.ReadCookie(ctx, xsrfCookieName)
			if err != nil || !validXSRF(opts.XSRFKey, cookie.Value, ctx.Header(xsrfHeaderName)) {
				env := envelope(&backbone.Error{Kind: backbone.KindInvalid, Code: codeXSRFTokenInvalid, Message: "xsrf-token-may-be-invalid"})
				ctx.SetHeader("Content-Type", "application/json; charset=utf-8")
				ctx.SetStatus(env.status)
				_ = huma.DefaultJSONFormat.Marshal(ctx.BodyWriter(), env)
				return
			}
		}
		next(ctx)
	}
}

// validAPIKey compares in constant time; an empty configured key admits
// nobody.
func validAPIKey(configured, sent string) bool {
	if configured == "" {
		return false
	}
	a := sha256.Sum256([]byte(configured))
	b := sha256.Sum256([]byte(sent))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// newXSRF returns a cookie value and the matching request token. Both are
// derived from one nonce under different labels, so neither alone is the
// other, and a server holding the key checks them without state.
func newXSRF(key []byte) (cookie, token string) {
	nonce := make([]byte, xsrfNonceLength)
	_, _ = rand.Read(nonce)
	cookie = base64.RawURLEncoding.EncodeToString(append(nonce, xsrfMAC(key, "cookie", nonce)...))
	token = base64.RawURLEncoding.EncodeToString(xsrfMAC(key, "token", nonce))
	return cookie, token
}

func validXSRF(key []byte, cookie, token string) bool {
	raw, err := base64.RawURLEncoding.DecodeString(cookie)
	if err != nil || len(raw) != xsrfNonceLength+sha256.Size || token == "" {
		return false
	}
	nonce, mac := raw[:xsrfNonceLength], raw[xsrfNonceLength:]
	if !hmac.Equal(mac, xsrfMAC(key, "cookie", nonce)) {
		return false
	}
	sent, err := base64.RawURLEncoding.DecodeString(token)
	return err == nil && hmac.Equal(sent, xsrfMAC(key, "token", nonce))
}

func xsrfMAC(key []byte, label string, nonce []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("openbackbone-xsrf-" + label + ":"))
	m.Write(nonce)
	return m.Sum(nil)
}

type validateAPIKeyInput struct {
	Body struct {
		APIKey *string `json:"apiKey,omitempty"`
	}
}

type validateAPIKeyOutput struct {
	Body struct {
		IsValid bool `json:"isValid"`
	}
}

// xsrfInput notes whether the request came over TLS, so that the cookie is
// then sent back only over TLS.
type xsrfInput struct{ tls bool }

func (i *xsrfInput) Resolve(ctx huma.Context) []error {
	i.tls = ctx.TLS() != nil
	return nil
}

type xsrfOutput struct {
	ContentType string      `header:"Content-Type"`
	SetCookie   http.Cookie `header:"Set-Cookie"`
	Body        []byte
}

func (h *handlers) registerAdminAuth(api huma.API) {
	huma.Register(api, h.adminAnonymousOp(huma.Operation{
		OperationID: "admin-validate-api-key", Method: http.MethodPost, Path: "/api/v1/ValidateApiKey",
		Summary: "Tell whether an API key is valid", Tags: []string{"Admin"},
		Description: "Anonymous; the body is not wrapped in the result envelope.",
	}), func(_ context.Context, in *validateAPIKeyInput) (*validateAPIKeyOutput, error) {
		out := &validateAPIKeyOutput{}
		out.Body.IsValid = in.Body.APIKey != nil && validAPIKey(h.admin.APIKey, *in.Body.APIKey)
		return out, nil
	})
	huma.Register(api, h.adminAnonymousOp(huma.Operation{
		OperationID: "admin-xsrf", Method: http.MethodGet, Path: "/api/v1/xsrf",
		Summary: "Get an XSRF token", Tags: []string{"Admin"},
		Description: "Answers the token as plain text and sets the cookie X-XSRF-COOKIE; unsafe Admin API requests send the token in X-XSRF-TOKEN with the cookie.",
		Responses:   map[string]*huma.Response{"200": {Description: "The token", Content: map[string]*huma.MediaType{"text/plain": {Schema: &huma.Schema{Type: "string"}}}}},
	}), func(_ context.Context, in *xsrfInput) (*xsrfOutput, error) {
		cookie, token := newXSRF(h.admin.XSRFKey)
		return &xsrfOutput{
			ContentType: "text/plain; charset=utf-8",
			SetCookie:   http.Cookie{Name: xsrfCookieName, Value: cookie, Path: "/", SameSite: http.SameSiteStrictMode, Secure: in.tls},
			Body:        []byte(token),
		}, nil
	})
}
