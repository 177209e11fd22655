package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/conformance/apitest"
)

// TestCustomBlobStoresTheAPIsFiles runs the HTTP suite, whose file tests
// upload, download and delete through the API, and checks that the
// contents went to the example's own store.
func TestCustomBlobStoresTheAPIsFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("the whole HTTP suite is not short")
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-admin-key", "test"}, ready) }()
	defer func() {
		cancel()
		assert.NoError(t, <-done, "run after cancel")
	}()
	var base string
	select {
	case addr := <-ready:
		base = "http://localhost:" + addr[strings.LastIndex(addr, ":")+1:]
	case err := <-done:
		t.Fatalf("run ended before serving: %v", err)
	}

	stats := func() blobStats {
		res, err := http.Get(base + "/blobstats")
		require.NoError(t, err)
		defer res.Body.Close()
		var s blobStats
		require.NoError(t, json.NewDecoder(res.Body).Decode(&s))
		return s
	}
	require.Equal(t, blobStats{}, stats(), "an empty store before the suite")
	apitest.Run(t, apitest.Config{BaseURL: base})
	assert.Positive(t, stats().Writes, "files uploaded through the API went to the example's store")
}
