package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDevDefaults(t *testing.T) {
	c, err := Load(nil, func(string) string { return "" })
	require.NoError(t, err)
	assert.Equal(t, "dev", c.Landscape)
	assert.Equal(t, "127.0.0.1:8080", c.Listen)
	assert.Equal(t, "localhost", c.DidDomainName)
	assert.Equal(t, "sqlite:data/backbone.db", c.Database)
	assert.Equal(t, []SeedClient{{ClientID: "test", ClientSecret: "test", DisplayName: "Test client"}}, c.SeedClients)
	assert.Equal(t, time.Minute, c.Auth.LockoutDuration)
	assert.Equal(t, 5, c.Messages.MaxRecipients)
}

func TestFileThenEnvironmentThenFlags(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	require.NoError(t, os.WriteFile(path, []byte("landscape: dev\nlisten: 127.0.0.1:1\nauth:\n  tokenLifetime: 10m\n  maxFailedLogins: 5\n"), 0o600))
	env := map[string]string{"OPENBACKBONE_CONFIG": path, "OPENBACKBONE_LISTEN": "127.0.0.1:2", "OPENBACKBONE_AUTH_MAXFAILEDLOGINS": "7", "OPENBACKBONE_MESSAGES_MAXRECIPIENTS": "3"}
	c, err := Load([]string{"-listen", "127.0.0.1:3"}, func(k string) string { return env[k] })
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:3", c.Listen, "flags win")
	assert.Equal(t, 7, c.Auth.MaxFailedLogins, "environment beats file")
	assert.Equal(t, 10*time.Minute, c.Auth.TokenLifetime, "file beats defaults")
	assert.Equal(t, 3, c.Messages.MaxRecipients)
}

func TestUnknownFileKeysAndLandscapeMismatchAreErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("landscape: dev\nlisten_typo: x\n"), 0o600))
	_, err := Load([]string{"-config", bad}, func(string) string { return "" })
	assert.ErrorContains(t, err, "listen_typo")
	other := filepath.Join(dir, "prod.yaml")
	require.NoError(t, os.WriteFile(other, []byte("landscape: prod\n"), 0o600))
	_, err = Load([]string{"-config", other}, func(string) string { return "" })
	assert.ErrorContains(t, err, "landscape")
}

func TestAdminKeyIsTestInDevAndUnsetElsewhere(t *testing.T) {
	c, err := Defaults("dev")
	require.NoError(t, err)
	assert.Equal(t, "test", c.Admin.APIKey)
	assert.Empty(t, c.Admin.Listen, "the Admin API shares the Consumer API's listener")
	for _, landscape := range []string{"stage", "prod"} {
		c, err := Defaults(landscape)
		require.NoError(t, err)
		assert.Empty(t, c.Admin.APIKey, "%s: no default key, so the Admin API answers 401 until one is set", landscape)
	}
	env := map[string]string{"OPENBACKBONE_ADMIN_APIKEY": "k", "OPENBACKBONE_ADMIN_LISTEN": "127.0.0.1:9", "OPENBACKBONE_ADMIN_XSRFKEY": "x"}
	c, err = Load(nil, func(k string) string { return env[k] })
	require.NoError(t, err)
	assert.Equal(t, []string{"k", "127.0.0.1:9", "x"}, []string{c.Admin.APIKey, c.Admin.Listen, c.Admin.XSRFKey})
	_, err = Load([]string{"-listen", "127.0.0.1:9"}, func(k string) string { return env[k] })
	assert.ErrorContains(t, err, "admin.listen")
}
