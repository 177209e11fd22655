package httpapi

import (
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// An embedder who serves the API under a path prefix strips the prefix
// before the request reaches the handler (http.StripPrefix, or their
// router's equivalent), so routing never sees it. What the handler writes
// for the client to follow must still carry it: the OpenAPI document's
// servers (which the docs page also uses to find the document) and the
// Location of a created challenge. Options.BasePath and
// AdminOptions.BasePath say what the prefix is.

// cleanBasePath returns p as "/segment/…" without a trailing slash, or ""
// for the root.
func cleanBasePath(p string) string {
	p = strings.Trim(p, "/")
	if p == "" {
		return ""
	}
	return "/" + p
}

// withBasePath lists the prefix as the API's only server, a relative URL
// that works whatever host and scheme the client used.
func withBasePath(c huma.Config, basePath string) huma.Config {
	if bp := cleanBasePath(basePath); bp != "" {
		c.Servers = []*huma.Server{{URL: bp}}
	}
	return c
}
