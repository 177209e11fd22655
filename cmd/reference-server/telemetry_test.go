package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// syncBuffer collects the server's log while it writes from many
// goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) lines() []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b.buf.Bytes()))
	for sc.Scan() {
		var l map[string]any
		if json.Unmarshal(sc.Bytes(), &l) == nil {
			out = append(out, l)
		}
	}
	return out
}

// startLogged is start with the JSON log kept.
func startLogged(t *testing.T, kv map[string]string) (string, *syncBuffer, func() error) {
	t.Helper()
	vars := map[string]string{"OPENBACKBONE_LOGFORMAT": "json"}
	for k, v := range kv {
		vars[k] = v
	}
	logs := &syncBuffer{}
	base, stop := startLoggingTo(t, []string{"-listen", "127.0.0.1:0", "-data-dir", t.TempDir()}, env(vars), logs)
	return base, logs, stop
}

func scrape(t *testing.T, url string) (int, string) {
	t.Helper()
	res, body := fetch(t, url)
	return res.StatusCode, body
}

func TestReadinessAndMetricsOnTheMainListener(t *testing.T) {
	base, logs, stop := startLogged(t, nil)
	defer func() { require.NoError(t, stop()) }()

	status, body := scrape(t, base+"/health/ready")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "Ready", body)
	for range 3 {
		status, _ = scrape(t, base+"/api/v2/Version")
		require.Equal(t, http.StatusOK, status)
	}
	status, _ = scrape(t, base+"/api/v2/Devices/Self")
	require.Equal(t, http.StatusUnauthorized, status)
	status, _ = scrape(t, base+"/api/v2/Tokens/TOKabcdefghijklmnopq")
	require.Equal(t, http.StatusNotFound, status)

	status, metrics := scrape(t, base+"/metrics")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, metrics, `openbackbone_http_requests_total{method="GET",route="/api/v2/Version",status="200"} 3`)
	assert.Contains(t, metrics, `openbackbone_http_requests_total{method="GET",route="/health/ready",status="200"} 1`)
	assert.Contains(t, metrics, `openbackbone_http_request_duration_seconds_count{method="GET",route="/api/v2/Version",status="200"} 3`)
	assert.Contains(t, metrics, `openbackbone_push_notifications_total{outcome="sent",platform="dummy"}`, "the dev landscape has the dummy provider")
	assert.Contains(t, metrics, "openbackbone_outbox_pending_messages ")
	assert.Contains(t, metrics, "openbackbone_outbox_oldest_message_age_seconds ")
	assert.Contains(t, metrics, "openbackbone_outbox_up 1")
	assert.Contains(t, metrics, `openbackbone_bus_consumed_events_total{outcome="processed",subscription=`)
	assert.Contains(t, metrics, `openbackbone_http_errors_total{code="error.platform.recordNotFound",status="404"} 1`)

	// One request line per request, by route; the dev landscape logs at
	// debug, so the probe's line is there too.
	var versions, probes int
	for _, l := range logs.lines() {
		if l["msg"] != "request" {
			continue
		}
		switch l["route"] {
		case "/api/v2/Version":
			versions++
			assert.Equal(t, "INFO", l["level"])
		case "/health/ready":
			probes++
			assert.Equal(t, "DEBUG", l["level"])
		}
	}
	assert.Equal(t, 3, versions)
	assert.Equal(t, 1, probes)
}

func TestMetricsOnAListenerOfTheirOwn(t *testing.T) {
	base, logs, stop := startLogged(t, map[string]string{"OPENBACKBONE_METRICS_LISTEN": "127.0.0.1:0"})
	defer func() { require.NoError(t, stop()) }()

	status, _ := scrape(t, base+"/metrics")
	assert.Equal(t, http.StatusNotFound, status, "not on the public listener")
	var addr string
	for _, l := range logs.lines() {
		if l["msg"] == "serving metrics" {
			addr, _ = l["address"].(string)
		}
	}
	require.NotEmpty(t, addr)
	status, metrics := scrape(t, "http://"+addr)
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, metrics, `openbackbone_http_requests_total{method="GET",route="unmatched",status="404"} 1`)
}

func TestMetricsCanBeTurnedOff(t *testing.T) {
	base, _, stop := startLogged(t, map[string]string{"OPENBACKBONE_METRICS_ENABLED": "false"})
	defer func() { require.NoError(t, stop()) }()
	status, _ := scrape(t, base+"/metrics")
	assert.Equal(t, http.StatusNotFound, status)
}

func TestTracesGoToTheConfiguredCollector(t *testing.T) {
	var mu sync.Mutex
	var names []string
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req collectortrace.ExportTraceServiceRequest
		if r.URL.Path != "/v1/traces" || proto.Unmarshal(body, &req) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					names = append(names, s.Name)
				}
			}
		}
		mu.Unlock()
		out, _ := proto.Marshal(&collectortrace.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	defer collector.Close()

	base, _, stop := startLogged(t, map[string]string{"OPENBACKBONE_TRACING_ENDPOINT": collector.URL})
	status, _ := scrape(t, base+"/api/v2/Version")
	require.Equal(t, http.StatusOK, status)
	require.NoError(t, stop(), "stopping flushes the spans")

	mu.Lock()
	defer mu.Unlock()
	assert.Contains(t, names, "GET /api/v2/Version")
	for _, n := range names {
		assert.False(t, strings.Contains(n, "did:e:"), n)
	}
}
