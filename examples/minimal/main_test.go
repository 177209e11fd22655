package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/conformance/apitest"
)

// start runs the example on a loopback port and returns its base URL; the
// server stops, and run must return nil, when the test ends.
func start(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"-listen", "127.0.0.1:0"}, args...), ready) }()
	t.Cleanup(func() {
		cancel()
		assert.NoError(t, <-done, "run after cancel")
	})
	select {
	case addr := <-ready:
		// localhost, not 127.0.0.1: addresses carry the DID domain
		// "localhost", which is the host clients use.
		return "http://localhost:" + addr[strings.LastIndex(addr, ":")+1:]
	case err := <-done:
		t.Fatalf("run ended before serving: %v", err)
	}
	return ""
}

func TestMinimalServesTheConsumerAPI(t *testing.T) {
	data := t.TempDir()
	base := start(t, "-data", data, "-admin-key", "k")

	res, err := http.Get(base + "/api/v2/Version")
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, string(body), `"result"`)

	res, err = http.Post(base+"/api/v2/Challenges", "application/json", nil)
	require.NoError(t, err)
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, http.StatusCreated, res.StatusCode, string(body))
	assert.Contains(t, string(body), `"id":"CHL`)

	_, err = os.Stat(filepath.Join(data, "backbone.db"))
	assert.NoError(t, err, "the database lives in -data")
}

func TestMinimalRejectsUnknownFlags(t *testing.T) {
	err := run(context.Background(), []string{"-nope"}, nil)
	assert.ErrorContains(t, err, "nope")
}

// TestMinimalPassesTheHTTPSuite is the promise that an embedded Backbone
// and the reference server pass the same black-box suite
// (scripts/test-all.sh runs it against the reference server).
func TestMinimalPassesTheHTTPSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("the whole HTTP suite is not short")
	}
	base := start(t, "-data", t.TempDir(), "-admin-key", "test")
	apitest.Run(t, apitest.Config{BaseURL: base, HTTPClient: &http.Client{Timeout: 30 * time.Second}})
}
