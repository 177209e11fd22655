package gateway

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })

func request(h http.Handler, path, ip, identity string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", path, nil)
	r.RemoteAddr = ip + ":40000"
	if identity != "" {
		r.Header.Set("X-Test-Identity", identity)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func identifyByHeader(r *http.Request) string { return r.Header.Get("X-Test-Identity") }

func TestRateLimitPerIdentityLeavesOthersAlone(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	h := RateLimit(okHandler, RateLimitOptions{
		PerIdentity: Rule{Requests: 1, Period: time.Minute, Burst: 3},
		Identify:    identifyByHeader,
		Limiter:     NewMemoryLimiter(clock.Now),
	})
	for range 3 {
		require.Equal(t, http.StatusOK, request(h, "/api/v2/Messages", "198.51.100.1", "alice").Code)
	}
	refused := request(h, "/api/v2/Messages", "198.51.100.1", "alice")
	require.Equal(t, http.StatusTooManyRequests, refused.Code)
	assert.Equal(t, "60", refused.Header().Get("Retry-After"))
	assert.Equal(t, "application/json; charset=utf-8", refused.Header().Get("Content-Type"))
	assert.Equal(t, "nosniff", refused.Header().Get("X-Content-Type-Options"))
	var env struct {
		Error struct {
			ID, Code, Message, Docs, Time string
			Data                          any
		}
	}
	require.NoError(t, json.Unmarshal(refused.Body.Bytes(), &env))
	assert.Equal(t, CodeTooManyRequests, env.Error.Code)
	assert.Regexp(t, `^ERR[A-Z1-9]{17}$`, env.Error.ID)
	assert.Contains(t, env.Error.Message, "60 seconds")
	_, err := time.Parse(time.RFC3339, env.Error.Time)
	assert.NoError(t, err)

	assert.Equal(t, http.StatusOK, request(h, "/api/v2/Messages", "198.51.100.1", "bob").Code, "another identity on the same address")
	assert.Equal(t, http.StatusOK, request(h, "/api/v2/Version", "198.51.100.1", "").Code, "anonymous requests are not counted per identity")
	clock.Advance(time.Minute)
	assert.Equal(t, http.StatusOK, request(h, "/api/v2/Messages", "198.51.100.1", "alice").Code, "the limit refills")
}

func TestRateLimitPerIPAndUnlimitedPaths(t *testing.T) {
	trusted, err := NewClientIP([]string{"10.0.0.1"})
	require.NoError(t, err)
	h := RateLimit(okHandler, RateLimitOptions{
		PerIP:    Rule{Requests: 1, Period: time.Hour, Burst: 2},
		ClientIP: trusted,
		Limiter:  NewMemoryLimiter(nil),
	})
	for range 2 {
		require.Equal(t, http.StatusOK, request(h, "/connect/token", "198.51.100.1", "").Code)
	}
	refused := request(h, "/api/v1/Identities", "198.51.100.1", "")
	assert.Equal(t, http.StatusTooManyRequests, refused.Code)
	secs, err := strconv.Atoi(refused.Header().Get("Retry-After"))
	require.NoError(t, err)
	assert.InDelta(t, 3600, secs, 2)
	assert.Equal(t, http.StatusOK, request(h, "/api/v2/Version", "198.51.100.2", "").Code, "another address")
	for _, path := range []string{"/health", "/health/ready", "/metrics", "/admin/", "/docs"} {
		assert.Equal(t, http.StatusOK, request(h, path, "198.51.100.1", "").Code, path)
	}

	// Behind the trusted proxy, the forwarded address is the client.
	viaProxy := func(client string) int {
		r := httptest.NewRequest("GET", "/api/v2/Version", nil)
		r.RemoteAddr = "10.0.0.1:1234"
		r.Header.Set("X-Forwarded-For", client)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	assert.Equal(t, http.StatusTooManyRequests, viaProxy("198.51.100.1"), "the same client through the proxy")
	assert.Equal(t, http.StatusOK, viaProxy("198.51.100.3"))
}

func TestRateLimitFailsOpenWhenTheLimiterFails(t *testing.T) {
	var logs strings.Builder
	h := RateLimit(okHandler, RateLimitOptions{
		PerIP: Rule{Requests: 1, Period: time.Hour, Burst: 1}, Limiter: brokenLimiter{}, Logger: newTestLogger(&logs),
	})
	assert.Equal(t, http.StatusOK, request(h, "/api/v2/Version", "198.51.100.1", "").Code)
	assert.Contains(t, logs.String(), "rate limiter failed")
}

func TestRateLimitOffIsThePlainHandler(t *testing.T) {
	h := RateLimit(okHandler, RateLimitOptions{})
	for range 100 {
		require.Equal(t, http.StatusOK, request(h, "/api/v2/Version", "198.51.100.1", "alice").Code)
	}
}

func TestLimitedCoversTheAPIWhateverItsCase(t *testing.T) {
	for _, p := range []string{"/api/v2/Messages", "/API/V2/MESSAGES", "/Api/v1/Clients", "/connect/token", "/Connect/Token"} {
		assert.True(t, Limited(p), p)
	}
	for _, p := range []string{"/health", "/health/ready", "/metrics", "/docs/v2", "/admin/", "/apiv2"} {
		assert.False(t, Limited(p), p)
	}
}
