package telemetry

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone"
)

// recordRoute stands in for httpapi.RecordRoute; handlers name their route
// with setRoute.
type routeKey struct{}

func recordRoute(ctx context.Context) (context.Context, func() string) {
	var route string
	return context.WithValue(ctx, routeKey{}, &route), func() string { return route }
}

func setRoute(r *http.Request, pattern string) { *r.Context().Value(routeKey{}).(*string) = pattern }

func app() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /things/{id}", func(w http.ResponseWriter, r *http.Request) {
		setRoute(r, "/things/{id}")
		if r.PathValue("id") == "missing" {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"error":{"id":"x","code":"error.platform.recordNotFound","message":"nope"}}`)
			return
		}
		_, _ = io.WriteString(w, "ok")
	})
	mux.HandleFunc("GET /broken", func(w http.ResponseWriter, r *http.Request) {
		setRoute(r, "/broken")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, `{"error":{"code":"not a code <script>"}}`)
	})
	return mux
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

func TestRequestsAreCountedByRouteNotPath(t *testing.T) {
	m := NewMetrics()
	srv := httptest.NewServer(Wrap(app(), m, nil, recordRoute, true))
	t.Cleanup(srv.Close)

	for _, p := range []string{"/things/a", "/things/b", "/things/missing", "/broken", "/nowhere"} {
		get(t, srv.URL+p)
	}
	assert.Equal(t, 2.0, testutil.ToFloat64(m.requests.WithLabelValues("GET", "/things/{id}", "200")))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.requests.WithLabelValues("GET", "/things/{id}", "404")))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.requests.WithLabelValues("GET", "unmatched", "404")))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.errors.WithLabelValues("error.platform.recordNotFound", "404")))
	assert.Equal(t, 1, testutil.CollectAndCount(m.errors), "a body that is no API error code adds no label")
	assert.Equal(t, 4, testutil.CollectAndCount(m.duration), "one histogram per method, route and status")

	status, body := get(t, srv.URL+"/metrics")
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, `openbackbone_http_requests_total{method="GET",route="/things/{id}",status="200"} 2`)
	assert.Contains(t, body, `openbackbone_http_request_duration_seconds_bucket{method="GET",route="/broken",status="500",le="+Inf"} 1`)
	assert.Contains(t, body, "go_goroutines")
	assert.NotContains(t, body, "/things/a", "raw paths never become labels")
}

func TestMetricsAreOnlyOnTheMainListenerWhenAsked(t *testing.T) {
	srv := httptest.NewServer(Wrap(app(), NewMetrics(), nil, recordRoute, false))
	t.Cleanup(srv.Close)
	status, _ := get(t, srv.URL+"/metrics")
	assert.Equal(t, http.StatusNotFound, status)
}

type fakeSource struct {
	backlog backbone.OutboxBacklog
	err     error
	push    map[string]backbone.PushStats
	events  []backbone.ConsumerStats
}

func (f fakeSource) OutboxBacklog(context.Context) (backbone.OutboxBacklog, error) {
	return f.backlog, f.err
}
func (f fakeSource) PushStats() map[string]backbone.PushStats { return f.push }
func (f fakeSource) ConsumerStats() []backbone.ConsumerStats  { return f.events }

func TestBackboneCollectorReportsOutboxLagAndPushResults(t *testing.T) {
	now := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	src := fakeSource{
		backlog: backbone.OutboxBacklog{Count: 3, Oldest: now.Add(-90 * time.Second)},
		push:    map[string]backbone.PushStats{"fcm": {Sent: 5, Retried: 2, GaveUp: 1, InvalidHandles: 4, Dropped: 6}},
		events:  []backbone.ConsumerStats{{Subscription: "quotas", Topic: "IdentityCreated", Processed: 7, Failed: 1}},
	}
	c := NewBackboneCollector(src, time.Second, nil).(*backboneCollector)
	c.now = func() time.Time { return now }
	require.NoError(t, testutil.CollectAndCompare(c, strings.NewReader(`
# HELP openbackbone_bus_consumed_events_total Events handled by the bus consumers, by subscription, topic and outcome: processed, or failed (and delivered again).
# TYPE openbackbone_bus_consumed_events_total counter
openbackbone_bus_consumed_events_total{outcome="failed",subscription="quotas",topic="IdentityCreated"} 1
openbackbone_bus_consumed_events_total{outcome="processed",subscription="quotas",topic="IdentityCreated"} 7
# HELP openbackbone_outbox_oldest_message_age_seconds Age of the oldest domain event not yet published on the bus (0 when none waits): the outbox lag.
# TYPE openbackbone_outbox_oldest_message_age_seconds gauge
openbackbone_outbox_oldest_message_age_seconds 90
# HELP openbackbone_outbox_pending_messages Domain events in the outbox not yet published on the bus.
# TYPE openbackbone_outbox_pending_messages gauge
openbackbone_outbox_pending_messages 3
# HELP openbackbone_outbox_up 1 when the outbox backlog could be read at this scrape, else 0.
# TYPE openbackbone_outbox_up gauge
openbackbone_outbox_up 1
# HELP openbackbone_push_notifications_total Push notification results by provider platform and outcome: sent, retried, gave_up, dead_handle, undeliverable, dropped.
# TYPE openbackbone_push_notifications_total counter
openbackbone_push_notifications_total{outcome="dead_handle",platform="fcm"} 4
openbackbone_push_notifications_total{outcome="dropped",platform="fcm"} 6
openbackbone_push_notifications_total{outcome="gave_up",platform="fcm"} 1
openbackbone_push_notifications_total{outcome="retried",platform="fcm"} 2
openbackbone_push_notifications_total{outcome="sent",platform="fcm"} 5
openbackbone_push_notifications_total{outcome="undeliverable",platform="fcm"} 0
`)))

	failing := NewBackboneCollector(fakeSource{err: errors.New("database gone")}, time.Second, nil)
	require.NoError(t, testutil.CollectAndCompare(failing, strings.NewReader(`
# HELP openbackbone_outbox_up 1 when the outbox backlog could be read at this scrape, else 0.
# TYPE openbackbone_outbox_up gauge
openbackbone_outbox_up 0
`), "openbackbone_outbox_up", "openbackbone_outbox_pending_messages"))
}
