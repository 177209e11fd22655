package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/adapters/gocloudbus"
	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/httpapi"
	"github.com/openbackbone/openbackbone/internal/backbonetest"
)

// downBus is a bus whose broker does not answer.
type downBus struct{ driver.Bus }

func (downBus) Ping(context.Context) error {
	return errors.New("dial tcp rabbit.internal:5672: user guest refused")
}

func TestReadinessNamesTheFailingCheckWithoutItsError(t *testing.T) {
	env := backbonetest.New(t, "sqlite", nil)
	bus, err := gocloudbus.Open(t.Context(), "mem://", gocloudbus.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { bus.Close() })

	ready := httptest.NewServer(httpapi.New(env.Restart(t, bus).Backbone, httpapi.Options{}))
	t.Cleanup(ready.Close)
	res, err := http.Get(ready.URL + "/health/ready")
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "Ready", string(body))

	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	down := env.Restart(t, downBus{bus}).Backbone
	for name, h := range map[string]http.Handler{
		"consumer": httpapi.New(down, httpapi.Options{Logger: logger}),
		"admin":    httpapi.NewAdmin(down, httpapi.AdminOptions{Logger: logger}),
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)
			res, err := http.Get(srv.URL + "/health/ready")
			require.NoError(t, err)
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
			assert.JSONEq(t, `{"status":"Unhealthy","checks":{"store":"Healthy","bus":"Unhealthy","blob":"Healthy"}}`, string(body))
			assert.NotContains(t, string(body), "guest")
		})
	}
	assert.Contains(t, logs.String(), "refused", "the operator finds the reason in the log")
}

func TestRequestsAreLoggedOnceByRouteAtTheirLevel(t *testing.T) {
	env := backbonetest.New(t, "sqlite", nil)
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := httptest.NewServer(httpapi.New(env.Backbone, httpapi.Options{Logger: logger}))
	t.Cleanup(srv.Close)

	var routes []string
	for _, path := range []string{"/api/v2/Tokens/TOKabcdefghijklmnopq", "/health", "/nowhere"} {
		logs.Reset()
		res, err := http.Get(srv.URL + path)
		require.NoError(t, err)
		res.Body.Close()
		var line map[string]any
		dec := json.NewDecoder(&logs)
		n := 0
		for dec.More() {
			var l map[string]any
			require.NoError(t, dec.Decode(&l))
			if l["msg"] == "request" {
				line, n = l, n+1
			}
		}
		require.Equal(t, 1, n, "one request line for %s", path)
		assert.Equal(t, float64(res.StatusCode), line["status"])
		assert.NotEmpty(t, line["correlationId"])
		assert.NotContains(t, line, "path", "paths carry IDs; the route is logged instead")
		routes = append(routes, line["route"].(string)+" "+line["level"].(string))
	}
	assert.Equal(t, []string{"/api/v2/Tokens/{id} INFO", "/health DEBUG", "unmatched INFO"}, routes)
}

func TestRecordRouteSeesTheOperationPattern(t *testing.T) {
	env := backbonetest.New(t, "sqlite", nil)
	api := httpapi.New(env.Backbone, httpapi.Options{})
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, route := httpapi.RecordRoute(r.Context())
		api.ServeHTTP(w, r.WithContext(ctx))
		got = route()
	}))
	t.Cleanup(srv.Close)
	res, err := http.Get(srv.URL + "/API/v2.0/tokens/TOKabcdefghijklmnopq")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, "/api/v2/Tokens/{id}", got, "the canonical pattern, whatever the spelling")
}
