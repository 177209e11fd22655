package telemetry_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/httpapi"
	"github.com/openbackbone/openbackbone/internal/backbonetest"
	"github.com/openbackbone/openbackbone/internal/gateway"
	"github.com/openbackbone/openbackbone/internal/telemetry"
)

// BenchmarkMiddleware measures what the middleware of the reference server
// adds to every request, around a handler that does next to nothing, so
// that the difference to "bare" is the middleware's own cost. The layers
// are put together as cmd/reference-server does: telemetry outermost,
// then CORS, rate limiting and the stream exemption.
func BenchmarkMiddleware(b *testing.B) {
	trivial := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"result":[]}`)
	})
	// Limits no run exhausts, so that every request passes both checks.
	roomy := gateway.Rule{Requests: 60_000, Period: time.Minute, Burst: 1 << 40}
	withGateway := func(identify func(*http.Request) string) http.Handler {
		h := gateway.RateLimit(gateway.Streams(trivial, "/api/v2/sse"), gateway.RateLimitOptions{
			PerIdentity: roomy, PerIP: roomy, Identify: identify, Limiter: gateway.NewMemoryLimiter(nil),
		})
		return gateway.CORS(h, gateway.CORSOptions{AllowedOrigins: []string{"https://app.example"}, ExposedHeaders: gateway.DefaultExposedHeaders})
	}
	anonymous := func(*http.Request) string { return "" }

	// The reference server names the caller by checking the access
	// token's signature (cmd/reference-server identify); this does the same.
	env := backbonetest.New(b, "sqlite", nil)
	token := env.Login(b, env.CreateAccount(b)).Token
	identify := func(r *http.Request) string {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			return ""
		}
		c, err := env.Backbone.Auth.Authenticate(tok)
		if err != nil {
			return ""
		}
		return c.Address
	}

	// Spans go to a collector that accepts and drops them.
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	b.Cleanup(collector.Close)
	tracing, err := telemetry.NewTracing(telemetry.TracingConfig{Endpoint: collector.URL, SampleRatio: 1})
	require.NoError(b, err)
	b.Cleanup(func() { _ = tracing.Shutdown(b.Context()) })

	observed := func(h http.Handler, t *telemetry.Tracing) http.Handler {
		return telemetry.Wrap(h, telemetry.NewMetrics(), t, httpapi.RecordRoute, true)
	}
	for _, c := range []struct {
		name    string
		handler http.Handler
		token   string
	}{
		{"bare", trivial, ""},
		{"gateway", withGateway(anonymous), ""},
		{"metrics", observed(trivial, nil), ""},
		{"metrics+gateway", observed(withGateway(anonymous), nil), ""},
		{"metrics+gateway, token checked", observed(withGateway(identify), nil), token},
		{"tracing+metrics+gateway, token checked", observed(withGateway(identify), tracing), token},
	} {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/api/v2/Messages", nil)
			req.Header.Set("Origin", "https://app.example")
			if c.token != "" {
				req.Header.Set("Authorization", "Bearer "+c.token)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				rec := httptest.NewRecorder()
				c.handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
