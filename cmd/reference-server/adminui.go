package main

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/openbackbone/openbackbone/adminui"
	"github.com/openbackbone/openbackbone/internal/config"
)

// adminUIPrefix is where the operator's web UI is served. It is served by
// whichever listener serves the Admin API, because the page calls
// /api/v1 on its own origin.
const adminUIPrefix = "/admin/"

// withAdminUI puts the Admin UI in front of the handler that serves the
// Admin API: admin when the Admin API has its own listener, main
// otherwise. Without an API key nobody could log in, so the UI is left
// out then.
func withAdminUI(cfg config.Config, logger *slog.Logger, main, admin http.Handler) (http.Handler, http.Handler, error) {
	if !cfg.Admin.UI || cfg.Admin.APIKey == "" {
		return main, admin, nil
	}
	ui, err := adminui.Handler(adminui.Options{Prefix: adminUIPrefix, APIBase: "/api/v1"})
	if err != nil {
		return nil, nil, err
	}
	where := "main listener"
	if admin != nil {
		admin, where = serveUI(ui, admin), "admin listener"
	} else {
		main = serveUI(ui, main)
	}
	logger.Info("serving the Admin UI", "path", adminUIPrefix, "on", where)
	return main, admin, nil
}

// serveUI sends the UI's paths to ui and every other request to next
// untouched: a prefix check rather than a ServeMux, because a mux would
// redirect unclean paths the APIs answer themselves.
func serveUI(ui, next http.Handler) http.Handler {
	bare := strings.TrimSuffix(adminUIPrefix, "/")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == bare || strings.HasPrefix(r.URL.Path, adminUIPrefix) {
			ui.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
