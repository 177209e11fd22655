package main

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func statusWithKey(t *testing.T, url, key string) int {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	require.NoError(t, err)
	if key != "" {
		req.Header.Set("X-API-KEY", key)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// The dev landscape serves the Admin API with the key "test" beside the
// Consumer API, whose /api/v1/sse stays its own.
func TestAdminAPISharesTheListenerByDefault(t *testing.T) {
	base, stop := start(t, []string{"-listen", "127.0.0.1:0", "-data-dir", t.TempDir()}, env(nil))
	defer func() { require.NoError(t, stop()) }()
	assert.Equal(t, http.StatusOK, statusWithKey(t, base+"/api/v1/Tiers", "test"))
	assert.Equal(t, http.StatusUnauthorized, statusWithKey(t, base+"/api/v1/Tiers", "wrong"))
	assert.Equal(t, http.StatusOK, statusWithKey(t, base+"/api/v2/Version", ""))
	assert.Equal(t, http.StatusUnauthorized, statusWithKey(t, base+"/api/v1/sse", ""), "the Consumer API's stream asks for a bearer token")
	res, err := http.Post(base+"/api/v1/ValidateApiKey", "application/json", strings.NewReader(`{"apiKey":"test"}`))
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.JSONEq(t, `{"isValid":true}`, string(body))
}

// With admin.listen the Admin API moves to its own listener and leaves
// the Consumer API's.
func TestAdminAPIOnItsOwnListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	adminAddr := ln.Addr().String()
	require.NoError(t, ln.Close())
	base, stop := start(t, []string{"-listen", "127.0.0.1:0", "-data-dir", t.TempDir()},
		env(map[string]string{"OPENBACKBONE_ADMIN_LISTEN": adminAddr, "OPENBACKBONE_ADMIN_APIKEY": "s3cret"}))
	defer func() { require.NoError(t, stop()) }()
	admin := "http://" + adminAddr
	assert.Equal(t, http.StatusOK, statusWithKey(t, admin+"/api/v1/Tiers", "s3cret"))
	assert.Equal(t, http.StatusUnauthorized, statusWithKey(t, admin+"/api/v1/Tiers", "test"), "the configured key replaces the dev one")
	assert.Equal(t, http.StatusNotFound, statusWithKey(t, admin+"/api/v2/Version", ""), "the admin listener serves only the Admin API")
	assert.Equal(t, http.StatusOK, statusWithKey(t, admin+"/health", ""))
	assert.Equal(t, http.StatusNotFound, statusWithKey(t, base+"/api/v1/Tiers", "s3cret"), "the Consumer listener no longer serves it")
	assert.Equal(t, http.StatusOK, statusWithKey(t, base+"/api/v2/Version", ""))
}
