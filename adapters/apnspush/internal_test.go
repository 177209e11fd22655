package apnspush

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testSigner(t *testing.T) *signer {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return &signer{teamID: "TEAM123456", keyID: "KEY1234567", key: priv}
}

func TestDropKeepsNewerToken(t *testing.T) {
	s := testSigner(t)
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	old, err := s.token(now)
	require.NoError(t, err)

	s.drop(old)
	fresh, err := s.token(now)
	require.NoError(t, err)
	assert.NotEqual(t, old, fresh)

	// A Send that still carried the old token is refused after another
	// has renewed it: the renewed token stays.
	s.drop(old)
	again, err := s.token(now.Add(time.Minute))
	require.NoError(t, err)
	assert.Equal(t, fresh, again)
}

func TestClockGoingBackwardsRenewsToken(t *testing.T) {
	s := testSigner(t)
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	first, err := s.token(now)
	require.NoError(t, err)
	earlier, err := s.token(now.Add(-time.Minute))
	require.NoError(t, err)
	assert.NotEqual(t, first, earlier)
}

func TestDefaultClient(t *testing.T) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	require.NoError(t, err)
	p, err := New(Config{
		Keys:    map[string]Key{"main": {TeamID: "T", KeyID: "K", PrivateKey: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))}},
		Bundles: map[string]string{"eu.enmeshed.app": "main"},
	})
	require.NoError(t, err)
	assert.Equal(t, DefaultProductionURL, p.prodURL)
	assert.Equal(t, DefaultDevelopmentURL, p.devURL)
	assert.NotNil(t, p.now)

	c := p.client
	require.NotNil(t, c)
	assert.Positive(t, c.Timeout)
	tr, ok := c.Transport.(*http.Transport)
	require.True(t, ok)
	assert.True(t, tr.ForceAttemptHTTP2)
	assert.Positive(t, tr.TLSHandshakeTimeout)
	require.NotNil(t, tr.HTTP2)
	assert.Positive(t, tr.HTTP2.SendPingTimeout)

	// It speaks HTTP/2 to a TLS server that offers it, and does not
	// follow redirects.
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
			return
		}
		w.Header().Set("X-Proto", r.Proto)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	tr = tr.Clone()
	tr.TLSClientConfig.RootCAs = x509.NewCertPool()
	tr.TLSClientConfig.RootCAs.AddCert(srv.Certificate())
	client := *c
	client.Transport = tr
	defer tr.CloseIdleConnections()

	resp, err := client.Post(srv.URL+"/3/device/x", "application/json", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 2, resp.ProtoMajor)
	assert.Equal(t, "HTTP/2.0", resp.Header.Get("X-Proto"))

	resp, err = client.Post(srv.URL+"/moved", "application/json", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusFound, resp.StatusCode)
}
