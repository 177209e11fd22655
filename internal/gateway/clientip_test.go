package gateway

import (
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClientIPBelievesOnlyTrustedProxies(t *testing.T) {
	c, err := NewClientIP([]string{"10.0.0.0/8", "192.0.2.1", "::1"})
	require.NoError(t, err)
	for _, tc := range []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"direct client", "203.0.113.7:5555", nil, "203.0.113.7"},
		{"direct client lying", "203.0.113.7:5555", []string{"198.51.100.1"}, "203.0.113.7"},
		{"one trusted proxy", "10.1.2.3:443", []string{"198.51.100.1"}, "198.51.100.1"},
		{"client spoofs a hop before our proxy", "10.1.2.3:443", []string{"1.1.1.1, 198.51.100.1"}, "198.51.100.1"},
		{"chain of trusted proxies", "192.0.2.1:80", []string{"198.51.100.1, 10.9.9.9", "10.0.0.1"}, "198.51.100.1"},
		{"all hops trusted", "10.1.2.3:443", []string{"10.0.0.5"}, "10.0.0.5"},
		{"trusted proxy without header", "10.1.2.3:443", nil, "10.1.2.3"},
		{"garbage hop", "10.1.2.3:443", []string{"198.51.100.1, not-an-ip"}, "10.1.2.3"},
		{"IPv6 proxy", "[::1]:80", []string{"2001:db8::5"}, "2001:db8::5"},
		{"IPv4-mapped peer", "[::ffff:203.0.113.7]:80", nil, "203.0.113.7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/api/v2/Version", nil)
			r.RemoteAddr = tc.peer
			for _, h := range tc.xff {
				r.Header.Add("X-Forwarded-For", h)
			}
			assert.Equal(t, tc.want, c.Of(r).String())
		})
	}
}

func TestClientIPRejectsBadProxies(t *testing.T) {
	for _, bad := range []string{"10.0.0.0/33", "proxy.example.org", ""} {
		_, err := NewClientIP([]string{bad})
		assert.Error(t, err, bad)
	}
}
