package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/adapters/sqlstore"
	"github.com/openbackbone/openbackbone/backbone"
)

// open reads the database the tool wrote, through the services.
func open(t *testing.T, dsn string) *backbone.Backbone {
	t.Helper()
	store, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	cfg := backbone.DefaultConfig()
	cfg.DidDomainName = "localhost"
	_, cfg.TokenSigningKey, _ = ed25519.GenerateKey(nil)
	b, err := backbone.New(cfg, backbone.Drivers{Store: store})
	require.NoError(t, err)
	return b
}

func TestProvisionCreatesTierQuotasAndClient(t *testing.T) {
	ctx := context.Background()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "backbone.db")
	var out bytes.Buffer
	err := run(ctx, []string{"-db", dsn, "-tier", "Premium",
		"-quota", "NumberOfSentMessages:1000:Month", "-quota", "NumberOfFiles:50:Total",
		"-client-id", "my-app", "-client-name", "My app"}, &out)
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^tier Premium (TIR\w{17})\n(?:quota .*\n){2}client my-app\nsecret (\S{30})\n$`).FindStringSubmatch(out.String())
	require.NotNil(t, m, "output:\n%s", out.String())
	tierID := m[1]

	b := open(t, dsn)
	client, err := b.Clients.Get(ctx, "my-app")
	require.NoError(t, err)
	assert.Equal(t, "My app", client.DisplayName)
	assert.Equal(t, tierID, client.DefaultTierID, "new identities of the client land on the tier")
	quotas, err := b.Quotas.OfTier(ctx, tierID)
	require.NoError(t, err)
	got := map[string]string{}
	for _, q := range quotas {
		got[q.Metric.Key] = q.Period
		assert.Contains(t, []int{1000, 50}, q.Max)
	}
	assert.Equal(t, map[string]string{"NumberOfSentMessages": "Month", "NumberOfFiles": "Total"}, got)

	t.Run("SecondClientReusesTheTier", func(t *testing.T) {
		out.Reset()
		require.NoError(t, run(ctx, []string{"-db", dsn, "-tier", "Premium", "-client-id", "other-app"}, &out))
		assert.Contains(t, out.String(), "tier Premium "+tierID+"\n")
		c, err := b.Clients.Get(ctx, "other-app")
		require.NoError(t, err)
		assert.Equal(t, tierID, c.DefaultTierID)
	})
	t.Run("ExistingClientIsRefused", func(t *testing.T) {
		err := run(ctx, []string{"-db", dsn, "-tier", "Premium", "-client-id", "my-app"}, &out)
		var be *backbone.Error
		require.ErrorAs(t, err, &be)
		assert.Equal(t, backbone.CodeClientIDAlreadyExists, be.Code)
	})
}

func TestProvisionRejectsBadInput(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "backbone.db")
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"MissingFlags":       {[]string{"-db", dsn}, "-db, -tier and -client-id are required"},
		"QuotaWithoutMax":    {[]string{"-quota", "NumberOfFiles:Total"}, "want METRIC:MAX:PERIOD"},
		"QuotaMaxNotANumber": {[]string{"-quota", "NumberOfFiles:many:Total"}, `MAX "many" is not a number`},
		"UnknownMetric":      {[]string{"-db", dsn, "-tier", "Gold", "-client-id", "x-app", "-quota", "Nope:1:Total"}, "quota Nope: error.platform.quotas.unsupportedMetricKey"},
		"ShortTierName":      {[]string{"-db", dsn, "-tier", "G", "-client-id", "x-app"}, "The tier name must have 3 to 30 characters."},
	} {
		t.Run(name, func(t *testing.T) {
			assert.ErrorContains(t, run(context.Background(), tc.args, &bytes.Buffer{}), tc.want)
		})
	}
}
