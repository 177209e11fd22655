package fcmpush_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/adapters/fcmpush"
	"github.com/openbackbone/openbackbone/backbone/driver"
)

const (
	appMain  = "eu.enmeshed.app"
	appBeta  = "eu.enmeshed.app.beta" // shares the main service account
	appOther = "com.example.other"

	handle = "fcm-registration-token-of-the-device"
)

// env is a provider talking to a fake Google.
type env struct {
	clock       *testClock
	fake        *fakeGoogle
	p           *fcmpush.Provider
	main, other testAccount
}

func setup(t *testing.T) *env {
	t.Helper()
	clock := newTestClock()
	fake := newFakeGoogle(t, clock)
	mainAcct, mainJSON := fake.addAccount(0, "enmeshed-main")
	otherAcct, otherJSON := fake.addAccount(1, "other-project")
	p, err := fcmpush.New(fcmpush.Config{
		ServiceAccounts: map[string]string{"main": mainJSON, "other": otherJSON},
		Apps:            map[string]string{appMain: "main", appBeta: "main", appOther: "other"},
		BaseURL:         fake.srv.URL,
		HTTPClient:      fake.srv.Client(),
		Now:             clock.Now,
	})
	require.NoError(t, err)
	return &env{clock: clock, fake: fake, p: p, main: mainAcct, other: otherAcct}
}

func target(app string) driver.PushTarget {
	return driver.PushTarget{
		IdentityAddress:      "did:e:localhost:dids:0123456789abcdef012345",
		DeviceID:             "DVC00000000000000001",
		DevicePushIdentifier: "DPI00000000000000001",
		Handle:               handle,
		AppID:                app,
		Environment:          driver.PushProduction,
	}
}

var textNotification = driver.PushNotification{Title: "Hello", Body: "You have a new message"}

// The three outcomes the backbone tells apart (besides a pause).
type outcome string

const (
	transient      outcome = "transient"
	invalidHandle  outcome = "invalid handle"
	notDeliverable outcome = "not deliverable"
)

func requireOutcome(t *testing.T, err error, want outcome) {
	t.Helper()
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "fcmpush: "), "error %q lacks the prefix", err)
	isInvalid := errors.Is(err, driver.ErrInvalidHandle)
	isNotDeliverable := errors.Is(err, driver.ErrNotDeliverable)
	switch want {
	case transient:
		assert.False(t, isInvalid || isNotDeliverable, "want a transient error, got %v", err)
	case invalidHandle:
		assert.True(t, isInvalid, "want ErrInvalidHandle, got %v", err)
		assert.False(t, isNotDeliverable, "%v", err)
	case notDeliverable:
		assert.True(t, isNotDeliverable, "want ErrNotDeliverable, got %v", err)
		assert.False(t, isInvalid, "%v", err)
	}
	if want != transient {
		var ra *driver.RetryAfterError
		assert.False(t, errors.As(err, &ra), "a permanent error asks for a pause: %v", err)
	}
}

func TestPlatformAndSupportsApp(t *testing.T) {
	e := setup(t)
	assert.Equal(t, driver.PlatformFCM, e.p.Platform())
	assert.True(t, e.p.SupportsApp(appMain))
	assert.True(t, e.p.SupportsApp(appBeta))
	assert.True(t, e.p.SupportsApp(appOther))
	assert.False(t, e.p.SupportsApp("eu.enmeshed.unknown"))
	assert.False(t, e.p.SupportsApp(""))
	assert.Zero(t, e.fake.TokenRequests(), "New or SupportsApp made a request")
}

func TestMessageShape(t *testing.T) {
	content := `{"accRef":"did:e:localhost:dids:0123456789abcdef012345","devicePushIdentifier":"DPI00000000000000001","eventName":"ExternalEventCreated","sentAt":"2030-03-04T10:00:00.000Z","payload":{}}`
	for _, tc := range []struct {
		name string
		n    driver.PushNotification
		want string
	}{{
		name: "text only",
		n:    textNotification,
		want: `{"token":"` + handle + `",
			"notification":{"title":"Hello","body":"You have a new message"},
			"data":{"android_channel_id":"ENMESHED"},
			"android":{"notification":{"channel_id":"ENMESHED"}}}`,
	}, {
		name: "content, text and collapse ID",
		n: driver.PushNotification{
			EventName:  "ExternalEventCreated",
			Content:    []byte(content),
			Title:      "Neue Nachricht",
			Body:       "Du hast eine Nachricht erhalten",
			CollapseID: "ExternalEventCreated",
		},
		want: `{"token":"` + handle + `",
			"notification":{"title":"Neue Nachricht","body":"Du hast eine Nachricht erhalten"},
			"data":{"android_channel_id":"ENMESHED","content":` + jsonString(content) + `,"content-available":"1"},
			"android":{"collapse_key":"ExternalEventCreated","notification":{"channel_id":"ENMESHED","tag":"ExternalEventCreated"}}}`,
	}, {
		name: "content without text",
		n:    driver.PushNotification{EventName: "DatawalletModificationsCreated", Content: []byte(content)},
		want: `{"token":"` + handle + `",
			"data":{"android_channel_id":"ENMESHED","content":` + jsonString(content) + `,"content-available":"1"},
			"android":{"notification":{"channel_id":"ENMESHED"}}}`,
	}, {
		name: "title only, collapse ID",
		n:    driver.PushNotification{Title: "Only a title", CollapseID: "c1"},
		want: `{"token":"` + handle + `",
			"notification":{"title":"Only a title"},
			"data":{"android_channel_id":"ENMESHED"},
			"android":{"collapse_key":"c1","notification":{"channel_id":"ENMESHED","tag":"c1"}}}`,
	}, {
		name: "body only",
		n:    driver.PushNotification{Body: "Only a body"},
		want: `{"token":"` + handle + `",
			"notification":{"body":"Only a body"},
			"data":{"android_channel_id":"ENMESHED"},
			"android":{"notification":{"channel_id":"ENMESHED"}}}`,
	}, {
		name: "nothing",
		n:    driver.PushNotification{},
		want: `{"token":"` + handle + `",
			"data":{"android_channel_id":"ENMESHED"},
			"android":{"notification":{"channel_id":"ENMESHED"}}}`,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			e := setup(t)
			require.NoError(t, e.p.Send(context.Background(), target(appMain), tc.n))
			sends := e.fake.Sends()
			require.Len(t, sends, 1)
			assert.Equal(t, e.main.project, sends[0].Project)
			assert.JSONEq(t, tc.want, string(sends[0].Message))
		})
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestEachAppSendsThroughItsServiceAccount(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	require.NoError(t, e.p.Send(ctx, target(appMain), textNotification))
	require.NoError(t, e.p.Send(ctx, target(appOther), textNotification))
	require.NoError(t, e.p.Send(ctx, target(appBeta), textNotification))

	sends := e.fake.Sends()
	require.Len(t, sends, 3)
	assert.Equal(t, e.main.project, sends[0].Project)
	assert.Equal(t, e.other.project, sends[1].Project)
	assert.Equal(t, e.main.project, sends[2].Project)
	assert.Equal(t, sends[0].Token, sends[2].Token, "apps of one service account share its token")
	assert.NotEqual(t, sends[0].Token, sends[1].Token)
	assert.Equal(t, 2, e.fake.TokenRequests(), "one token per service account")
}

func TestTokenIsCached(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	for range 10 {
		require.NoError(t, e.p.Send(ctx, target(appMain), textNotification))
		e.clock.Advance(time.Minute)
	}
	assert.Equal(t, 1, e.fake.TokenRequests())
	sends := e.fake.Sends()
	require.Len(t, sends, 10)
	for _, s := range sends {
		assert.Equal(t, sends[0].Token, s.Token)
	}
}

func TestTokenIsReplacedShortlyBeforeItExpires(t *testing.T) {
	e := setup(t) // tokens live 3599 s
	ctx := context.Background()
	require.NoError(t, e.p.Send(ctx, target(appMain), textNotification))
	require.Equal(t, 1, e.fake.TokenRequests())

	// Until five minutes before its expiry the token is used.
	e.clock.Advance((3599-300-1)*time.Second + 999*time.Millisecond)
	require.NoError(t, e.p.Send(ctx, target(appMain), textNotification))
	assert.Equal(t, 1, e.fake.TokenRequests())

	// Then a new one is fetched, and kept.
	e.clock.Advance(time.Millisecond)
	require.NoError(t, e.p.Send(ctx, target(appMain), textNotification))
	require.NoError(t, e.p.Send(ctx, target(appMain), textNotification))
	assert.Equal(t, 2, e.fake.TokenRequests())

	sends := e.fake.Sends()
	require.Len(t, sends, 4)
	assert.Equal(t, sends[0].Token, sends[1].Token)
	assert.NotEqual(t, sends[1].Token, sends[2].Token)
	assert.Equal(t, sends[2].Token, sends[3].Token)
}

func TestShortLivedTokenIsNotCached(t *testing.T) {
	e := setup(t)
	e.fake.set(func(f *fakeGoogle) { f.expiresIn = 240 }) // less than the refresh margin
	ctx := context.Background()
	require.NoError(t, e.p.Send(ctx, target(appMain), textNotification))
	require.NoError(t, e.p.Send(ctx, target(appMain), textNotification))
	assert.Equal(t, 2, e.fake.TokenRequests())
}

func TestConcurrentSendsShareOneTokenRequest(t *testing.T) {
	e := setup(t)
	gate := make(chan struct{})
	e.fake.set(func(f *fakeGoogle) { f.tokenGate = gate })
	var once sync.Once
	release := func() { once.Do(func() { close(gate) }) }
	t.Cleanup(release) // runs before the server closes, should the test fail early

	const n = 32
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { errs <- e.p.Send(context.Background(), target(appMain), textNotification) })
	}
	// Let the senders pile up behind the first token request, then answer
	// it.
	require.Eventually(t, func() bool { return e.fake.TokenRequests() == 1 }, 5*time.Second, time.Millisecond)
	time.Sleep(50 * time.Millisecond)
	release()
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, 1, e.fake.TokenRequests())
	sends := e.fake.Sends()
	require.Len(t, sends, n)
	for _, s := range sends {
		assert.Equal(t, sends[0].Token, s.Token)
	}
}

func TestSenderGivingUpDoesNotCancelTheSharedTokenRequest(t *testing.T) {
	e := setup(t)
	gate := make(chan struct{})
	e.fake.set(func(f *fakeGoogle) { f.tokenGate = gate })
	var once sync.Once
	release := func() { once.Do(func() { close(gate) }) }
	t.Cleanup(release)

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := e.p.Send(ctx, target(appMain), textNotification)
	assert.Less(t, time.Since(start), 2*time.Second)
	requireOutcome(t, err, transient)
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	// A second sender waits for the same request, which goes on.
	done := make(chan error, 1)
	go func() { done <- e.p.Send(context.Background(), target(appMain), textNotification) }()
	time.Sleep(20 * time.Millisecond)
	release()
	require.NoError(t, <-done)
	assert.Equal(t, 1, e.fake.TokenRequests())
	assert.Len(t, e.fake.Sends(), 1)
}

func TestSendErrorMapping(t *testing.T) {
	retryDate := newTestClock().Now().Add(2 * time.Minute).Format(http.TimeFormat)
	for _, tc := range []struct {
		name       string
		reply      http.HandlerFunc
		want       outcome
		retryAfter time.Duration // 0: no *driver.RetryAfterError
		// The *Error.
		statusCode        int
		status, errorCode string
		// The token stays cached.
		keepsToken bool
	}{{
		name:  "unregistered",
		reply: fcmReply(404, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found.", ""),
		want:  invalidHandle, statusCode: 404, status: "NOT_FOUND", errorCode: "UNREGISTERED", keepsToken: true,
	}, {
		name:  "invalid argument",
		reply: fcmReply(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "The registration token is not a valid FCM registration token", ""),
		want:  invalidHandle, statusCode: 400, status: "INVALID_ARGUMENT", errorCode: "INVALID_ARGUMENT", keepsToken: true,
	}, {
		name:  "invalid argument status without FcmError detail",
		reply: fcmReply(400, "INVALID_ARGUMENT", "", "Request contains an invalid argument.", ""),
		want:  invalidHandle, statusCode: 400, status: "INVALID_ARGUMENT", keepsToken: true,
	}, {
		name:  "sender ID mismatch",
		reply: fcmReply(403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH", "SenderId mismatch", ""),
		want:  invalidHandle, statusCode: 403, status: "PERMISSION_DENIED", errorCode: "SENDER_ID_MISMATCH", keepsToken: true,
	}, {
		name:  "third-party auth error (a 401 that is no token problem)",
		reply: fcmReply(401, "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR", "Auth error from APNS or Web Push Service", ""),
		want:  notDeliverable, statusCode: 401, status: "UNAUTHENTICATED", errorCode: "THIRD_PARTY_AUTH_ERROR", keepsToken: true,
	}, {
		name:  "permission denied",
		reply: fcmReply(403, "PERMISSION_DENIED", "", "Permission 'cloudmessaging.messages.create' denied on resource", ""),
		want:  notDeliverable, statusCode: 403, status: "PERMISSION_DENIED", keepsToken: true,
	}, {
		name:  "quota exceeded with Retry-After seconds",
		reply: fcmReply(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", "Quota exceeded.", "30"),
		want:  transient, retryAfter: 30 * time.Second, statusCode: 429, status: "RESOURCE_EXHAUSTED", errorCode: "QUOTA_EXCEEDED", keepsToken: true,
	}, {
		name:  "quota exceeded without Retry-After",
		reply: fcmReply(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", "Quota exceeded.", ""),
		want:  transient, statusCode: 429, status: "RESOURCE_EXHAUSTED", errorCode: "QUOTA_EXCEEDED", keepsToken: true,
	}, {
		name:  "unavailable with Retry-After date",
		reply: fcmReply(503, "UNAVAILABLE", "UNAVAILABLE", "The service is currently unavailable.", retryDate),
		want:  transient, retryAfter: 2 * time.Minute, statusCode: 503, status: "UNAVAILABLE", errorCode: "UNAVAILABLE", keepsToken: true,
	}, {
		name:  "unavailable with unreadable Retry-After",
		reply: fcmReply(503, "UNAVAILABLE", "UNAVAILABLE", "The service is currently unavailable.", "soon"),
		want:  transient, statusCode: 503, status: "UNAVAILABLE", errorCode: "UNAVAILABLE", keepsToken: true,
	}, {
		name:  "internal",
		reply: fcmReply(500, "INTERNAL", "INTERNAL", "Internal error encountered.", ""),
		want:  transient, statusCode: 500, status: "INTERNAL", errorCode: "INTERNAL", keepsToken: true,
	}, {
		name:  "internal with Retry-After",
		reply: fcmReply(500, "INTERNAL", "INTERNAL", "Internal error encountered.", "5"),
		want:  transient, retryAfter: 5 * time.Second, statusCode: 500, status: "INTERNAL", errorCode: "INTERNAL", keepsToken: true,
	}, {
		name:  "unauthenticated drops the token",
		reply: fcmReply(401, "UNAUTHENTICATED", "", "Request had invalid authentication credentials.", "10"),
		want:  transient, statusCode: 401, status: "UNAUTHENTICATED", keepsToken: false,
	}, {
		name:  "bare 401 drops the token",
		reply: rawReply(401, "text/html", "<html>Unauthorized</html>", ""),
		want:  transient, statusCode: 401, keepsToken: false,
	}, {
		name:  "bad gateway page",
		reply: rawReply(502, "text/html", "<html><title>502 Bad Gateway</title></html>", "7"),
		want:  transient, retryAfter: 7 * time.Second, statusCode: 502, keepsToken: true,
	}, {
		name:  "not found page",
		reply: rawReply(404, "text/html", "<html>Not Found</html>", ""),
		want:  notDeliverable, statusCode: 404, keepsToken: true,
	}, {
		name:  "unknown error code, judged by status",
		reply: fcmReply(503, "UNAVAILABLE", "SOMETHING_NEW", "?", ""),
		want:  transient, statusCode: 503, status: "UNAVAILABLE", errorCode: "SOMETHING_NEW", keepsToken: true,
	}, {
		name:  "unknown error code and status, judged by HTTP status",
		reply: fcmReply(413, "SOMETHING_ELSE", "SOMETHING_NEW", "?", ""),
		want:  notDeliverable, statusCode: 413, status: "SOMETHING_ELSE", errorCode: "SOMETHING_NEW", keepsToken: true,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			e := setup(t)
			e.fake.set(func(f *fakeGoogle) { f.sendReply = tc.reply })
			err := e.p.Send(context.Background(), target(appMain), textNotification)
			requireOutcome(t, err, tc.want)

			var ra *driver.RetryAfterError
			if tc.retryAfter > 0 {
				require.ErrorAs(t, err, &ra)
				assert.Equal(t, tc.retryAfter, ra.After)
			} else {
				assert.False(t, errors.As(err, &ra), "unexpected pause: %v", err)
			}

			var fe *fcmpush.Error
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, fcmpush.OpSend, fe.Op)
			assert.Equal(t, "main", fe.Account)
			assert.Equal(t, tc.statusCode, fe.StatusCode)
			assert.Equal(t, tc.status, fe.Status)
			assert.Equal(t, tc.errorCode, fe.ErrorCode)
			assert.Contains(t, err.Error(), fmt.Sprintf("HTTP %d", tc.statusCode))
			assert.Contains(t, err.Error(), tc.status)
			assert.Contains(t, err.Error(), tc.errorCode)

			// The next send uses the cached token unless FCM rejected it.
			e.fake.set(func(f *fakeGoogle) { f.sendReply = nil })
			require.NoError(t, e.p.Send(context.Background(), target(appMain), textNotification))
			wantRequests := 1
			if !tc.keepsToken {
				wantRequests = 2
			}
			assert.Equal(t, wantRequests, e.fake.TokenRequests())
		})
	}
}

// fcmReply answers like FCM does with an error; errorCode and retryAfter
// may be empty.
func fcmReply(code int, status, errorCode, message, retryAfter string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		fcmError(w, code, status, errorCode, message)
	}
}

// rawReply answers with a body that is not FCM's, as a proxy might.
func rawReply(code int, contentType, body, retryAfter string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

func TestRejectedTokenIsReplacedOnTheNextSend(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	require.NoError(t, e.p.Send(ctx, target(appMain), textNotification))
	e.fake.RevokeAll()

	err := e.p.Send(ctx, target(appMain), textNotification)
	requireOutcome(t, err, transient)
	var fe *fcmpush.Error
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, http.StatusUnauthorized, fe.StatusCode)
	assert.Equal(t, "UNAUTHENTICATED", fe.Status)
	assert.Equal(t, 1, e.fake.TokenRequests())

	require.NoError(t, e.p.Send(ctx, target(appMain), textNotification))
	assert.Equal(t, 2, e.fake.TokenRequests())
	sends := e.fake.Sends()
	require.Len(t, sends, 2, "the rejected send is not recorded by the fake")
	assert.NotEqual(t, sends[0].Token, sends[1].Token)

	// The other account's token was not touched.
	require.NoError(t, e.p.Send(ctx, target(appOther), textNotification))
	assert.Equal(t, 3, e.fake.TokenRequests())
}

func TestTokenEndpointErrorMapping(t *testing.T) {
	for _, tc := range []struct {
		name       string
		reply      http.HandlerFunc
		want       outcome
		retryAfter time.Duration
		statusCode int
		status     string
		message    string
	}{{
		name:  "invalid grant",
		reply: oauthReply(400, "invalid_grant", "Invalid JWT Signature.", ""),
		want:  notDeliverable, statusCode: 400, status: "invalid_grant", message: "Invalid JWT Signature.",
	}, {
		name:  "unauthorized client",
		reply: oauthReply(401, "unauthorized_client", "Client is unauthorized to retrieve access tokens using this method.", ""),
		want:  notDeliverable, statusCode: 401, status: "unauthorized_client",
	}, {
		name:  "invalid client",
		reply: oauthReply(401, "invalid_client", "The OAuth client was not found.", ""),
		want:  notDeliverable, statusCode: 401, status: "invalid_client",
	}, {
		name:  "access denied",
		reply: oauthReply(403, "access_denied", "", ""),
		want:  notDeliverable, statusCode: 403, status: "access_denied",
	}, {
		name:  "server error",
		reply: oauthReply(500, "internal_failure", "Backend Error", ""),
		want:  transient, statusCode: 500, status: "internal_failure",
	}, {
		name:  "unavailable with Retry-After",
		reply: rawReply(503, "text/html", "<html>Service Unavailable</html>", "10"),
		want:  transient, retryAfter: 10 * time.Second, statusCode: 503,
	}, {
		name:  "rate limited",
		reply: oauthReply(429, "rate_limit_exceeded", "", ""),
		want:  transient, statusCode: 429, status: "rate_limit_exceeded",
	}, {
		name:  "no access token in a 200 reply",
		reply: rawReply(200, "application/json", `{"token_type":"Bearer"}`, ""),
		want:  transient, statusCode: 200,
	}, {
		name:  "garbage 200 reply",
		reply: rawReply(200, "text/html", `<html>captive portal</html>`, ""),
		want:  transient, statusCode: 200,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			e := setup(t)
			e.fake.set(func(f *fakeGoogle) { f.tokenReply = tc.reply })
			err := e.p.Send(context.Background(), target(appMain), textNotification)
			requireOutcome(t, err, tc.want)
			assert.Empty(t, e.fake.Sends())

			var ra *driver.RetryAfterError
			if tc.retryAfter > 0 {
				require.ErrorAs(t, err, &ra)
				assert.Equal(t, tc.retryAfter, ra.After)
			} else {
				assert.False(t, errors.As(err, &ra), "unexpected pause: %v", err)
			}
			var fe *fcmpush.Error
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, fcmpush.OpToken, fe.Op)
			assert.Equal(t, "main", fe.Account)
			assert.Equal(t, tc.statusCode, fe.StatusCode)
			assert.Equal(t, tc.status, fe.Status)
			assert.Contains(t, err.Error(), tc.status)
			assert.Contains(t, err.Error(), tc.message)

			// A failure is not cached: once the endpoint recovers, the
			// next send gets a token.
			e.fake.set(func(f *fakeGoogle) { f.tokenReply = nil })
			require.NoError(t, e.p.Send(context.Background(), target(appMain), textNotification))
			assert.Equal(t, 2, e.fake.TokenRequests())
		})
	}
}

func oauthReply(code int, oauthErr, description, retryAfter string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		oauthError(w, code, oauthErr, description)
	}
}

// closedServerURL is the address of a server that no longer listens.
func closedServerURL() string {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	return srv.URL
}

func TestUnreachableEndpointsAreTransient(t *testing.T) {
	clock := newTestClock()
	fake := newFakeGoogle(t, clock)
	acct, _ := fake.addAccount(0, "enmeshed-main")

	t.Run("token endpoint", func(t *testing.T) {
		p, err := fcmpush.New(fcmpush.Config{
			ServiceAccounts: map[string]string{"main": acct.keyJSON(t, closedServerURL()+"/token")},
			Apps:            map[string]string{appMain: "main"},
			BaseURL:         fake.srv.URL,
			Now:             clock.Now,
		})
		require.NoError(t, err)
		err = p.Send(context.Background(), target(appMain), textNotification)
		requireOutcome(t, err, transient)
		var ra *driver.RetryAfterError
		assert.False(t, errors.As(err, &ra))
	})
	t.Run("FCM", func(t *testing.T) {
		p, err := fcmpush.New(fcmpush.Config{
			ServiceAccounts: map[string]string{"main": acct.keyJSON(t, fake.tokenURI())},
			Apps:            map[string]string{appMain: "main"},
			BaseURL:         closedServerURL(),
			Now:             clock.Now,
		})
		require.NoError(t, err)
		err = p.Send(context.Background(), target(appMain), textNotification)
		requireOutcome(t, err, transient)
		assert.Equal(t, 1, fake.TokenRequests())
	})
}

func TestUnknownAppIsNotDeliverable(t *testing.T) {
	e := setup(t)
	err := e.p.Send(context.Background(), target("eu.enmeshed.unknown"), textNotification)
	requireOutcome(t, err, notDeliverable)
	assert.Contains(t, err.Error(), "eu.enmeshed.unknown")
	assert.Zero(t, e.fake.TokenRequests())
	assert.Empty(t, e.fake.Sends())
}

func TestEmptyHandleIsInvalid(t *testing.T) {
	e := setup(t)
	tg := target(appMain)
	tg.Handle = ""
	requireOutcome(t, e.p.Send(context.Background(), tg, textNotification), invalidHandle)
	assert.Zero(t, e.fake.TokenRequests())
}

func TestOversizedMessageIsNotSent(t *testing.T) {
	e := setup(t)
	n := driver.PushNotification{Content: []byte(`{"payload":"` + strings.Repeat("x", 4096) + `"}`)}
	err := e.p.Send(context.Background(), target(appMain), n)
	requireOutcome(t, err, notDeliverable)
	assert.Contains(t, err.Error(), "4096")
	assert.Empty(t, e.fake.Sends())

	// At the limit it goes out. The limit counts the keys and values of the
	// data and the text.
	fixed := len("android_channel_id") + len("ENMESHED") + len("content") + len("content-available") + len("1") + len("T")
	n = driver.PushNotification{Title: "T", Content: []byte(strings.Repeat("x", 4096-fixed))}
	require.NoError(t, e.p.Send(context.Background(), target(appMain), n))
}

func TestSlowFCMReturnsAtTheDeadline(t *testing.T) {
	e := setup(t)
	require.NoError(t, e.p.Send(context.Background(), target(appMain), textNotification)) // the token is cached
	release := make(chan struct{})
	t.Cleanup(func() { close(release) }) // runs before the server closes
	e.fake.set(func(f *fakeGoogle) {
		f.sendReply = func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := e.p.Send(ctx, target(appMain), textNotification)
	elapsed := time.Since(start)
	requireOutcome(t, err, transient)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, elapsed, 2*time.Second)
}

func TestEndedContextSendsNothing(t *testing.T) {
	e := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := e.p.Send(ctx, target(appMain), textNotification)
	requireOutcome(t, err, transient)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, e.fake.TokenRequests())
	assert.Empty(t, e.fake.Sends())
}

func TestRepliesAreReadBounded(t *testing.T) {
	e := setup(t)
	const total = 64 << 20
	written := make(chan int, 1)
	e.fake.set(func(f *fakeGoogle) {
		f.sendReply = func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			chunk := []byte(strings.Repeat("x", 32<<10))
			n := 0
			for n < total {
				m, err := w.Write(chunk)
				n += m
				if err != nil {
					break
				}
			}
			written <- n
		}
	})
	err := e.p.Send(context.Background(), target(appMain), textNotification)
	requireOutcome(t, err, transient)
	var fe *fcmpush.Error
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, http.StatusInternalServerError, fe.StatusCode)
	select {
	case n := <-written:
		assert.Less(t, n, total, "the whole reply was read")
	case <-time.After(10 * time.Second):
		t.Fatal("the server is still writing")
	}
}

func TestLongErrorMessageIsTruncated(t *testing.T) {
	e := setup(t)
	e.fake.set(func(f *fakeGoogle) {
		f.sendReply = fcmReply(500, "INTERNAL", "INTERNAL", strings.Repeat("ü", 5000), "")
	})
	err := e.p.Send(context.Background(), target(appMain), textNotification)
	var fe *fcmpush.Error
	require.ErrorAs(t, err, &fe)
	assert.LessOrEqual(t, len(fe.Message), 512+len("…"))
	assert.True(t, strings.HasSuffix(fe.Message, "ü…"), "cut inside a character: %q", fe.Message[len(fe.Message)-8:])
}

// roundTripFunc is an http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestDefaultEndpoints(t *testing.T) {
	clock := newTestClock()
	fake := newFakeGoogle(t, clock)
	acct, keyJSON := fake.addAccount(0, "enmeshed-main")
	// A key file without token_uri.
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(keyJSON), &m))
	delete(m, "token_uri")
	b, err := json.Marshal(m)
	require.NoError(t, err)

	var mu sync.Mutex
	var urls []string
	client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		urls = append(urls, r.URL.String())
		mu.Unlock()
		body := `{"name":"projects/enmeshed-main/messages/1"}`
		if r.URL.Path == "/token" {
			body = `{"access_token":"ya29.x","expires_in":3599,"token_type":"Bearer"}`
		}
		return &http.Response{
			StatusCode: http.StatusOK,
			Header:     http.Header{"Content-Type": {"application/json"}},
			Body:       io.NopCloser(strings.NewReader(body)),
			Request:    r,
		}, nil
	})}
	p, err := fcmpush.New(fcmpush.Config{
		ServiceAccounts: map[string]string{"main": string(b)},
		Apps:            map[string]string{appMain: "main"},
		HTTPClient:      client,
	})
	require.NoError(t, err)
	require.NoError(t, p.Send(context.Background(), target(appMain), textNotification))
	assert.Equal(t, []string{
		fcmpush.DefaultTokenURI,
		fcmpush.DefaultBaseURL + "/v1/projects/" + acct.project + "/messages:send",
	}, urls)
}

func TestNewAcceptsValidConfigs(t *testing.T) {
	clock := newTestClock()
	fake := newFakeGoogle(t, clock)
	_, keyJSON := fake.addAccount(0, "enmeshed-main")

	t.Run("empty", func(t *testing.T) {
		p, err := fcmpush.New(fcmpush.Config{})
		require.NoError(t, err)
		assert.False(t, p.SupportsApp(appMain))
	})
	t.Run("unused service account", func(t *testing.T) {
		p, err := fcmpush.New(fcmpush.Config{ServiceAccounts: map[string]string{"main": keyJSON}})
		require.NoError(t, err)
		assert.False(t, p.SupportsApp(appMain))
	})
	t.Run("PKCS #1 key, base URL with slash", func(t *testing.T) {
		pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(testKeys()[0])})
		p, err := fcmpush.New(fcmpush.Config{
			ServiceAccounts: map[string]string{"main": withField(t, keyJSON, "private_key", string(pkcs1))},
			Apps:            map[string]string{appMain: "main"},
			BaseURL:         fake.srv.URL + "/",
			HTTPClient:      fake.srv.Client(),
			Now:             clock.Now,
		})
		require.NoError(t, err)
		require.NoError(t, p.Send(context.Background(), target(appMain), textNotification))
	})
}

// withField returns keyJSON with field set to value, or removed if value is
// nil.
func withField(t *testing.T, keyJSON, field string, value any) string {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(keyJSON), &m))
	if value == nil {
		delete(m, field)
	} else {
		m[field] = value
	}
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return string(b)
}

func TestNewRejectsInvalidConfigs(t *testing.T) {
	clock := newTestClock()
	fake := newFakeGoogle(t, clock)
	_, keyJSON := fake.addAccount(0, "enmeshed-main")

	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ecDER, err := x509.MarshalPKCS8PrivateKey(ecKey)
	require.NoError(t, err)
	ecPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER}))

	one := func(key string) fcmpush.Config {
		return fcmpush.Config{
			ServiceAccounts: map[string]string{"main": key},
			Apps:            map[string]string{appMain: "main"},
		}
	}
	for _, tc := range []struct {
		name    string
		cfg     fcmpush.Config
		wantMsg string
	}{
		{"unparsable JSON", one(keyJSON[:len(keyJSON)/2]), `service account "main"`},
		{"not an object", one(`["service_account"]`), `service account "main"`},
		{"empty key", one(``), `service account "main"`},
		{"wrong type", one(withField(t, keyJSON, "type", "authorized_user")), "authorized_user"},
		{"no type", one(withField(t, keyJSON, "type", nil)), "type"},
		{"no project_id", one(withField(t, keyJSON, "project_id", nil)), "project_id"},
		{"blank project_id", one(withField(t, keyJSON, "project_id", " ")), "project_id"},
		{"no private_key_id", one(withField(t, keyJSON, "private_key_id", nil)), "private_key_id"},
		{"no private_key", one(withField(t, keyJSON, "private_key", nil)), "private_key"},
		{"no client_email", one(withField(t, keyJSON, "client_email", nil)), "client_email"},
		{"private_key not PEM", one(withField(t, keyJSON, "private_key", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC")), "no PEM block"},
		{"private_key a certificate", one(withField(t, keyJSON, "private_key", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")), "CERTIFICATE"},
		{"private_key malformed", one(withField(t, keyJSON, "private_key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")), "malformed"},
		{"private_key not RSA", one(withField(t, keyJSON, "private_key", ecPEM)), "not an RSA key"},
		{"relative token_uri", one(withField(t, keyJSON, "token_uri", "/token")), "token_uri"},
		{"token_uri not http", one(withField(t, keyJSON, "token_uri", "ftp://oauth2.example/token")), "token_uri"},
		{"app with unknown account", fcmpush.Config{
			ServiceAccounts: map[string]string{"main": keyJSON},
			Apps:            map[string]string{appMain: "main", appOther: "other"},
		}, `app "com.example.other": no service account named "other"`},
		{"app without accounts", fcmpush.Config{Apps: map[string]string{appMain: "main"}}, `no service account named "main"`},
		{"empty account name", fcmpush.Config{ServiceAccounts: map[string]string{"": keyJSON}}, "empty name"},
		{"empty app ID", fcmpush.Config{
			ServiceAccounts: map[string]string{"main": keyJSON},
			Apps:            map[string]string{"": "main"},
		}, "empty app ID"},
		{"bad base URL", fcmpush.Config{BaseURL: "fcm.googleapis.com"}, "base URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := fcmpush.New(tc.cfg)
			require.Error(t, err)
			assert.Nil(t, p)
			msg := err.Error()
			assert.True(t, strings.HasPrefix(msg, "fcmpush: "), msg)
			assert.Contains(t, msg, tc.wantMsg)
			assert.NotContains(t, msg, "-----BEGIN", "the error quotes the key")
			assert.NotContains(t, msg, "MII", "the error quotes the key")
		})
	}
}
