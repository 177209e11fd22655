package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGatewayKeysFromFileAndEnvironment(t *testing.T) {
	path := writeFile(t, `landscape: dev
tls: {certFile: /tls/cert.pem, keyFile: /tls/key.pem}
http: {maxHeaderBytes: 32768, writeTimeout: 30s}
rateLimit:
  perIdentity: {requests: 60, period: 1m, burst: 10}
  trustedProxies: [10.0.0.0/8]
cors:
  allowedOrigins: [https://app.example.org]
  allowCredentials: true
`)
	env := map[string]string{
		"OPENBACKBONE_RATELIMIT_PERIP_REQUESTS": "100", "OPENBACKBONE_RATELIMIT_PERIP_PERIOD": "1s", "OPENBACKBONE_RATELIMIT_PERIP_BURST": "5",
		"OPENBACKBONE_RATELIMIT_REDIS":          "redis://127.0.0.1:6379/0",
		"OPENBACKBONE_CORS_EXPOSEDHEADERS":      "X-Trace-Id, Retry-After",
		"OPENBACKBONE_RATELIMIT_TRUSTEDPROXIES": "10.0.0.0/8,192.0.2.1",
	}
	c, err := Load([]string{"-config", path}, func(k string) string { return env[k] })
	require.NoError(t, err)
	assert.Equal(t, TLS{CertFile: "/tls/cert.pem", KeyFile: "/tls/key.pem"}, c.TLS)
	assert.Equal(t, 32768, c.HTTP.MaxHeaderBytes)
	assert.Equal(t, 30*time.Second, c.HTTP.WriteTimeout)
	assert.Equal(t, 2*time.Minute, c.HTTP.ReadTimeout, "the landscape's default stays")
	assert.Equal(t, Rate{Requests: 60, Period: time.Minute, Burst: 10}, c.RateLimit.PerIdentity)
	assert.Equal(t, Rate{Requests: 100, Period: time.Second, Burst: 5}, c.RateLimit.PerIP)
	assert.Equal(t, []string{"10.0.0.0/8", "192.0.2.1"}, c.RateLimit.TrustedProxies, "lists come comma-separated from the environment")
	assert.Equal(t, "redis://127.0.0.1:6379/0", c.RateLimit.Redis)
	assert.Equal(t, []string{"https://app.example.org"}, c.CORS.AllowedOrigins)
	assert.Equal(t, []string{"X-Trace-Id", "Retry-After"}, c.CORS.ExposedHeaders)
	assert.True(t, c.CORS.AllowCredentials)
}

func TestGatewayKeysAreValidated(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"OPENBACKBONE_TLS_CERTFILE": "/c.pem"}, "tls.keyFile"},
		{map[string]string{"OPENBACKBONE_HTTP_READTIMEOUT": "-1s"}, "negative"},
		{map[string]string{"OPENBACKBONE_HTTP_MAXHEADERBYTES": "100"}, "maxHeaderBytes"},
		{map[string]string{"OPENBACKBONE_RATELIMIT_PERIDENTITY_REQUESTS": "10"}, "rateLimit.perIdentity: period"},
		{map[string]string{"OPENBACKBONE_RATELIMIT_PERIP_REQUESTS": "10", "OPENBACKBONE_RATELIMIT_PERIP_PERIOD": "1s"}, "rateLimit.perIp: burst"},
		{map[string]string{"OPENBACKBONE_RATELIMIT_TRUSTEDPROXIES": "proxy.local"}, "trustedProxies"},
		{map[string]string{"OPENBACKBONE_RATELIMIT_REDIS": "http://redis"}, "rateLimit.redis"},
		{map[string]string{"OPENBACKBONE_CORS_ALLOWEDORIGINS": "*", "OPENBACKBONE_CORS_ALLOWCREDENTIALS": "true"}, "allowCredentials"},
		{map[string]string{"OPENBACKBONE_CORS_ALLOWEDORIGINS": "app.example.org"}, "scheme://host"},
	} {
		_, err := Load(nil, func(k string) string { return tc.env[k] })
		assert.ErrorContains(t, err, tc.want, "%v", tc.env)
	}
}
