package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gocloud.dev/secrets/localsecrets"

	"github.com/openbackbone/openbackbone/internal/backbonetest"
)

// newSigningKeyPEM returns a fresh Ed25519 key as PKCS #8 PEM and its
// public half.
func newSigningKeyPEM(t *testing.T) ([]byte, ed25519.PublicKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), pub
}

// encryptedKeyFile writes the PEM encrypted with a new localsecrets key and
// returns the secret URL that decrypts it.
func encryptedKeyFile(t *testing.T, plain []byte) string {
	t.Helper()
	sk, err := localsecrets.NewRandomKey()
	require.NoError(t, err)
	k := localsecrets.NewKeeper(sk)
	defer k.Close()
	c, err := k.Encrypt(context.Background(), plain)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "signing-key.pem.enc")
	require.NoError(t, os.WriteFile(path, c, 0o600))
	keeper := "base64key://" + base64.URLEncoding.EncodeToString(sk[:])
	return "file://" + filepath.ToSlash(path) + "?decrypt=" + url.QueryEscape(keeper)
}

// assertServerUsesKey creates an account on the server, checks that the
// server accepts the access token it issued, and that the token carries a
// signature by pub: the configured key, not one the server made up.
func assertServerUsesKey(t *testing.T, base string, pub ed25519.PublicKey) {
	t.Helper()
	c := &backbonetest.Client{BaseURL: base}
	a, err := c.CreateAccount(t.Context())
	require.NoError(t, err)
	status, err := c.Do(t.Context(), "GET", "/api/v2/Identities/Self", a.Token, nil, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status, "the server validates its token")

	parts := strings.Split(a.Token, ".")
	require.Len(t, parts, 3, "a JWT")
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	require.NoError(t, err)
	assert.True(t, ed25519.Verify(pub, []byte(parts[0]+"."+parts[1]), sig), "signed by the configured key")

	tampered := parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(make([]byte, ed25519.SignatureSize))
	status, err = c.Do(t.Context(), "GET", "/api/v2/Identities/Self", tampered, nil, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, status, "a bad signature is refused")
}

func TestSigningKeyFromLocalsecretsEncryptedFile(t *testing.T) {
	keyPEM, pub := newSigningKeyPEM(t)
	dir := t.TempDir()
	base, stop := start(t, []string{"-listen", "127.0.0.1:0", "-data-dir", dir},
		env(map[string]string{"OPENBACKBONE_AUTH_SIGNINGKEY": encryptedKeyFile(t, keyPEM)}))
	defer func() { require.NoError(t, stop()) }()
	assertServerUsesKey(t, base, pub)
	assert.NoFileExists(t, filepath.Join(dir, "token-signing-key.pem"), "no dev key is generated when one is configured")
}

func TestSigningKeyFromRuntimevarURL(t *testing.T) {
	keyPEM, pub := newSigningKeyPEM(t)
	base, stop := start(t, []string{"-listen", "127.0.0.1:0", "-data-dir", t.TempDir()},
		env(map[string]string{"OPENBACKBONE_AUTH_SIGNINGKEY": "constant://?val=" + url.QueryEscape(string(keyPEM))}))
	defer func() { require.NoError(t, stop()) }()
	assertServerUsesKey(t, base, pub)
}

// A key from a secret URL and the same key from a file are one key: a
// token one server issued, another validates.
func TestTokenFromURLKeyIsValidWithFileKey(t *testing.T) {
	keyPEM, pub := newSigningKeyPEM(t)
	dir := t.TempDir()
	base, stop := start(t, []string{"-listen", "127.0.0.1:0", "-data-dir", dir},
		env(map[string]string{"OPENBACKBONE_AUTH_SIGNINGKEY": encryptedKeyFile(t, keyPEM)}))
	c := &backbonetest.Client{BaseURL: base}
	a, err := c.CreateAccount(t.Context())
	require.NoError(t, err)
	require.NoError(t, stop())

	keyFile := filepath.Join(t.TempDir(), "key.pem")
	require.NoError(t, os.WriteFile(keyFile, keyPEM, 0o600))
	base, stop = start(t, []string{"-listen", "127.0.0.1:0", "-data-dir", dir},
		env(map[string]string{"OPENBACKBONE_AUTH_SIGNINGKEYFILE": keyFile}))
	defer func() { require.NoError(t, stop()) }()
	c = &backbonetest.Client{BaseURL: base}
	status, err := c.Do(t.Context(), "GET", "/api/v2/Identities/Self", a.Token, nil, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status)
	assertServerUsesKey(t, base, pub)
}

func TestSecretConfigurationErrorsStopTheStart(t *testing.T) {
	keyPEM, _ := newSigningKeyPEM(t)
	keyFile := filepath.Join(t.TempDir(), "key.pem")
	require.NoError(t, os.WriteFile(keyFile, keyPEM, 0o600))
	wrongKeeper := "base64key://" + base64.URLEncoding.EncodeToString(make([]byte, 32))
	encrypted := encryptedKeyFile(t, keyPEM)
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"both forms", map[string]string{"OPENBACKBONE_AUTH_SIGNINGKEY": "constant://?val=x", "OPENBACKBONE_AUTH_SIGNINGKEYFILE": keyFile}, "not both"},
		{"unknown scheme", map[string]string{"OPENBACKBONE_AUTH_SIGNINGKEY": "keyvault://k"}, `unknown scheme "keyvault"`},
		{"not PEM", map[string]string{"OPENBACKBONE_AUTH_SIGNINGKEY": "constant://?val=garbage"}, "no PEM block"},
		{"empty", map[string]string{"OPENBACKBONE_AUTH_SIGNINGKEY": "constant://?val="}, "empty"},
		{"missing file", map[string]string{"OPENBACKBONE_AUTH_SIGNINGKEY": "file://" + filepath.ToSlash(filepath.Join(t.TempDir(), "absent"))}, "auth.signingKey"},
		{"wrong keeper", map[string]string{"OPENBACKBONE_AUTH_SIGNINGKEY": strings.SplitN(encrypted, "?", 2)[0] + "?decrypt=" + url.QueryEscape(wrongKeeper)}, "decrypt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := run(t.Context(), []string{"-listen", "127.0.0.1:0", "-data-dir", t.TempDir()}, env(tc.env), io.Discard, nil)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

// An FCM service account given as a localsecrets-encrypted file behind a
// secret URL is decrypted and used: FCM receives the push, authorized by
// the token the account's key obtained.
func TestFCMServiceAccountFromSecretURL(t *testing.T) {
	google, googleURL, account := newFakeGoogle(t)
	dir := t.TempDir()
	config := "landscape: dev\npush:\n  fcm:\n    baseUrl: " + googleURL + "\n    serviceAccounts:\n      main: {url: '" + encryptedKeyFile(t, account) +
		"'}\n    apps:\n      eu.enmeshed.app: main\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(config), 0o600))

	base, stop := start(t, []string{"-config", filepath.Join(dir, "config.yaml"), "-listen", "127.0.0.1:0", "-data-dir", dir}, env(nil))
	t.Cleanup(func() { require.NoError(t, stop()) })
	c := &backbonetest.Client{BaseURL: base}
	ctx := t.Context()
	a, err := c.CreateAccount(ctx)
	require.NoError(t, err)
	status, err := c.Do(ctx, "PUT", "/api/v2/Devices/Self/PushNotifications", a.Token, map[string]any{"platform": "fcm", "handle": "fcm-registration-token", "appId": "eu.enmeshed.app"}, nil)
	require.NoError(t, err)
	require.Equal(t, 200, status)
	status, err = c.Do(ctx, "POST", "/api/v2/Devices/Self/PushNotifications/SendTestNotification", a.Token, map[string]any{}, nil)
	require.NoError(t, err)
	require.Equal(t, 204, status)
	require.Eventually(t, func() bool { return len(google.received()) == 1 }, 15*time.Second, 10*time.Millisecond, "FCM got the test push")
	assert.Equal(t, "fcm-registration-token", google.received()[0]["token"])
}

// An APNs key given both as a file and as a URL is refused at start, and so
// is a URL whose secret cannot be read.
func TestAPNsKeySecretForms(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "apns.p8")
	require.NoError(t, os.WriteFile(keyFile, []byte("x"), 0o600))
	for _, tc := range []struct{ key, want string }{
		{"{teamId: T, keyId: K, privateKeyFile: " + keyFile + ", privateKeyUrl: 'constant://?val=x'}", "exactly one of privateKey, privateKeyFile, privateKeyUrl; 2 given"},
		{"{teamId: T, keyId: K, privateKeyUrl: 'file://" + filepath.ToSlash(filepath.Join(dir, "absent")) + "'}", "push.apns.keys.main"},
		{"{teamId: T, keyId: K, privateKeyUrl: 'constant://?val='}", "empty"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			cfg := filepath.Join(t.TempDir(), "config.yaml")
			require.NoError(t, os.WriteFile(cfg, []byte("landscape: dev\npush:\n  apns:\n    keys:\n      main: "+tc.key+"\n    bundles:\n      eu.enmeshed.app: main\n"), 0o600))
			err := run(t.Context(), []string{"-config", cfg, "-listen", "127.0.0.1:0", "-data-dir", t.TempDir()}, env(nil), io.Discard, nil)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

// An APNs .p8 key behind an encrypted secret URL reaches the APNs adapter:
// the server starts with the real key and refuses one that is not a key.
func TestAPNsKeyFromSecretURL(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	p8 := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	config := func(secretURL string) string {
		cfg := filepath.Join(t.TempDir(), "config.yaml")
		require.NoError(t, os.WriteFile(cfg, []byte("landscape: dev\npush:\n  apns:\n    keys:\n      main: {teamId: TEAM123456, keyId: KEY1234567, privateKeyUrl: '"+secretURL+"'}\n    bundles:\n      eu.enmeshed.app: main\n"), 0o600))
		return cfg
	}
	_, stop := start(t, []string{"-config", config(encryptedKeyFile(t, p8)), "-listen", "127.0.0.1:0", "-data-dir", t.TempDir()}, env(nil))
	require.NoError(t, stop())

	err = run(t.Context(), []string{"-config", config(encryptedKeyFile(t, []byte("not a key"))), "-listen", "127.0.0.1:0", "-data-dir", t.TempDir()}, env(nil), io.Discard, nil)
	require.ErrorContains(t, err, "push.apns")
}
