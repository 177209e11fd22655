// Package adminui serves the operator's web interface to the Admin API: a
// handful of static files (HTML, CSS, JavaScript modules) embedded in the
// binary, with no build step and nothing loaded from elsewhere.
//
// The page holds no data of its own. It asks for the API key first, checks
// it with POST <api>/ValidateApiKey, keeps it in the tab's sessionStorage
// and sends it as X-API-KEY, together with the XSRF token from
// GET <api>/xsrf, on every Admin API call. Until a key is accepted it shows
// the login form only and makes no data requests.
//
// Everything from the API is put into the page as text nodes, never as
// markup, and the page runs under a strict Content-Security-Policy that
// allows only its own scripts and styles.
package adminui

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var static embed.FS

// Options configure the UI.
type Options struct {
	// Prefix is the path the handler is mounted under, with a trailing
	// slash (default "/admin/").
	Prefix string
	// APIBase is the Admin API's base path or URL as the browser sees it
	// (default "/api/v1"). It must be same-origin unless the Admin API
	// allows the UI's origin with CORS, and connect-src is widened to it.
	APIBase string
}

// ContentSecurityPolicy is the policy every response of the handler carries:
// scripts, styles and fetches from the page's own origin only, no inline
// code, no frames, no plugins.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Handler returns the UI. Mount it at opts.Prefix, for example
// mux.Handle("/admin/", adminui.Handler(adminui.Options{})); a request for
// the prefix without its trailing slash is redirected to it.
func Handler(opts Options) (http.Handler, error) {
	if opts.Prefix == "" {
		opts.Prefix = "/admin/"
	}
	if !strings.HasPrefix(opts.Prefix, "/") || !strings.HasSuffix(opts.Prefix, "/") {
		return nil, fmt.Errorf("adminui: prefix %q must start and end with a slash", opts.Prefix)
	}
	if opts.APIBase == "" {
		opts.APIBase = "/api/v1"
	}
	opts.APIBase = strings.TrimSuffix(opts.APIBase, "/")
	files, err := fs.Sub(static, "static")
	if err != nil {
		return nil, err
	}
	tmpl, err := template.ParseFS(files, "index.html")
	if err != nil {
		return nil, fmt.Errorf("adminui: %w", err)
	}
	var index bytes.Buffer
	if err := tmpl.Execute(&index, opts); err != nil {
		return nil, fmt.Errorf("adminui: %w", err)
	}
	return &handler{opts: opts, files: files, index: index.Bytes()}, nil
}

type handler struct {
	opts  Options
	files fs.FS
	index []byte
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", ContentSecurityPolicy)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("X-Frame-Options", "Deny")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("Cross-Origin-Opener-Policy", "same-origin")
	hdr.Set("Cross-Origin-Resource-Policy", "same-origin")
	// The files change only with the binary; revalidating costs little
	// and an upgraded server never runs with a stale script.
	hdr.Set("Cache-Control", "no-cache")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.URL.Path == strings.TrimSuffix(h.opts.Prefix, "/") {
		http.Redirect(w, r, h.opts.Prefix, http.StatusMovedPermanently)
		return
	}
	name, ok := strings.CutPrefix(r.URL.Path, h.opts.Prefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	if name == "" || name == "index.html" {
		hdr.Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(h.index)
		return
	}
	// index.html is a template; only its rendered form is served.
	if name != path.Clean(name) || strings.HasPrefix(name, ".") || !strings.Contains(name, ".") {
		http.NotFound(w, r)
		return
	}
	body, err := fs.ReadFile(h.files, name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	hdr.Set("Content-Type", ct)
	_, _ = w.Write(body)
}
