package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/internal/backbonetest"
	"github.com/openbackbone/openbackbone/internal/gateway"
	"github.com/openbackbone/openbackbone/internal/gateway/gatewaytest"
	"github.com/openbackbone/openbackbone/internal/testservices"
)

// clientFrom is an HTTP client whose connections leave from the loopback
// address ip, so that one test can be several clients to the server.
func clientFrom(ip string) *http.Client {
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}}
}

func get(t *testing.T, c *http.Client, url, token string, header ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

// assertTooMany checks a refusal of the rate limiter.
func assertTooMany(t *testing.T, res *http.Response, body []byte) {
	t.Helper()
	require.Equal(t, http.StatusTooManyRequests, res.StatusCode)
	assert.NotEmpty(t, res.Header.Get("Retry-After"))
	var env struct{ Error struct{ Code string } }
	require.NoError(t, json.Unmarshal(body, &env))
	assert.Equal(t, gateway.CodeTooManyRequests, env.Error.Code)
}

func TestAnIdentityOverItsLimitIsRefusedAndOthersAreNot(t *testing.T) {
	base, stop := start(t, []string{"-listen", "127.0.0.1:0", "-data-dir", t.TempDir()}, env(map[string]string{
		"OPENBACKBONE_RATELIMIT_PERIDENTITY_REQUESTS": "1",
		"OPENBACKBONE_RATELIMIT_PERIDENTITY_PERIOD":   "1h",
		"OPENBACKBONE_RATELIMIT_PERIDENTITY_BURST":    "5",
	}))
	defer func() { require.NoError(t, stop()) }()
	c := &backbonetest.Client{BaseURL: base}
	alice, err := c.CreateAccount(t.Context())
	require.NoError(t, err)
	bob, err := c.CreateAccount(t.Context())
	require.NoError(t, err)

	// Creating alice counted one token-bearing request at most (none: the
	// calls were anonymous), so she has her whole burst.
	for i := range 5 {
		res := get(t, http.DefaultClient, base+"/api/v2/Devices", alice.Token)
		require.Equal(t, http.StatusOK, res.StatusCode, "request %d", i+1)
	}
	req, _ := http.NewRequest("GET", base+"/api/v2/Devices", nil)
	req.Header.Set("Authorization", "Bearer "+alice.Token)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assertTooMany(t, res, body)
	assert.Equal(t, "3600", res.Header.Get("Retry-After"))

	assert.Equal(t, http.StatusOK, get(t, http.DefaultClient, base+"/api/v2/Devices", bob.Token).StatusCode, "bob is not affected")
	assert.Equal(t, http.StatusOK, get(t, http.DefaultClient, base+"/api/v2/Version", "").StatusCode, "nor are anonymous requests")
}

func TestAnAddressOverItsLimitIsRefusedAndOthersAreNot(t *testing.T) {
	base, stop := start(t, []string{"-listen", "127.0.0.1:0", "-data-dir", t.TempDir()}, env(map[string]string{
		"OPENBACKBONE_RATELIMIT_PERIP_REQUESTS": "1",
		"OPENBACKBONE_RATELIMIT_PERIP_PERIOD":   "1h",
		"OPENBACKBONE_RATELIMIT_PERIP_BURST":    "3",
		"OPENBACKBONE_RATELIMIT_TRUSTEDPROXIES": "127.0.0.3",
	}))
	defer func() { require.NoError(t, stop()) }()
	one, two, proxy := clientFrom("127.0.0.1"), clientFrom("127.0.0.2"), clientFrom("127.0.0.3")
	for i := range 3 {
		require.Equal(t, http.StatusOK, get(t, one, base+"/api/v2/Version", "").StatusCode, "request %d", i+1)
	}
	res, err := one.Get(base + "/api/v2/Version")
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assertTooMany(t, res, body)
	assert.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))

	assert.Equal(t, http.StatusOK, get(t, two, base+"/api/v2/Version", "").StatusCode, "another address is not affected")
	assert.Equal(t, http.StatusOK, get(t, one, base+"/health", "").StatusCode, "health checks are not limited")

	// Through the trusted proxy the forwarded address counts, so the
	// first client is still refused there and a third one is not.
	assert.Equal(t, http.StatusTooManyRequests, get(t, proxy, base+"/api/v2/Version", "", "X-Forwarded-For", "127.0.0.1").StatusCode)
	assert.Equal(t, http.StatusOK, get(t, proxy, base+"/api/v2/Version", "", "X-Forwarded-For", "198.51.100.7").StatusCode)
}

func TestRateLimitsAreSharedThroughRedis(t *testing.T) {
	url := testservices.Redis(t)
	// Two servers on one Redis; a fresh loopback address per run, so an
	// earlier run's count (kept for the period) does not interfere.
	r := make([]byte, 2)
	_, _ = rand.Read(r)
	ip := net.IPv4(127, 10+r[0]%200, r[1], 2).String()
	cfg := env(map[string]string{
		"OPENBACKBONE_RATELIMIT_PERIP_REQUESTS": "1",
		"OPENBACKBONE_RATELIMIT_PERIP_PERIOD":   "1m",
		"OPENBACKBONE_RATELIMIT_PERIP_BURST":    "2",
		"OPENBACKBONE_RATELIMIT_REDIS":          url,
	})
	first, stopFirst := start(t, []string{"-listen", "127.0.0.1:0", "-data-dir", t.TempDir()}, cfg)
	defer func() { require.NoError(t, stopFirst()) }()
	second, stopSecond := start(t, []string{"-listen", "127.0.0.1:0", "-data-dir", t.TempDir()}, cfg)
	defer func() { require.NoError(t, stopSecond()) }()
	c := clientFrom(ip)
	assert.Equal(t, http.StatusOK, get(t, c, first+"/api/v2/Version", "").StatusCode)
	assert.Equal(t, http.StatusOK, get(t, c, second+"/api/v2/Version", "").StatusCode)
	assert.Equal(t, http.StatusTooManyRequests, get(t, c, first+"/api/v2/Version", "").StatusCode, "the second server's request counted")
}

func TestStreamsOutliveTheWriteTimeout(t *testing.T) {
	base, stop := start(t, []string{"-listen", "127.0.0.1:0", "-data-dir", t.TempDir()}, env(map[string]string{
		"OPENBACKBONE_HTTP_WRITETIMEOUT": "300ms",
		"OPENBACKBONE_HTTP_READTIMEOUT":  "300ms",
		"OPENBACKBONE_PUSH_SSEKEEPALIVE": "50ms",
	}))
	defer func() { require.NoError(t, stop()) }()
	c := &backbonetest.Client{BaseURL: base}
	a, err := c.CreateAccount(t.Context())
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	opened := time.Now()
	events, err := c.Stream(ctx, a.Token)
	require.NoError(t, err)
	// Keep-alives still arriving well after both timeouts show the stream
	// was spared; a cut stream would close the channel.
	for ev := range events {
		if ev == "keep-alive" && time.Since(opened) > time.Second {
			return
		}
	}
	t.Fatalf("the stream ended after %s", time.Since(opened))
}

func TestServesTLSWithSecurityHeadersAndCORS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := gatewaytest.SelfSigned(t, dir)
	base, stop := start(t, []string{"-listen", "127.0.0.1:0", "-data-dir", dir}, env(map[string]string{
		"OPENBACKBONE_TLS_CERTFILE":        certFile,
		"OPENBACKBONE_TLS_KEYFILE":         keyFile,
		"OPENBACKBONE_CORS_ALLOWEDORIGINS": "https://app.example.org",
	}))
	defer func() { require.NoError(t, stop()) }()
	base = "https://" + strings.TrimPrefix(base, "http://")
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}

	res := get(t, client, base+"/api/v2/Version", "", "Origin", "https://app.example.org")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.GreaterOrEqual(t, res.TLS.Version, uint16(tls.VersionTLS12))
	for header, want := range map[string]string{
		"Strict-Transport-Security":     "max-age=5184000; includeSubDomains",
		"X-Frame-Options":               "Deny",
		"X-Content-Type-Options":        "nosniff",
		"Referrer-Policy":               "no-referrer",
		"Content-Security-Policy":       "object-src 'none'; form-action 'self'; frame-ancestors 'none'",
		"Cross-Origin-Opener-Policy":    "same-origin",
		"Access-Control-Allow-Origin":   "https://app.example.org",
		"Access-Control-Expose-Headers": "X-Request-Time, X-Response-Time, X-Response-Duration-ms, X-Trace-Id",
	} {
		assert.Equal(t, want, res.Header.Get(header), header)
	}
	assert.Empty(t, res.Header.Get("Server"), "no Server header (§1.8)")

	req, _ := http.NewRequest(http.MethodOptions, base+"/api/v2/Devices", nil)
	req.Header.Set("Origin", "https://app.example.org")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "authorization")
	pre, err := client.Do(req)
	require.NoError(t, err)
	pre.Body.Close()
	assert.Equal(t, http.StatusNoContent, pre.StatusCode)
	assert.Equal(t, "authorization", pre.Header.Get("Access-Control-Allow-Headers"))

	plain := get(t, http.DefaultClient, "http://"+strings.TrimPrefix(base, "https://")+"/api/v2/Version", "")
	assert.Equal(t, http.StatusBadRequest, plain.StatusCode, "plain HTTP is not served")
}
