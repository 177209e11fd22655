package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/internal/testservices"
)

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

// start runs the server in the background and returns its base URL and a
// function that stops it and returns run's error.
func start(t *testing.T, args []string, getenv func(string) string) (string, func() error) {
	t.Helper()
	return startLoggingTo(t, args, getenv, io.Discard)
}

// startLoggingTo is start with the server's log written to logOut.
func startLoggingTo(t *testing.T, args []string, getenv func(string) string, logOut io.Writer) (string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, getenv, logOut, ready) }()
	select {
	case addr := <-ready:
		return "http://" + addr, func() error { cancel(); return <-done }
	case err := <-done:
		cancel()
		t.Fatalf("server did not start: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("server did not start in time")
	}
	return "", nil
}

func TestServeOnEmbeddedDefaultsAndShutDownGracefully(t *testing.T) {
	dir := t.TempDir()
	base, stop := start(t, []string{"-listen", "127.0.0.1:0", "-data-dir", dir}, env(nil))
	res, err := http.Get(base + "/api/v2/Version")
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.JSONEq(t, `{"result":{"majorVersion":"7"}}`, string(body))
	require.NoError(t, stop())
	assert.FileExists(t, filepath.Join(dir, "backbone.db"))
	assert.FileExists(t, filepath.Join(dir, "token-signing-key.pem"))

	// A restart keeps the key, so tokens issued before stay valid.
	key, _ := os.ReadFile(filepath.Join(dir, "token-signing-key.pem"))
	_, stop = start(t, []string{"-listen", "127.0.0.1:0", "-data-dir", dir}, env(nil))
	require.NoError(t, stop())
	again, _ := os.ReadFile(filepath.Join(dir, "token-signing-key.pem"))
	assert.Equal(t, key, again)
}

func TestMigrateSubcommandOnPostgres(t *testing.T) {
	getenv := env(map[string]string{"OPENBACKBONE_DATABASE": testservices.Postgres(t)})
	require.NoError(t, run(t.Context(), []string{"migrate"}, getenv, io.Discard, nil))
	require.NoError(t, run(t.Context(), []string{"migrate"}, getenv, io.Discard, nil), "migrating twice is a no-op")
}

func TestMigrateSubcommandOnSQLite(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, run(t.Context(), []string{"migrate", "-data-dir", dir}, env(nil), io.Discard, nil))
	assert.FileExists(t, filepath.Join(dir, "backbone.db"))
}

func TestConfigurationErrorsAreReported(t *testing.T) {
	for _, args := range [][]string{
		{"bogus"},
		{"-landscape", "moon"},
		{"-no-such-flag"},
		{"-landscape", "prod"}, // no DID domain
		{"-landscape", "prod", "-did-domain", "example.org", "-listen", "127.0.0.1:0", "-data-dir", "DIR"}, // no signing key
	} {
		for i := range args {
			if args[i] == "DIR" {
				args[i] = t.TempDir()
			}
		}
		assert.Error(t, run(t.Context(), args, env(nil), io.Discard, nil), "%v", args)
	}
	assert.Error(t, run(t.Context(), nil, env(map[string]string{"OPENBACKBONE_AUTH_TOKENLIFETIME": "soon"}), io.Discard, nil))
}
