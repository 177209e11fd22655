package main

import (
	"log/slog"
	"net/http"

	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/httpapi"
	"github.com/openbackbone/openbackbone/internal/config"
)

// apiHandlers returns what the listeners serve: main on cfg.Listen and,
// when admin.listen is set, admin on that address. Without admin.listen the
// Admin API shares main under /api/v1 (decision 5 of the spec README) and
// admin is nil.
func apiHandlers(b *backbone.Backbone, cfg config.Config, logger *slog.Logger) (main, admin http.Handler) {
	consumer := httpapi.New(b, httpapi.Options{Logger: logger, SSEKeepAlive: cfg.Push.SSEKeepAlive})
	admin = httpapi.NewAdmin(b, httpapi.AdminOptions{APIKey: cfg.Admin.APIKey, XSRFKey: []byte(cfg.Admin.XSRFKey), Logger: logger})
	if cfg.Admin.APIKey == "" {
		logger.Warn("admin.apiKey is empty: every Admin API request is refused")
	}
	if cfg.Admin.Listen == "" {
		return httpapi.Mount(consumer, admin), nil
	}
	return consumer, admin
}
