package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSigningKeyURLFromEnvironment(t *testing.T) {
	env := map[string]string{"OPENBACKBONE_AUTH_SIGNINGKEY": "file:///run/secrets/key.enc?decrypt=awskms%3A%2F%2Falias%2Fk"}
	c, err := Load(nil, func(k string) string { return env[k] })
	require.NoError(t, err)
	assert.Equal(t, env["OPENBACKBONE_AUTH_SIGNINGKEY"], c.Auth.SigningKey)
}

func TestSecretsNeedExactlyOneForm(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"signing key twice", "auth: {signingKey: 'constant://?val=x', signingKeyFile: /k.pem}", "auth.signingKey or auth.signingKeyFile, not both"},
		{"signing key bad scheme", "auth: {signingKey: 'vault://k'}", `auth.signingKey: gocloudsecrets: vault://k: unknown scheme "vault"`},
		{"apns none", "push: {apns: {keys: {main: {teamId: T, keyId: K}}}}", "push.apns.keys.main needs exactly one of privateKey, privateKeyFile, privateKeyUrl; 0 given"},
		{"apns two", "push: {apns: {keys: {main: {privateKey: x, privateKeyUrl: 'constant://?val=x'}}}}", "push.apns.keys.main needs exactly one of privateKey, privateKeyFile, privateKeyUrl; 2 given"},
		{"apns bad keeper", "push: {apns: {keys: {main: {privateKeyUrl: 'file:///k?decrypt=rot13%3A%2F%2F'}}}}", `push.apns.keys.main.privateKeyUrl: gocloudsecrets: file:///k: decrypt: unknown keeper scheme "rot13"`},
		{"fcm three", "push: {fcm: {serviceAccounts: {a: {json: '{}', file: /f, url: 'constant://?val=x'}}}}", "push.fcm.serviceAccounts.a needs exactly one of file, json, url; 3 given"},
		{"fcm bad url", "push: {fcm: {serviceAccounts: {a: {url: 'constant://?val=x&decoder=string'}}}}", "push.fcm.serviceAccounts.a.url: gocloudsecrets: constant://: the decoder parameter is not supported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.yaml")
			require.NoError(t, os.WriteFile(path, []byte("landscape: dev\n"+tc.yaml+"\n"), 0o600))
			_, err := Load([]string{"-config", path}, func(string) string { return "" })
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestEachSecretFormIsAccepted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`landscape: dev
auth: {signingKey: 'constant://?val=x'}
push:
  apns: {keys: {a: {privateKey: x}, b: {privateKeyFile: /b.p8}, c: {privateKeyUrl: 'gcpsecretmanager://projects/p/secrets/s'}}}
  fcm: {serviceAccounts: {a: {json: '{}'}, b: {file: /b.json}, c: {url: 'awssecretsmanager://s?region=eu-west-1'}}}
`), 0o600))
	c, err := Load([]string{"-config", path}, func(string) string { return "" })
	require.NoError(t, err)
	assert.Equal(t, "gcpsecretmanager://projects/p/secrets/s", c.Push.APNs.Keys["c"].PrivateKeyURL)
	assert.Equal(t, "awssecretsmanager://s?region=eu-west-1", c.Push.FCM.ServiceAccounts["c"].URL)
}
