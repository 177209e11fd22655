package telemetry

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// receiver is an OTLP/HTTP collector that keeps the span names it gets.
type receiver struct {
	mu    sync.Mutex
	names []string
	paths []string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req collectortrace.ExportTraceServiceRequest
	if r.Method != http.MethodPost || proto.Unmarshal(body, &req) != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	rc.paths = append(rc.paths, r.URL.Path)
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				rc.names = append(rc.names, s.Name)
			}
		}
	}
	rc.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-protobuf")
	out, _ := proto.Marshal(&collectortrace.ExportTraceServiceResponse{})
	_, _ = w.Write(out)
}

func TestARequestIsExportedAsASpanNamedAfterItsRoute(t *testing.T) {
	rc := &receiver{}
	collector := httptest.NewServer(rc)
	t.Cleanup(collector.Close)

	tr, err := NewTracing(TracingConfig{Endpoint: collector.URL, SampleRatio: 1, ServiceName: "test"})
	require.NoError(t, err)
	require.True(t, tr.Enabled())
	srv := httptest.NewServer(Wrap(app(), nil, tr, recordRoute, false))
	t.Cleanup(srv.Close)
	status, _ := get(t, srv.URL+"/things/abc")
	require.Equal(t, http.StatusOK, status)

	require.NoError(t, tr.Shutdown(t.Context()), "shutting down exports what is buffered")
	rc.mu.Lock()
	defer rc.mu.Unlock()
	assert.Equal(t, []string{"GET /things/{id}"}, rc.names)
	assert.Equal(t, []string{"/v1/traces"}, rc.paths)
}

func TestNoEndpointMeansNoExporterAndNoSpans(t *testing.T) {
	tr, err := NewTracing(TracingConfig{SampleRatio: 1})
	require.NoError(t, err)
	assert.False(t, tr.Enabled())
	assert.NoError(t, tr.Shutdown(t.Context()))

	var sawSpan bool
	h := tr.wrap(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		sawSpan = traceSpanValid(r)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	assert.False(t, sawSpan)
}

func TestTracingConfigIsChecked(t *testing.T) {
	for _, cfg := range []TracingConfig{
		{Endpoint: "collector:4318", SampleRatio: 1},
		{Endpoint: "ftp://collector", SampleRatio: 1},
		{Endpoint: "http://collector:4318", SampleRatio: 1.5},
	} {
		_, err := NewTracing(cfg)
		assert.Error(t, err, "%+v", cfg)
	}
	u, err := TracesURL("https://collector.example:4318/custom/path")
	require.NoError(t, err)
	assert.Equal(t, "https://collector.example:4318/custom/path", u)
}

func traceSpanValid(r *http.Request) bool {
	return trace.SpanFromContext(r.Context()).SpanContext().IsValid()
}
