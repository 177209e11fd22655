package backbone_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/internal/backbonetest"
)

func eachStore(t *testing.T, f func(t *testing.T, env *backbonetest.Env)) {
	for _, store := range backbonetest.Stores() {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			f(t, backbonetest.New(t, store, nil))
		})
	}
}

func TestConcurrentWrongPasswordsCannotSlipPastTheLockout(t *testing.T) {
	eachStore(t, func(t *testing.T, env *backbonetest.Env) {
		a := env.CreateAccount(t)
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := env.Backbone.Auth.Login(context.Background(), backbone.PasswordGrant{
					ClientID: "test", ClientSecret: "test", Username: a.Caller.Username, Password: "wrong",
				})
				assert.Error(t, err)
			}()
		}
		wg.Wait()
		_, err := env.Backbone.Auth.Login(t.Context(), backbone.PasswordGrant{
			ClientID: "test", ClientSecret: "test", Username: a.Caller.Username, Password: a.Password,
		})
		assert.Equal(t, backbone.OAuthAccessDenied, backbone.AsError(err).Code)
	})
}

func TestConcurrentBackupDeviceRegistrationsLeaveExactlyOne(t *testing.T) {
	eachStore(t, func(t *testing.T, env *backbonetest.Env) {
		a := env.CreateAccount(t)
		const n = 6
		challenges := make([]backbone.SignedChallenge, n)
		for i := range challenges {
			challenges[i] = env.SignedChallenge(t, a)
		}
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = env.Backbone.Devices.Register(context.Background(), a.Caller, backbone.RegisterDeviceRequest{
					DevicePassword: "x", SignedChallenge: challenges[i], IsBackupDevice: true,
				})
			}()
		}
		wg.Wait()
		exactlyOneSucceeded(t, errs, backbone.CodeOnlyOneBackupDeviceCanExist)
		page, err := env.Backbone.Devices.List(t.Context(), a.Caller, nil, backbone.PageRequest{})
		require.NoError(t, err)
		assert.Len(t, page.Items, 2)
	})
}

func TestAuthenticateAcceptsOnlyItsOwnUnexpiredTokens(t *testing.T) {
	env := backbonetest.New(t, "sqlite", nil)
	a := env.CreateAccount(t)
	tok := env.Login(t, a)
	c, err := env.Backbone.Auth.Authenticate(tok.Token)
	require.NoError(t, err)
	assert.Equal(t, a.Caller, c)

	other := backbonetest.New(t, "sqlite", nil) // another signing key
	_, err = other.Backbone.Auth.Authenticate(tok.Token)
	assert.Equal(t, backbone.KindUnauthenticated, backbone.AsError(err).Kind)

	env.Clock.Advance(env.Backbone.Config().AccessTokenLifetime + 1)
	_, err = env.Backbone.Auth.Authenticate(tok.Token)
	assert.Equal(t, backbone.KindUnauthenticated, backbone.AsError(err).Kind)
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	_, err := backbone.New(backbone.DefaultConfig(), backbone.Drivers{})
	require.Error(t, err)
	assert.ErrorContains(t, err, "DidDomainName")
	assert.ErrorContains(t, err, "TokenSigningKey")
}

func TestSeedingIsIdempotent(t *testing.T) {
	env := backbonetest.New(t, "sqlite", nil)
	first, err := env.Backbone.Tiers.EnsureBuiltIn(t.Context())
	require.NoError(t, err)
	second, err := env.Backbone.Tiers.EnsureBuiltIn(t.Context())
	require.NoError(t, err)
	assert.Equal(t, first, second)
	tiers, err := env.Backbone.Tiers.List(t.Context())
	require.NoError(t, err)
	assert.Len(t, tiers, 2)
	require.NoError(t, env.Backbone.Clients.Ensure(t.Context(), backbone.CreateClientRequest{ClientID: "test", ClientSecret: "other"}))
	clients, err := env.Backbone.Clients.List(t.Context())
	require.NoError(t, err)
	assert.Len(t, clients, 1, "an existing client is left as it is")
}

// exactlyOneSucceeded asserts that one of concurrent attempts won and every
// other one failed with the code.
func exactlyOneSucceeded(t *testing.T, errs []error, code string) {
	t.Helper()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else {
			assert.Equal(t, code, backbone.AsError(err).Code)
		}
	}
	assert.Equal(t, 1, ok, "exactly one attempt succeeds")
}

func TestFirstLoginOfABackupDeviceRaisesBackupDeviceUsed(t *testing.T) {
	env := backbonetest.New(t, "sqlite", nil)
	a := env.CreateAccount(t)
	d, err := env.Backbone.Devices.Register(t.Context(), a.Caller, backbone.RegisterDeviceRequest{DevicePassword: "x", SignedChallenge: env.SignedChallenge(t, a), IsBackupDevice: true})
	require.NoError(t, err)
	topics := func() []string {
		later := env.Clock.Now().Add(time.Hour)
		msgs, err := env.Store.Outbox().Claim(t.Context(), later, later, 100)
		require.NoError(t, err)
		var out []string
		for _, m := range msgs {
			out = append(out, m.Topic)
			require.NoError(t, env.Store.Outbox().Delete(t.Context(), []string{m.ID}))
		}
		return out
	}
	topics() // drop what creating the identity raised
	for i, want := range [][]string{{"BackupDeviceUsed"}, nil} {
		_, err = env.Backbone.Auth.Login(t.Context(), backbone.PasswordGrant{ClientID: "test", ClientSecret: "test", Username: d.Username, Password: "x"})
		require.NoError(t, err)
		assert.Equal(t, want, topics(), "login %d", i+1)
	}
}

func TestAuthenticateRejectsAnAlteredTokenAfterTheRealOneWasAccepted(t *testing.T) {
	env := backbonetest.New(t, "sqlite", nil)
	tok := env.Login(t, env.CreateAccount(t)).Token
	_, err := env.Backbone.Auth.Authenticate(tok)
	require.NoError(t, err)
	// A character inside the signature (the last one carries padding bits).
	i := len(tok) - 10
	altered := tok[:i] + string(map[bool]byte{true: 'A', false: 'B'}[tok[i] != 'A']) + tok[i+1:]
	_, err = env.Backbone.Auth.Authenticate(altered)
	assert.Equal(t, backbone.KindUnauthenticated, backbone.AsError(err).Kind)
	_, err = env.Backbone.Auth.Authenticate(tok)
	require.NoError(t, err)
}
