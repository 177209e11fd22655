package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/openbackbone/openbackbone/backbone"
)

// ReadinessPath answers whether the drivers can serve; /health only says
// that the process runs.
const ReadinessPath = "/health/ready"

// Readiness answers GET /health/ready from b.Check: 200 "Ready" when every
// driver answered or cannot be asked, else 503 with a JSON body naming each
// check Healthy, Unhealthy or NotChecked. The drivers' errors are logged,
// never sent: they may name hosts and users.
func Readiness(b *backbone.Backbone, logger *slog.Logger) http.Handler {
	if logger == nil {
		logger = slog.Default()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		checks := map[string]string{}
		ready := true
		for name, err := range b.Check(r.Context()) {
			switch {
			case err == nil:
				checks[name] = "Healthy"
			case errors.Is(err, backbone.ErrNotChecked):
				checks[name] = "NotChecked"
			default:
				checks[name] = "Unhealthy"
				ready = false
				logger.WarnContext(r.Context(), "readiness check failed", "check", name, "error", err)
			}
		}
		w.Header().Set("Cache-Control", "no-store")
		if ready {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = w.Write([]byte("Ready"))
			return
		}
		body, _ := json.Marshal(map[string]any{"status": "Unhealthy", "checks": checks})
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write(body)
	})
}
