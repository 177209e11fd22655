// Package httpapi serves a Backbone over HTTP: the enmeshed Consumer API on
// huma, wire-compatible with the official clients.
//
// New returns a ready http.Handler; Register adds the operations to a huma
// API an embedder already has. NewAdmin and RegisterAdmin do the same for
// the Admin API; Mount serves both on one listener. The request and response
// types are unexported: the OpenAPI documents under DocsPath and
// AdminDocsPath describe the wire format.
//
// The handlers work on any router and behind any middleware. Under a path
// prefix, strip it before the handler and name it in Options.BasePath:
//
//	mux.Handle("/backbone/", http.StripPrefix("/backbone",
//		httpapi.New(b, httpapi.Options{Logger: logger, BasePath: "/backbone"})))
//
// docs/embedding.md walks through whole programs (examples/).
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/openbackbone/openbackbone/backbone"
)

// Options tune the HTTP layer.
type Options struct {
	// Logger receives request failures; defaults to slog.Default().
	Logger *slog.Logger
	// Title and Version appear in the OpenAPI document.
	Title, Version string
	// SSEKeepAlive is the pause between keep-alive events on server-sent
	// event streams (default 240 s, as the reference).
	SSEKeepAlive time.Duration
	// BasePath is the path prefix the embedder serves the handler under,
	// e.g. "/backbone", after stripping it from requests themselves
	// (http.StripPrefix). It goes into the OpenAPI document's servers and
	// into absolute URLs the API answers with (basepath.go).
	BasePath string
}

// OpenAPIPath is where the OpenAPI document is served (with .json and
// .yaml suffixes); DocsPath serves a browsable page of it.
const (
	OpenAPIPath = "/docs/v2/openapi"
	DocsPath    = "/docs"
)

// New returns the Consumer API of b as an http.Handler, with the
// conventions (envelope, errors, case-insensitive routes, headers, body
// limit) in place, the OpenAPI document under /docs and /health.
func New(b *backbone.Backbone, opts Options) http.Handler {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Title == "" {
		opts.Title = "OpenBackbone Consumer API"
	}
	if opts.Version == "" {
		opts.Version = "2"
	}
	mux := http.NewServeMux()
	api := humago.New(mux, withBasePath(Config(opts.Title, opts.Version), opts.BasePath))
	Register(api, b, opts)
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("Healthy"))
	})
	mux.Handle("GET "+ReadinessPath, Readiness(b, opts.Logger))
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotFound) })
	return conventions(opts.Logger, newRouter(api, mux))
}

// Config is the huma configuration the API needs: JSON only, no $schema
// links in bodies (clients must see exactly the reference's shapes), docs
// under /docs. Embedders who build their own huma API should start from it.
func Config(title, version string) huma.Config {
	c := huma.DefaultConfig(title, version)
	c.CreateHooks = nil // drops the $schema link transformer
	c.OpenAPIPath = OpenAPIPath
	c.DocsPath = DocsPath
	c.Formats = map[string]huma.Format{"application/json": huma.DefaultJSONFormat, "json": huma.DefaultJSONFormat}
	c.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		securityBearer: {Type: "http", Scheme: "bearer", BearerFormat: "JWT", Description: "Access token from POST /connect/token"},
	}
	return c
}

const securityBearer = "bearer"

// Register adds the Consumer API's operations to api. It works with any huma
// API (humago, humatest, an embedder's own); the case-insensitive routing
// and response headers of New are then the embedder's to add.
func Register(api huma.API, b *backbone.Backbone, opts Options) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.SSEKeepAlive <= 0 {
		opts.SSEKeepAlive = 240 * time.Second
	}
	installErrorHook()
	api.UseMiddleware(authenticate(api, b))
	h := &handlers{b: b, logger: opts.Logger, opts: opts}
	h.registerToken(api)
	h.registerChallenges(api)
	h.registerIdentities(api)
	h.registerDevices(api)
	h.registerVersion(api)
	h.registerSyncRuns(api)
	h.registerDatawallet(api)
	h.registerRelationships(api)
	h.registerRelationshipTemplates(api)
	h.registerMessages(api)
	h.registerTokens(api)
	h.registerFiles(api)
	h.registerPush(api)
	h.registerDeletionProcesses(api)
	h.registerAnnouncements(api)
	h.registerTags(api)
	h.registerQuotas(api)
}

type handlers struct {
	b      *backbone.Backbone
	logger *slog.Logger
	opts   Options
	admin  AdminOptions
}

// op fills what every operation of ours shares: the body limit, our error
// mapping, and skipping huma's schema validation of bodies, because the
// reference binds property names case-insensitively and accepts numbers as
// strings, which a JSON schema cannot express; the services validate.
func (h *handlers) op(o huma.Operation, auth authMode) huma.Operation {
	o.MaxBodyBytes = maxBodyBytes
	o.SkipValidateBody = true
	if o.Metadata == nil {
		o.Metadata = map[string]any{}
	}
	o.Metadata[metaOurs] = h.logger
	o.Metadata[metaAuth] = auth
	if auth != authNone {
		o.Security = []map[string][]string{{securityBearer: {}}}
		if auth == authOptional {
			o.Security = append(o.Security, map[string][]string{})
		}
	}
	return o
}

// caller is who the auth middleware found for this request.
func caller(ctx context.Context) backbone.Caller { return backbone.CallerFrom(ctx) }
