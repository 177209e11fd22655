package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBuiltInLandscapesFollowTheSpecTable(t *testing.T) {
	for _, tc := range []struct {
		landscape      string
		minLength      int
		classes        bool
		lockout        time.Duration
		seedsTest      bool
		logLevel       string
		migrateOnStart bool
		rateLimited    bool
	}{
		{"dev", 1, false, time.Minute, true, "debug", true, false},
		{"stage", 10, true, 10 * time.Minute, false, "info", false, true},
		{"prod", 10, true, 10 * time.Minute, false, "info", false, true},
	} {
		t.Run(tc.landscape, func(t *testing.T) {
			c, err := Defaults(tc.landscape)
			require.NoError(t, err)
			assert.Equal(t, tc.minLength, c.Auth.PasswordMinLength)
			assert.Equal(t, tc.classes, c.Auth.PasswordRequireClasses)
			assert.Equal(t, 3, c.Auth.MaxFailedLogins)
			assert.Equal(t, tc.lockout, c.Auth.LockoutDuration)
			assert.Equal(t, 300*time.Second, c.Auth.TokenLifetime)
			assert.Equal(t, tc.seedsTest, len(c.SeedClients) == 1 && c.SeedClients[0].ClientID == "test")
			assert.Equal(t, tc.logLevel, c.LogLevel)
			assert.Equal(t, tc.migrateOnStart, c.MigrateOnStart)
			assert.Equal(t, tc.rateLimited, c.RateLimit.PerIdentity.Requests > 0 && c.RateLimit.PerIP.Requests > 0)
			assert.Equal(t, 10*time.Second, c.HTTP.ReadHeaderTimeout)
			assert.Equal(t, []string{"X-Request-Time", "X-Response-Time", "X-Response-Duration-ms", "X-Trace-Id"}, c.CORS.ExposedHeaders)
			assert.Empty(t, c.CORS.AllowedOrigins, "CORS only when configured")
			assert.Equal(t, tc.landscape, c.Base())
		})
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.yaml")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

func TestCustomLandscapeStartsFromItsBase(t *testing.T) {
	path := writeFile(t, "landscape: perf\nbasedOn: stage\ndidDomainName: perf.example.org\nauth:\n  lockoutDuration: 2m\n")
	c, err := Load([]string{"-landscape", "perf", "-config", path}, func(string) string { return "" })
	require.NoError(t, err)
	assert.Equal(t, "perf", c.Landscape)
	assert.Equal(t, "stage", c.Base())
	assert.Equal(t, 10, c.Auth.PasswordMinLength, "stage's default")
	assert.Equal(t, 2*time.Minute, c.Auth.LockoutDuration, "the file beats the base")
	assert.Empty(t, c.SeedClients)

	// The environment alone can name one too, and overrides as usual.
	env := map[string]string{"OPENBACKBONE_LANDSCAPE": "e2e", "OPENBACKBONE_BASEDON": "dev", "OPENBACKBONE_AUTH_LOCKOUTDURATION": "5s"}
	c, err = Load(nil, func(k string) string { return env[k] })
	require.NoError(t, err)
	assert.Equal(t, "e2e", c.Landscape)
	assert.Equal(t, "dev", c.Base())
	assert.Equal(t, "localhost", c.DidDomainName)
	assert.Equal(t, 5*time.Second, c.Auth.LockoutDuration)
}

func TestLandscapeErrors(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		args       []string
		want       string
	}{
		{"unknown without basedOn", "", []string{"-landscape", "perf"}, "needs basedOn"},
		{"based on a custom one", "landscape: perf\nbasedOn: other\n", []string{"-landscape", "perf"}, "not built in"},
		{"built-in based on another", "landscape: stage\nbasedOn: dev\n", []string{"-landscape", "stage"}, "cannot be based on"},
		{"bad name", "", []string{"-landscape", "Perf Test"}, "lower-case"},
		{"file names another landscape", "landscape: perf\nbasedOn: prod\n", nil, "choose it with -landscape"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if tc.file != "" {
				args = append(args, "-config", writeFile(t, tc.file))
			}
			_, err := Load(args, func(string) string { return "" })
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

// cleanProd is a prod configuration without shortcuts.
func cleanProd() map[string]string {
	return map[string]string{
		"OPENBACKBONE_LANDSCAPE":           "prod",
		"OPENBACKBONE_DIDDOMAINNAME":       "backbone.example.org",
		"OPENBACKBONE_DATABASE":            "postgres://backbone@db:5432/backbone",
		"OPENBACKBONE_BUS":                 "rabbit://?server=amqp://broker:5672/",
		"OPENBACKBONE_AUTH_SIGNINGKEYFILE": "/run/secrets/token-signing-key.pem",
	}
}

func loadEnv(env map[string]string, args ...string) (Config, error) {
	return Load(args, func(k string) string { return env[k] })
}

func TestProdRefusesEachDevShortcut(t *testing.T) {
	c, err := loadEnv(cleanProd())
	require.NoError(t, err, "a prod configuration without shortcuts starts")
	assert.Equal(t, "prod", c.Base())

	for _, tc := range []struct {
		name string
		env  map[string]string
		file string
		want string
	}{
		{"no signing key", map[string]string{"OPENBACKBONE_AUTH_SIGNINGKEYFILE": ""}, "", "no token signing key"},
		{"dev's generated key", map[string]string{"OPENBACKBONE_AUTH_SIGNINGKEYFILE": "./data/token-signing-key.pem"}, "", "the key dev generates"},
		{"constant key", map[string]string{"OPENBACKBONE_AUTH_SIGNINGKEYFILE": "", "OPENBACKBONE_AUTH_SIGNINGKEY": "constant://?val=x"}, "", "constant://"},
		{"test client", nil, "seedClients:\n  - {clientId: test, clientSecret: a-long-and-random-secret-value}\n", `seed client "test"`},
		{"weak seed secret", nil, "seedClients:\n  - {clientId: app, clientSecret: short}\n", `seed client "app" has a weak secret`},
		{"test admin key", map[string]string{"OPENBACKBONE_ADMIN_APIKEY": "test"}, "", "admin.apiKey is weak"},
		{"sqlite", map[string]string{"OPENBACKBONE_DATABASE": ""}, "", "database is SQLite"},
		{"mem bus", map[string]string{"OPENBACKBONE_BUS": "mem://"}, "", "bus is mem://"},
		{"mem blob", map[string]string{"OPENBACKBONE_BLOB": "mem://"}, "", "blob is mem://"},
		{"localhost", map[string]string{"OPENBACKBONE_DIDDOMAINNAME": "localhost"}, "", "didDomainName is localhost"},
		{"dummy push", map[string]string{"OPENBACKBONE_PUSH_DUMMY": "true"}, "", "push.dummy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := cleanProd()
			for k, v := range tc.env {
				env[k] = v
			}
			var args []string
			if tc.file != "" {
				args = []string{"-config", writeFile(t, "landscape: prod\n"+tc.file)}
			}
			_, err := loadEnv(env, args...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "refuses development shortcuts")
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestProdNamesEveryShortcutAtOnce(t *testing.T) {
	_, err := loadEnv(map[string]string{"OPENBACKBONE_LANDSCAPE": "prod", "OPENBACKBONE_DIDDOMAINNAME": "localhost", "OPENBACKBONE_ADMIN_APIKEY": "test"})
	require.Error(t, err)
	for _, want := range []string{"no token signing key", "admin.apiKey", "SQLite", "mem://", "localhost"} {
		assert.Contains(t, err.Error(), want)
	}
	assert.Equal(t, 1, strings.Count(err.Error(), "refuses development shortcuts"), "one error lists them all")
}

func TestShortcutsFollowTheBase(t *testing.T) {
	env := map[string]string{"OPENBACKBONE_LANDSCAPE": "pentest", "OPENBACKBONE_BASEDON": "prod", "OPENBACKBONE_DIDDOMAINNAME": "localhost"}
	_, err := loadEnv(env)
	assert.ErrorContains(t, err, "landscape pentest refuses development shortcuts")

	env["OPENBACKBONE_BASEDON"] = "stage"
	_, err = loadEnv(env)
	assert.NoError(t, err, "stage allows them, for test deployments")

	env = cleanProd()
	env["OPENBACKBONE_ADMIN_APIKEY"] = "a-long-and-random-admin-api-key"
	_, err = loadEnv(env)
	assert.NoError(t, err, "a strong Admin API key is fine")
}
