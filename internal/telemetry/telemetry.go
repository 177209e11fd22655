package telemetry

import (
	"net/http"
)

// MetricsPath is where the main listener serves the metrics when they have
// no listener of their own.
const MetricsPath = "/metrics"

// Wrap returns h observed: a span per request when tracing is on, request
// metrics when m is not nil, and, when serveMetrics is set, m's registry at
// MetricsPath (ahead of h, which never sees that path).
func Wrap(h http.Handler, m *Metrics, t *Tracing, record RouteRecorder, serveMetrics bool) http.Handler {
	observed := t.wrap(m.observe(h, record))
	if m == nil || !serveMetrics {
		return observed
	}
	metrics := m.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == MetricsPath {
			metrics.ServeHTTP(w, r)
			return
		}
		observed.ServeHTTP(w, r)
	})
}
