package backbonetest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone"
)

// Account is an identity created through the services, with its first
// device's credentials.
type Account struct {
	Key      Key
	Caller   backbone.Caller
	Password string
}

// DevicePassword is the password CreateAccount gives the first device.
const DevicePassword = "device-password"

// CreateAccount creates an identity through the services, the way a client
// does over HTTP: anonymous challenge, signed, then Identities.Create.
func (e *Env) CreateAccount(t testing.TB) Account {
	t.Helper()
	ctx := context.Background()
	key := NewKey()
	ch, err := e.Backbone.Challenges.Create(ctx, backbone.Caller{})
	require.NoError(t, err)
	challenge := ChallengeJSON(ch.ID, ch.ExpiresAt, "", "")
	created, err := e.Backbone.Identities.Create(ctx, backbone.CreateIdentityRequest{
		ClientID: TestClientID, ClientSecret: TestClientSecret, IdentityPublicKey: key.Wrapper(),
		DevicePassword: DevicePassword, IdentityVersion: 1,
		SignedChallenge: backbone.SignedChallenge{Challenge: challenge, Signature: key.Sign(challenge)},
	})
	require.NoError(t, err)
	return Account{Key: key, Password: DevicePassword, Caller: backbone.Caller{
		Address: created.Address, DeviceID: created.Device.ID, Username: created.Device.Username, ClientID: TestClientID,
	}}
}

// SignedChallenge makes an authenticated challenge as the account and signs
// it with the identity key, as registering a device needs.
func (e *Env) SignedChallenge(t testing.TB, a Account) backbone.SignedChallenge {
	t.Helper()
	ch, err := e.Backbone.Challenges.Create(context.Background(), a.Caller)
	require.NoError(t, err)
	challenge := ChallengeJSON(ch.ID, ch.ExpiresAt, ch.CreatedBy, ch.CreatedByDevice)
	return backbone.SignedChallenge{Challenge: challenge, Signature: a.Key.Sign(challenge)}
}

// Login logs the account's first device in.
func (e *Env) Login(t testing.TB, a Account) backbone.AccessToken {
	t.Helper()
	tok, err := e.Backbone.Auth.Login(context.Background(), backbone.PasswordGrant{
		ClientID: TestClientID, ClientSecret: TestClientSecret, Username: a.Caller.Username, Password: a.Password,
	})
	require.NoError(t, err)
	return tok
}
