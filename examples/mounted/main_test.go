package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/conformance/apitest"
)

// syncBuffer is the application's log output, read while the server writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type app struct {
	base string // http://localhost:PORT
	log  *syncBuffer
	stop func() error
}

// start runs the example on a loopback port with a fresh in-memory database.
func start(t *testing.T) *app {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	logs := &syncBuffer{}
	args := []string{"-listen", "127.0.0.1:0", "-db", "sqlite::memory:", "-operator", "alice:wonderland", "-admin-key", "test"}
	go func() { done <- run(ctx, args, logs, ready) }()
	var once sync.Once
	var stopErr error
	a := &app{log: logs, stop: func() error {
		once.Do(func() { cancel(); stopErr = <-done })
		return stopErr
	}}
	t.Cleanup(func() { assert.NoError(t, a.stop(), "run after cancel") })
	select {
	case addr := <-ready:
		// The DID domain is localhost: clients must use that host.
		a.base = "http://localhost:" + addr[strings.LastIndex(addr, ":")+1:]
	case err := <-done:
		t.Fatalf("run ended before serving: %v", err)
	}
	return a
}

// operatorTransport logs in as the application's operator on requests to
// the Admin API. Only there: Consumer API requests carry a bearer token in
// the same Authorization header.
type operatorTransport struct{ next http.RoundTripper }

func (o operatorTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasPrefix(r.URL.Path, "/backbone/admin/") {
		r = r.Clone(r.Context())
		r.SetBasicAuth("alice", "wonderland")
	}
	return o.next.RoundTrip(r)
}

func get(t *testing.T, c *http.Client, url string, headers ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(body)
}

func TestMountedKeepsTheApplicationsRoutes(t *testing.T) {
	a := start(t)
	status, body := get(t, http.DefaultClient, a.base+"/")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "Welcome to the application.\n", body)

	status, _ = get(t, http.DefaultClient, a.base+"/api/v2/Version")
	assert.Equal(t, http.StatusNotFound, status, "the Consumer API lives under /backbone/ only")
}

func TestMountedServesTheConsumerAPIUnderThePrefix(t *testing.T) {
	a := start(t)
	status, body := get(t, http.DefaultClient, a.base+"/backbone/api/v2/Version")
	assert.Equal(t, http.StatusOK, status, body)
	assert.Contains(t, body, `"result"`)

	res, err := http.Post(a.base+"/backbone/api/v2/Challenges", "application/json", nil)
	require.NoError(t, err)
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusCreated, res.StatusCode, string(raw))
	assert.Regexp(t, `^http://localhost:\d+/backbone/api/v2/Challenges/CHL\w{17}$`, res.Header.Get("Location"))
	status, body = get(t, http.DefaultClient, res.Header.Get("Location"))
	assert.Equal(t, http.StatusUnauthorized, status, "the Location names a route of the API, which wants a token (an unknown one is a 404): %s", body)

	// The OpenAPI document and the docs page point below the prefix.
	status, body = get(t, http.DefaultClient, a.base+"/backbone/docs/v2/openapi.json")
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, `"servers":[{"url":"/backbone"}]`)
	status, body = get(t, http.DefaultClient, a.base+"/backbone/docs")
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "/backbone/docs/v2/openapi.yaml")

	// The application's request log saw the request, with the full path.
	assert.Contains(t, a.log.String(), `"msg":"request","method":"GET","path":"/backbone/api/v2/Version","status":200`)
}

func TestMountedAdminAPINeedsTheOperatorLogin(t *testing.T) {
	a := start(t)
	operator := &http.Client{Transport: operatorTransport{http.DefaultTransport}}
	url := a.base + "/backbone/admin/api/v1/Clients"

	status, body := get(t, http.DefaultClient, url, "X-API-KEY", "test")
	assert.Equal(t, http.StatusUnauthorized, status, "the right API key without the operator login: %s", body)
	assert.Equal(t, "operator login required\n", body)

	status, _ = get(t, operator, url)
	assert.Equal(t, http.StatusUnauthorized, status, "the operator login without the API key")

	status, body = get(t, operator, url, "X-API-KEY", "test")
	assert.Equal(t, http.StatusOK, status, body)
	assert.Contains(t, body, `"clientId":"test"`)

	status, body = get(t, operator, a.base+"/backbone/admin/docs/v1/openapi.json")
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, `"servers":[{"url":"/backbone/admin"}]`)
}

func TestMountedRequiresTheOperatorFlag(t *testing.T) {
	err := run(context.Background(), []string{"-operator", "alice"}, io.Discard, nil)
	assert.ErrorContains(t, err, "-operator USER:PASSWORD is required")
}

// TestMountedStopsWithTheContext checks that nothing the Backbone started
// outlives run: no relay, consumer, push lane or stream goroutine.
func TestMountedStopsWithTheContext(t *testing.T) {
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	before := runtime.NumGoroutine()
	a := start(t)
	status, _ := get(t, client, a.base+"/backbone/api/v2/Version")
	require.Equal(t, http.StatusOK, status)
	require.NoError(t, a.stop())

	// Goroutines end shortly after their context; wait for them rather
	// than sample once.
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines before run, %d after it returned:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

// TestMountedPassesTheHTTPSuite runs the black-box suite the reference
// server passes (scripts/test-all.sh) against the API under its prefixes,
// through the operator login.
func TestMountedPassesTheHTTPSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("the whole HTTP suite is not short")
	}
	a := start(t)
	apitest.Run(t, apitest.Config{
		BaseURL:    a.base + "/backbone",
		AdminURL:   a.base + "/backbone/admin",
		HTTPClient: &http.Client{Timeout: 30 * time.Second, Transport: operatorTransport{http.DefaultTransport}},
	})
}
