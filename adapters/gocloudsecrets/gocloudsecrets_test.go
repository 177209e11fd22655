package gocloudsecrets_test

import (
	"context"
	"encoding/base64"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gocloud.dev/runtimevar"
	"gocloud.dev/runtimevar/constantvar"
	"gocloud.dev/secrets/localsecrets"

	"github.com/openbackbone/openbackbone/adapters/gocloudsecrets"
)

// newKey returns a localsecrets key and its keeper URL.
func newKey(t *testing.T) ([32]byte, string) {
	t.Helper()
	k, err := localsecrets.NewRandomKey()
	require.NoError(t, err)
	return k, "base64key://" + base64.URLEncoding.EncodeToString(k[:])
}

func encrypt(t *testing.T, key [32]byte, plain string) []byte {
	t.Helper()
	k := localsecrets.NewKeeper(key)
	defer k.Close()
	c, err := k.Encrypt(context.Background(), []byte(plain))
	require.NoError(t, err)
	return c
}

func TestReadConstant(t *testing.T) {
	got, err := gocloudsecrets.Read(t.Context(), "constant://?val="+url.QueryEscape("s3cr3t & more"))
	require.NoError(t, err)
	assert.Equal(t, "s3cr3t & more", string(got))
}

func TestReadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "key.pem")
	require.NoError(t, os.WriteFile(path, []byte("-----BEGIN PRIVATE KEY-----\n"), 0o600))
	got, err := gocloudsecrets.Read(t.Context(), "file://"+filepath.ToSlash(path))
	require.NoError(t, err)
	assert.Equal(t, "-----BEGIN PRIVATE KEY-----\n", string(got))
}

func TestReadMissingFileFails(t *testing.T) {
	_, err := gocloudsecrets.Read(t.Context(), "file://"+filepath.ToSlash(filepath.Join(t.TempDir(), "absent")))
	require.Error(t, err)
}

func TestReadEncryptedFile(t *testing.T) {
	key, keeperURL := newKey(t)
	path := filepath.Join(t.TempDir(), "key.enc")
	require.NoError(t, os.WriteFile(path, encrypt(t, key, "plain key"), 0o600))
	got, err := gocloudsecrets.Read(t.Context(), "file://"+filepath.ToSlash(path)+"?decrypt="+url.QueryEscape(keeperURL))
	require.NoError(t, err)
	assert.Equal(t, "plain key", string(got))
}

func TestReadEncryptedBase64Constant(t *testing.T) {
	key, keeperURL := newKey(t)
	c := base64.StdEncoding.EncodeToString(encrypt(t, key, "fcm service account"))
	got, err := gocloudsecrets.Read(t.Context(), "constant://?encoding=base64&val="+url.QueryEscape(c)+"&decrypt="+url.QueryEscape(keeperURL))
	require.NoError(t, err)
	assert.Equal(t, "fcm service account", string(got))
}

func TestReadWithWrongKeyFails(t *testing.T) {
	key, _ := newKey(t)
	_, otherURL := newKey(t)
	c := base64.StdEncoding.EncodeToString(encrypt(t, key, "x"))
	_, err := gocloudsecrets.Read(t.Context(), "constant://?encoding=base64&val="+url.QueryEscape(c)+"&decrypt="+url.QueryEscape(otherURL))
	require.ErrorContains(t, err, "decrypt")
}

func TestReadVariableExplicit(t *testing.T) {
	key, _ := newKey(t)
	v := constantvar.NewBytes(encrypt(t, key, "explicit"), runtimevar.BytesDecoder)
	defer v.Close()
	k := localsecrets.NewKeeper(key)
	defer k.Close()
	got, err := gocloudsecrets.ReadVariable(t.Context(), v, k)
	require.NoError(t, err)
	assert.Equal(t, "explicit", string(got))

	plain := constantvar.NewBytes([]byte("plain"), runtimevar.BytesDecoder)
	defer plain.Close()
	got, err = gocloudsecrets.ReadVariable(t.Context(), plain, nil)
	require.NoError(t, err)
	assert.Equal(t, "plain", string(got))
}

func TestReadVariableRejectsNonBytes(t *testing.T) {
	v := constantvar.New("a string")
	defer v.Close()
	_, err := gocloudsecrets.ReadVariable(t.Context(), v, nil)
	require.ErrorContains(t, err, "BytesDecoder")
}

func TestReadNonEmpty(t *testing.T) {
	_, err := gocloudsecrets.ReadNonEmpty(t.Context(), "constant://?val=")
	require.ErrorIs(t, err, gocloudsecrets.ErrEmpty)
	got, err := gocloudsecrets.ReadNonEmpty(t.Context(), "constant://?val=x")
	require.NoError(t, err)
	assert.Equal(t, "x", string(got))
}

func TestBadURLsAreRejectedWithClearErrors(t *testing.T) {
	_, keeperURL := newKey(t)
	for _, tc := range []struct{ url, want string }{
		{"vault://x", `unknown scheme "vault" (known: awsparamstore, awssecretsmanager, constant, file, gcpruntimeconfig, gcpsecretmanager)`},
		{"", `unknown scheme ""`},
		{"constant://?val=x&decoder=string", "decoder parameter is not supported"},
		{"constant://?val=x&encoding=hex&decrypt=" + url.QueryEscape(keeperURL), `encoding "hex"`},
		{"constant://?val=x&encoding=base64", "needs the decrypt parameter"},
		{"constant://?val=x&decrypt=rot13://", `unknown keeper scheme "rot13" (known: awskms, azurekeyvault, gcpkms, hashivault, base64key)`},
		{"constant://?val=x&decrypt=" + url.QueryEscape("base64key://"), "needs the key as host"},
		{"constant://?val=x&decrypt=" + url.QueryEscape("base64key://c2hvcnQ="), "wants 32 bytes"},
		{"constant://?val=x&bogus=1", "bogus"},
		{"%zz", "invalid URL escape"},
	} {
		t.Run(tc.url, func(t *testing.T) {
			_, err := gocloudsecrets.Read(t.Context(), tc.url)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestErrorsDoNotRevealTheValueOrKey(t *testing.T) {
	_, err := gocloudsecrets.Read(t.Context(), "constant://?val=TOPSECRET&decoder=bytes")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "TOPSECRET")
	_, err = gocloudsecrets.Read(t.Context(), "constant://?val=TOPSECRET&bogus=1")
	require.ErrorContains(t, err, "bogus")
	assert.NotContains(t, err.Error(), "TOPSECRET")
	_, err = gocloudsecrets.Read(t.Context(), "constant://?val=TOPSECRET&decrypt="+url.QueryEscape("base64key://TOPSECRETKEY"))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "TOPSECRET")
}

func TestParseStripsOwnParameters(t *testing.T) {
	s, err := gocloudsecrets.Parse("file:///run/k.enc?decrypt=" + url.QueryEscape("awskms://alias/k?region=eu-west-1") + "&encoding=base64")
	require.NoError(t, err)
	assert.Equal(t, gocloudsecrets.Secret{Variable: "file:///run/k.enc", Keeper: "awskms://alias/k?region=eu-west-1", Base64: true}, s)
}

// The cloud schemes are wired to their drivers: opening one gets past
// scheme dispatch to the driver, which fails here only for want of a
// server or credentials, never with "no driver registered".
func TestCloudSchemesReachTheirDrivers(t *testing.T) {
	// Nothing may be contacted: Google's and AWS's credential lookups would
	// otherwise ask the cloud metadata servers, so both get credentials
	// from the environment; Vault's client points at loopback.
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", filepath.Join(t.TempDir(), "absent.json"))
	t.Setenv("VAULT_SERVER_URL", "http://127.0.0.1:1")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "absent"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "absent"))
	t.Setenv("AZURE_CLIENT_ID", "")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for _, u := range []string{"awsparamstore://p?region=us-east-1", "awssecretsmanager://s?region=us-east-1", "gcpsecretmanager://projects/p/secrets/s", "gcpruntimeconfig://projects/p/configs/c/variables/v"} {
		v, err := gocloudsecrets.OpenVariable(ctx, u)
		if err == nil {
			v.Close()
		} else {
			assert.NotContains(t, err.Error(), "no driver registered", u)
		}
	}
	for _, u := range []string{"awskms://alias/k?region=us-east-1", "gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k", "azurekeyvault://v.vault.azure.net/keys/k", "hashivault://k"} {
		k, err := gocloudsecrets.OpenKeeper(ctx, u)
		if err == nil {
			k.Close()
		} else {
			assert.NotContains(t, err.Error(), "no driver registered", u)
		}
	}
	_, err := gocloudsecrets.OpenVariable(ctx, "blob://x")
	require.ErrorContains(t, err, "no driver registered")
}

func TestReadVariableNil(t *testing.T) {
	_, err := gocloudsecrets.ReadVariable(t.Context(), nil, nil)
	require.ErrorContains(t, err, "needs a variable")
}
