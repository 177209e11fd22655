package httpapi

import (
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// logRequest writes the one log line of a served request, at the levels of
// the reference: Error for server errors, Debug for health probes (which
// would otherwise drown everything), Info for the rest. It names the route
// pattern, not the path: paths carry addresses and IDs.
func logRequest(logger *slog.Logger, r *http.Request, status int, took time.Duration, correlationID, route string) {
	if status == 0 {
		status = http.StatusOK // nothing written: net/http answers 200
	}
	level := slog.LevelInfo
	switch {
	case status >= 500:
		level = slog.LevelError
	case strings.HasPrefix(r.URL.Path, "/health"):
		level = slog.LevelDebug
	}
	if !logger.Enabled(r.Context(), level) {
		return
	}
	if route == "" {
		route = "unmatched"
	}
	logger.LogAttrs(r.Context(), level, "request", slog.String("method", r.Method), slog.String("route", route),
		slog.Int("status", status), slog.Duration("duration", took), slog.String("correlationId", correlationID))
}
