package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/adapters/gocloudbus"
	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/httpapi"
	"github.com/openbackbone/openbackbone/internal/backbonetest"
	"github.com/openbackbone/openbackbone/internal/gateway"
	"github.com/openbackbone/openbackbone/internal/telemetry"
	"github.com/openbackbone/openbackbone/internal/workload"
)

// startServer serves the Consumer API of a Backbone on SQLite behind the
// middleware the reference server puts in front: metrics, CORS and rate
// limiting, with limits the load stays under.
func startServer(t *testing.T) string {
	quiet := slog.New(slog.DiscardHandler) // a line per request would drown the test's output
	env := backbonetest.New(t, "sqlite", func(c *backbone.Config) { c.Logger = quiet })
	// The bus lets the outbox relay and consumers run, so that syncs find
	// the external events of the round's relationships and messages.
	bus, err := gocloudbus.Open(t.Context(), "mem://", gocloudbus.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { bus.Close() })
	env = env.Restart(t, bus)
	env.Run(t)
	roomy := gateway.Rule{Requests: 60_000, Period: time.Minute, Burst: 100_000}
	h := gateway.RateLimit(httpapi.New(env.Backbone, httpapi.Options{Logger: quiet}), gateway.RateLimitOptions{
		PerIP: roomy, PerIdentity: roomy,
		Identify: func(r *http.Request) string { return r.Header.Get("Authorization") },
	})
	h = gateway.CORS(h, gateway.CORSOptions{AllowedOrigins: []string{"https://app.example"}})
	ts := httptest.NewServer(telemetry.Wrap(h, telemetry.NewMetrics(), nil, httpapi.RecordRoute, true))
	t.Cleanup(ts.Close)
	return ts.URL
}

func TestLoadRunsTheWorkloadAndReportsEveryRoute(t *testing.T) {
	url := startServer(t)
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"-base-url", url, "-duration", "3s", "-concurrency", "2", "-json"}, &stdout, &stderr)
	require.Equal(t, 0, code, "stderr: %s\nstdout: %s", stderr.String(), stdout.String())

	var rep workload.Report
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep), stdout.String())
	assert.Zero(t, rep.Errors, "failures: %v", rep.Failures)
	assert.Zero(t, rep.Unknown)
	assert.Positive(t, rep.Rounds, "at least one round completed")
	assert.Equal(t, 2, rep.Concurrency)
	assert.Positive(t, rep.PerSec)

	byRoute := map[string]workload.RouteReport{}
	var sum int64
	for _, r := range rep.Routes {
		byRoute[r.Route] = r
		sum += r.Requests
		for status := range r.Statuses {
			assert.True(t, strings.HasPrefix(status, "2"), "%s answered %s", r.Route, status)
		}
		assert.LessOrEqual(t, r.P50Ms, r.P95Ms, r.Route)
		assert.LessOrEqual(t, r.P95Ms, r.P99Ms, r.Route)
		assert.LessOrEqual(t, r.P99Ms, r.MaxMs, r.Route)
	}
	assert.Equal(t, rep.Requests, sum, "the routes add up to the total")
	for _, route := range []string{"POST /connect/token", "POST /api/v2/Identities", "POST /api/v2/Messages", "GET /api/v2/Messages",
		"POST /api/v2/SyncRuns", "PUT /api/v2/Relationships/{id}/Accept", "POST /api/v2/Datawallet/Modifications"} {
		assert.Positive(t, byRoute[route].Requests, "%s was exercised", route)
	}
	// Every round logs two devices in and sends two messages.
	assert.GreaterOrEqual(t, byRoute["POST /connect/token"].Requests, int64(2*rep.Rounds))
	assert.GreaterOrEqual(t, byRoute["POST /api/v2/Messages"].Requests, int64(2*rep.Rounds))
}

func TestSteadyLoadMeasuresOnlyTheExchange(t *testing.T) {
	url := startServer(t)
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"-base-url", url, "-duration", "2s", "-concurrency", "2", "-steady", "-json"}, &stdout, &stderr)
	require.Equal(t, 0, code, "stderr: %s\nstdout: %s", stderr.String(), stdout.String())
	var rep workload.Report
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep), stdout.String())
	assert.Equal(t, "steady", rep.Mode)
	assert.Zero(t, rep.Errors, "failures: %v", rep.Failures)
	assert.Positive(t, rep.Rounds)
	routes := map[string]int64{}
	for _, r := range rep.Routes {
		routes[r.Route] = r.Requests
	}
	for _, setUp := range []string{"POST /api/v2/Identities", "POST /connect/token", "PUT /api/v2/Relationships/{id}/Accept"} {
		assert.Zero(t, routes[setUp], "%s belongs to the set-up, which is not measured", setUp)
	}
	assert.Equal(t, 2*int64(rep.Rounds), routes["POST /api/v2/Messages"], "two messages a completed round")
	assert.Equal(t, int64(rep.Rounds), routes["GET /api/v2/Messages"])
}

func TestLoadPrintsATable(t *testing.T) {
	url := startServer(t)
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"-base-url", url, "-duration", "1s", "-concurrency", "1"}, &stdout, &stderr)
	require.Equal(t, 0, code, "stderr: %s\nstdout: %s", stderr.String(), stdout.String())
	assert.Regexp(t, `mixed workload, [0-9.]+ s, 1 workers, \d+ rounds: \d+ requests \([0-9.]+/s\), 0 errors, 0 unknown outcomes`, stdout.String())
	assert.Regexp(t, `(?m)^POST /connect/token\s+\d+`, stdout.String())
	assert.Regexp(t, `(?m)^all\s+\d+`, stdout.String())
}

func TestLoadReportsAServerThatIsNotThere(t *testing.T) {
	ts := httptest.NewServer(nil)
	url := ts.URL
	ts.Close() // nothing listens there any more
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	code := run(ctx, []string{"-base-url", url, "-duration", "1s", "-concurrency", "1", "-max-errors", "3", "-json"}, &stdout, &stderr)
	assert.Equal(t, 1, code, "failed requests make the exit status 1")
	var rep workload.Report
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep), stdout.String())
	assert.Zero(t, rep.Rounds)
	assert.GreaterOrEqual(t, rep.Errors, 3)
	require.NotEmpty(t, rep.Failures)
	assert.Contains(t, rep.Failures[0], "no replica answered")
	assert.Positive(t, rep.All.Statuses["error"], "requests without a response are counted")
}

func TestBadFlagsAreRefused(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-concurrency", "0"}, "-concurrency must be at least 1"},
		{[]string{"-duration", "0s"}, "-duration must be positive"},
		{[]string{"-timeout", "-1s"}, "-timeout must be positive"},
		{[]string{"-max-errors", "-1"}, "-max-errors must not be negative"},
		{[]string{"-base-url", "localhost:8080"}, "want http(s)://host[:port]"},
		{[]string{"-base-url", " , "}, "no base URL"},
		{[]string{"extra"}, "unexpected arguments"},
		{[]string{"-no-such-flag"}, "flag provided but not defined"},
	} {
		var stdout, stderr bytes.Buffer
		assert.Equal(t, 2, run(t.Context(), tc.args, &stdout, &stderr), "%q", tc.args)
		assert.Contains(t, stderr.String(), tc.want, "%q", tc.args)
		assert.Empty(t, stdout.String(), "%q", tc.args)
	}
}
