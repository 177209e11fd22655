package backbone_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/adapters/gocloudbus"
	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/internal/backbonetest"
)

// recorder stands in for a provider's service: it records what reaches it
// and answers by handle. The providers' own protocols are tested in their
// packages against local servers.
type recorder struct {
	platform string
	apps     map[string]bool // nil: every app

	mu    sync.Mutex
	sends []sent
	// fail decides the reply per handle; nil means accepted.
	fail  func(ctx context.Context, handle string, attempt int) error
	tries map[string]int
}

type sent struct {
	target driver.PushTarget
	n      driver.PushNotification
}

func (r *recorder) Platform() string { return r.platform }
func (r *recorder) SupportsApp(app string) bool {
	return r.apps == nil || r.apps[app]
}
func (r *recorder) Send(ctx context.Context, t driver.PushTarget, n driver.PushNotification) error {
	r.mu.Lock()
	if r.tries == nil {
		r.tries = map[string]int{}
	}
	r.tries[t.Handle]++
	attempt := r.tries[t.Handle]
	fail := r.fail
	r.mu.Unlock()
	if fail != nil {
		if err := fail(ctx, t.Handle, attempt); err != nil {
			return err
		}
	}
	r.mu.Lock()
	r.sends = append(r.sends, sent{t, n})
	r.mu.Unlock()
	return nil
}

func (r *recorder) sent() []sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sent(nil), r.sends...)
}

func (r *recorder) attempts(handle string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tries[handle]
}

// eventually polls cond (bounded) and fails with msg if it never holds.
func eventually(t *testing.T, cond func() bool, msg string, args ...any) {
	t.Helper()
	require.Eventually(t, cond, 15*time.Second, 10*time.Millisecond, fmt.Sprintf(msg, args...))
}

// pushEnv is a Backbone with a mem bus running its background work and the
// given providers; quick retries keep tests short.
func pushEnv(t *testing.T, store string, cfg func(*backbone.Config), providers ...driver.Push) *backbonetest.Env {
	t.Helper()
	env := backbonetest.New(t, store, func(c *backbone.Config) {
		c.Push.FirstBackoff, c.Push.MaxBackoff, c.Push.SendTimeout = 5*time.Millisecond, 20*time.Millisecond, time.Second
		c.NotificationTexts = []backbone.NotificationText{{Code: "TestCode", Translations: map[string]backbone.PushMessage{
			"en": {Title: "Hello", Body: "English body"}, "de": {Title: "Hallo", Body: "Deutscher Text"},
		}}}
		if cfg != nil {
			cfg(c)
		}
	})
	bus, err := gocloudbus.Open(context.Background(), "mem://", gocloudbus.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { bus.Close() })
	env = env.Restart(t, bus, providers...)
	env.Run(t)
	return env
}

// deviceIn adds a device with the language to the account.
func deviceIn(t testing.TB, env *backbonetest.Env, a backbonetest.Account, language string) backbone.Caller {
	t.Helper()
	d, err := env.Backbone.Devices.Register(t.Context(), a.Caller, backbone.RegisterDeviceRequest{
		DevicePassword: "pw", SignedChallenge: env.SignedChallenge(t, a), CommunicationLanguage: language,
	})
	require.NoError(t, err)
	c := a.Caller
	c.DeviceID, c.Username = d.ID, d.Username
	return c
}

func register(t testing.TB, env *backbonetest.Env, c backbone.Caller, platform, handle string) string {
	t.Helper()
	dpi, err := env.Backbone.PushNotifications.Register(t.Context(), c, backbone.PushRegistrationRequest{Platform: platform, Handle: handle, AppID: "app"})
	require.NoError(t, err)
	return dpi
}

func TestPushRegistrationRules(t *testing.T) {
	fcm := &recorder{platform: driver.PlatformFCM, apps: map[string]bool{"eu.enmeshed.app": true}}
	env := pushEnv(t, "sqlite", nil, fcm, &recorder{platform: driver.PlatformDummy})
	a := env.CreateAccount(t).Caller
	ctx := t.Context()
	for name, tc := range map[string]struct {
		req  backbone.PushRegistrationRequest
		code string
	}{
		"UnknownPlatform":         {backbone.PushRegistrationRequest{Platform: "FCM", Handle: "handle-0123", AppID: "eu.enmeshed.app"}, backbone.CodeInvalidPropertyValue},
		"HandleTooShort":          {backbone.PushRegistrationRequest{Platform: "fcm", Handle: "short", AppID: "eu.enmeshed.app"}, backbone.CodeInvalidPropertyValue},
		"HandleTooLongEvenForSSE": {backbone.PushRegistrationRequest{Platform: "dummy", Handle: string(make([]byte, 501)), AppID: "x"}, backbone.CodeInvalidPropertyValue},
		"AppIDTooLong":            {backbone.PushRegistrationRequest{Platform: "dummy", Handle: "handle-0123", AppID: strings.Repeat("a", 201)}, backbone.CodeInvalidPropertyValue},
		"EmptyAppID":              {backbone.PushRegistrationRequest{Platform: "fcm", Handle: "handle-0123", AppID: " "}, backbone.CodeInvalidPropertyValue},
		"BadEnvironment":          {backbone.PushRegistrationRequest{Platform: "fcm", Handle: "handle-0123", AppID: "eu.enmeshed.app", Environment: "Staging"}, backbone.CodeInvalidPropertyValue},
		"UnconfiguredApp":         {backbone.PushRegistrationRequest{Platform: "fcm", Handle: "handle-0123", AppID: "other.app"}, backbone.CodeUnsupportedAppID},
		"PlatformWithoutProvider": {backbone.PushRegistrationRequest{Platform: "apns", Handle: "handle-0123", AppID: "eu.enmeshed.app"}, backbone.CodeUnsupportedAppID},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := env.Backbone.PushNotifications.Register(ctx, a, tc.req)
			require.Error(t, err)
			assert.Equal(t, tc.code, backbone.AsError(err).Code)
			assert.Equal(t, backbone.KindInvalid, backbone.AsError(err).Kind)
			_, err = env.Store.PushRegistrations().Get(ctx, a.DeviceID)
			assert.ErrorIs(t, err, driver.ErrNotFound, "a refused registration stores nothing")
		})
	}

	t.Run("IdentifierStaysAcrossUpdates", func(t *testing.T) {
		first, err := env.Backbone.PushNotifications.Register(ctx, a, backbone.PushRegistrationRequest{Platform: "fcm", Handle: "handle-0123", AppID: "eu.enmeshed.app", Environment: "Development"})
		require.NoError(t, err)
		assert.True(t, backbone.ValidID("DPI", first), first)
		second, err := env.Backbone.PushNotifications.Register(ctx, a, backbone.PushRegistrationRequest{Platform: "dummy", Handle: "whatever-handle", AppID: "x"})
		require.NoError(t, err)
		assert.Equal(t, first, second)
		reg, err := env.Store.PushRegistrations().Get(ctx, a.DeviceID)
		require.NoError(t, err)
		assert.Equal(t, "dummy", reg.Platform)
		assert.Equal(t, driver.PushProduction, reg.Environment)
	})

	t.Run("UnregisterIsIdempotent", func(t *testing.T) {
		require.NoError(t, env.Backbone.PushNotifications.Unregister(ctx, a))
		require.NoError(t, env.Backbone.PushNotifications.Unregister(ctx, a))
		_, err := env.Store.PushRegistrations().Get(ctx, a.DeviceID)
		assert.ErrorIs(t, err, driver.ErrNotFound)
	})

	t.Run("AnonymousIsRefused", func(t *testing.T) {
		_, err := env.Backbone.PushNotifications.Register(ctx, backbone.Caller{}, backbone.PushRegistrationRequest{Platform: "dummy", Handle: "handle-0123", AppID: "x"})
		assert.Equal(t, backbone.KindUnauthenticated, backbone.AsError(err).Kind)
	})
}

// A new external event wakes every device of its owner, once per handle,
// with the content object the apps read.
func TestExternalEventPushesEveryDeviceOncePerHandle(t *testing.T) {
	for _, store := range backbonetest.Stores() {
		t.Run(store, func(t *testing.T) {
			fcm := &recorder{platform: driver.PlatformFCM}
			env := pushEnv(t, store, nil, fcm)
			acc := env.CreateAccount(t)
			a, other := acc.Caller, env.CreateAccount(t).Caller
			d2 := deviceIn(t, env, acc, "de")
			d3 := deviceIn(t, env, acc, "en")
			dpi := register(t, env, a, "fcm", "shared-handle-1")
			register(t, env, d2, "fcm", "shared-handle-1") // the same app instance registered twice
			register(t, env, d3, "fcm", "own-handle-3")
			register(t, env, other, "fcm", "others-handle")

			pending(t, env, a, other) // other asks a: a gets an external event
			eventually(t, func() bool { return len(fcm.sent()) >= 2 }, "two pushes expected")
			time.Sleep(50 * time.Millisecond) // room for a wrong third one
			sends := fcm.sent()
			require.Len(t, sends, 2, "one push per distinct handle")
			handles := map[string]sent{}
			for _, s := range sends {
				handles[s.target.Handle] = s
				assert.Equal(t, a.Address, s.target.IdentityAddress)
				assert.Equal(t, "ExternalEventCreated", s.n.EventName)
				assert.Equal(t, "ExternalEventCreated", s.n.CollapseID)
				assert.NotEmpty(t, s.n.Title)
			}
			require.Contains(t, handles, "own-handle-3")
			require.Contains(t, handles, "shared-handle-1")
			var content map[string]any
			require.NoError(t, json.Unmarshal(handles["shared-handle-1"].n.Content, &content))
			assert.Equal(t, a.Address, content["accRef"])
			assert.Equal(t, "ExternalEventCreated", content["eventName"])
			assert.Equal(t, map[string]any{}, content["payload"])
			assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`, content["sentAt"])
			if handles["shared-handle-1"].target.DeviceID == a.DeviceID {
				assert.Equal(t, dpi, content["devicePushIdentifier"])
			}
		})
	}
}

// An event held back (a message over a pending relationship) wakes nobody.
func TestBlockedExternalEventPushesNothing(t *testing.T) {
	fcm := &recorder{platform: driver.PlatformFCM}
	env := pushEnv(t, "sqlite", nil, fcm)
	a, b := env.CreateAccount(t).Caller, env.CreateAccount(t).Caller
	register(t, env, a, "fcm", "handle-of-a")
	register(t, env, b, "fcm", "handle-of-b")
	require.NoError(t, backbone.RaiseForTest(t.Context(), env.Backbone,
		backbone.ExternalEventCreated{EventID: "SYI0000000000000000a", Owner: a.Address, IsDeliveryBlocked: true},
		backbone.ExternalEventCreated{EventID: "SYI0000000000000000b", Owner: b.Address}))
	eventually(t, func() bool { return len(fcm.sent()) >= 1 }, "b's push arrives")
	time.Sleep(50 * time.Millisecond) // room for a wrong one
	for _, s := range fcm.sent() {
		assert.Equal(t, b.Address, s.target.IdentityAddress, "a blocked event woke its owner")
	}
}

// Test notifications carry the data; texts follow the device's language.
func TestTestNotificationCarriesDataInEachDevicesLanguage(t *testing.T) {
	apns := &recorder{platform: driver.PlatformAPNs}
	env := pushEnv(t, "sqlite", nil, apns)
	acc := env.CreateAccount(t)
	german := deviceIn(t, env, acc, "de")
	french := deviceIn(t, env, acc, "fr")
	register(t, env, acc.Caller, "apns", "handle-english")
	register(t, env, german, "apns", "handle-german")
	register(t, env, french, "apns", "handle-french")

	for _, bad := range []string{"", "null", "{broken"} {
		err := env.Backbone.PushNotifications.SendTest(t.Context(), acc.Caller, json.RawMessage(bad))
		assert.Equal(t, backbone.CodeInvalidPropertyValue, backbone.AsError(err).Code, "%q", bad)
	}
	require.NoError(t, env.Backbone.PushNotifications.SendTest(t.Context(), acc.Caller, json.RawMessage(`{"hello":["world"]}`)))
	eventually(t, func() bool { return len(apns.sent()) == 3 }, "three pushes expected")
	byHandle := map[string]driver.PushNotification{}
	for _, s := range apns.sent() {
		byHandle[s.target.Handle] = s.n
	}
	assert.Equal(t, "Test", byHandle["handle-german"].Title)
	assert.Contains(t, byHandle["handle-german"].Body, "Testbenachrichtigung")
	assert.Equal(t, byHandle["handle-english"].Body, byHandle["handle-french"].Body, "unknown languages fall back to English")
	var content struct {
		EventName string          `json:"eventName"`
		Payload   json.RawMessage `json:"payload"`
	}
	require.NoError(t, json.Unmarshal(byHandle["handle-english"].Content, &content))
	assert.Equal(t, "Test", content.EventName)
	assert.JSONEq(t, `{"data":{"hello":["world"]}}`, string(content.Payload))
}

// Configured notifications go to related identities only, as text without
// content, in the device's language.
func TestNotificationsToRelatedIdentities(t *testing.T) {
	fcm := &recorder{platform: driver.PlatformFCM}
	env := pushEnv(t, "sqlite", nil, fcm)
	accA := env.CreateAccount(t)
	a, b, stranger := accA.Caller, env.CreateAccount(t).Caller, env.CreateAccount(t).Caller
	german := deviceIn(t, env, accA, "de")
	rel := pending(t, env, a, b)
	register(t, env, a, "fcm", "handle-of-a-1")
	register(t, env, german, "fcm", "handle-of-a-2")
	ctx := t.Context()

	for name, tc := range map[string]struct {
		recipients []string
		code       string
		want       string
	}{
		"UnknownCode":    {[]string{a.Address}, "NoSuchCode", backbone.CodeNotificationCodeDoesNotExist},
		"EmptyCode":      {[]string{a.Address}, "", backbone.CodeInvalidPropertyValue},
		"NoRecipients":   {nil, "TestCode", backbone.CodeInvalidPropertyValue},
		"BadAddress":     {[]string{"did:e:nope"}, "TestCode", backbone.CodeInvalidPropertyValue},
		"NoRelationship": {[]string{stranger.Address}, "TestCode", backbone.CodeNoRelationshipToOneOrMoreRecipientsExists},
	} {
		t.Run(name, func(t *testing.T) {
			err := env.Backbone.Notifications.Send(ctx, b, tc.recipients, tc.code)
			assert.Equal(t, tc.want, backbone.AsError(err).Code)
		})
	}
	t.Run("RejectedRelationship", func(t *testing.T) {
		_, err := env.Backbone.Relationships.Reject(ctx, a, rel.ID, nil)
		require.NoError(t, err)
		err = env.Backbone.Notifications.Send(ctx, b, []string{a.Address}, "TestCode")
		assert.Equal(t, backbone.CodeNotificationRelationshipNotInCorrectState, backbone.AsError(err).Code)
	})
	t.Run("Sent", func(t *testing.T) {
		pending(t, env, a, b)
		require.NoError(t, env.Backbone.Notifications.Send(ctx, b, []string{a.Address}, "TestCode"))
		eventually(t, func() bool {
			for _, s := range fcm.sent() {
				if s.n.EventName == "" {
					return true
				}
			}
			return false
		}, "the text notification arrives")
		eventually(t, func() bool { return len(fcm.sent()) >= 2 }, "both devices of a")
		texts := map[string]driver.PushNotification{}
		for _, s := range fcm.sent() {
			if s.n.EventName == "" {
				texts[s.target.Handle] = s.n
				assert.Nil(t, s.n.Content, "text notifications carry no content")
			}
		}
		assert.Equal(t, "Hello", texts["handle-of-a-1"].Title)
		assert.Equal(t, "English body", texts["handle-of-a-1"].Body)
		assert.Equal(t, "Hallo", texts["handle-of-a-2"].Title)
	})
}

// A handle the provider calls dead loses its registrations, on every device
// that shares it, and is not retried.
func TestDeadHandleRemovesItsRegistrations(t *testing.T) {
	fcm := &recorder{platform: driver.PlatformFCM, fail: func(_ context.Context, handle string, _ int) error {
		if handle == "dead-handle-0" {
			return fmt.Errorf("fcm: 404 UNREGISTERED: %w", driver.ErrInvalidHandle)
		}
		return nil
	}}
	env := pushEnv(t, "sqlite", nil, fcm)
	acc := env.CreateAccount(t)
	d2 := deviceIn(t, env, acc, "en")
	d3 := deviceIn(t, env, acc, "en")
	register(t, env, acc.Caller, "fcm", "dead-handle-0")
	register(t, env, d2, "fcm", "dead-handle-0")
	register(t, env, d3, "fcm", "live-handle-3")
	require.NoError(t, env.Backbone.PushNotifications.SendTest(t.Context(), acc.Caller, json.RawMessage(`1`)))
	eventually(t, func() bool {
		_, err := env.Store.PushRegistrations().Get(t.Context(), d2.DeviceID)
		return errors.Is(err, driver.ErrNotFound)
	}, "the dead handle's registrations are removed")
	_, err := env.Store.PushRegistrations().Get(t.Context(), acc.Caller.DeviceID)
	assert.ErrorIs(t, err, driver.ErrNotFound)
	_, err = env.Store.PushRegistrations().Get(t.Context(), d3.DeviceID)
	assert.NoError(t, err, "a live handle stays")
	assert.Equal(t, 1, fcm.attempts("dead-handle-0"), "a dead handle is not retried")
}

// A provider that is down or hangs neither slows nor fails the request that
// causes a push, nor holds up the other providers; its pushes are retried
// with backoff and then given up.
func TestFailingProviderNeitherBlocksRequestsNorOtherProviders(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	hanging := &recorder{platform: driver.PlatformAPNs, fail: func(ctx context.Context, handle string, _ int) error {
		if handle == "hanging-handle" {
			select {
			case <-release: // never before the test ends
			case <-ctx.Done(): // the send timeout
			}
			return ctx.Err()
		}
		return errors.New("apns: 503 ServiceUnavailable")
	}}
	fcm := &recorder{platform: driver.PlatformFCM}
	env := pushEnv(t, "sqlite", func(c *backbone.Config) {
		c.Push.Attempts, c.Push.SendTimeout, c.Push.Workers = 3, 50*time.Millisecond, 1
	}, hanging, fcm)
	acc := env.CreateAccount(t)
	d2 := deviceIn(t, env, acc, "en")
	d3 := deviceIn(t, env, acc, "en")
	register(t, env, acc.Caller, "apns", "hanging-handle")
	register(t, env, d2, "apns", "down-handle-1")
	register(t, env, d3, "fcm", "fcm-handle-3")

	// If the request waited for the hanging provider, this would not
	// return before release is closed at the end of the test.
	for range 3 {
		require.NoError(t, env.Backbone.PushNotifications.SendTest(t.Context(), acc.Caller, json.RawMessage(`{}`)))
	}
	eventually(t, func() bool { return len(fcm.sent()) == 3 }, "the other provider delivers meanwhile")
	eventually(t, func() bool {
		_, _, gaveUp, _, _, _ := backbone.PushStatsForTest(env.Backbone)
		return gaveUp == 6
	}, "both failing handles are given up after their attempts")
	assert.Equal(t, 9, hanging.attempts("down-handle-1"), "three attempts per notification")
	assert.Equal(t, 9, hanging.attempts("hanging-handle"))
	_, err := env.Store.PushRegistrations().Get(t.Context(), d2.DeviceID)
	assert.NoError(t, err, "a provider outage removes no registration")
}

// A provider's request to wait is honoured before the retry.
func TestRetryAfterIsHonoured(t *testing.T) {
	var mu sync.Mutex
	var times []time.Time
	fcm := &recorder{platform: driver.PlatformFCM, fail: func(_ context.Context, _ string, attempt int) error {
		mu.Lock()
		times = append(times, time.Now())
		mu.Unlock()
		if attempt == 1 {
			return &driver.RetryAfterError{After: 300 * time.Millisecond, Err: errors.New("fcm: 429 QUOTA_EXCEEDED")}
		}
		return nil
	}}
	env := pushEnv(t, "sqlite", nil, fcm)
	acc := env.CreateAccount(t)
	register(t, env, acc.Caller, "fcm", "handle-0000")
	require.NoError(t, env.Backbone.PushNotifications.SendTest(t.Context(), acc.Caller, json.RawMessage(`{}`)))
	eventually(t, func() bool { return len(fcm.sent()) == 1 }, "delivered on the second attempt")
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, times, 2)
	assert.GreaterOrEqual(t, times[1].Sub(times[0]), 300*time.Millisecond, "the retry waited as asked")
}

// Datawallet changes wake the identity's other devices, not the one that
// made them.
func TestDatawalletChangeWakesTheOtherDevices(t *testing.T) {
	fcm := &recorder{platform: driver.PlatformFCM}
	env := pushEnv(t, "sqlite", nil, fcm)
	acc := env.CreateAccount(t)
	d2 := deviceIn(t, env, acc, "en")
	register(t, env, acc.Caller, "fcm", "handle-first")
	register(t, env, d2, "fcm", "handle-second")
	require.NoError(t, backbone.RaiseForTest(t.Context(), env.Backbone, backbone.DatawalletModified{Identity: acc.Caller.Address, ModifiedByDevice: acc.Caller.DeviceID}))
	eventually(t, func() bool { return len(fcm.sent()) == 1 }, "one push")
	time.Sleep(50 * time.Millisecond)
	s := fcm.sent()
	require.Len(t, s, 1)
	assert.Equal(t, "handle-second", s[0].target.Handle)
	assert.Equal(t, "DatawalletModificationsCreated", s[0].n.EventName)
	assert.Equal(t, "DatawalletModified", s[0].n.CollapseID)
	assert.Contains(t, string(s[0].n.Content), `"payload":{"createdByDevice":"`+acc.Caller.DeviceID+`"}`)
}
