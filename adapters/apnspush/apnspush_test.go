package apnspush_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/adapters/apnspush"
	"github.com/openbackbone/openbackbone/backbone/driver"
)

func target(n int) driver.PushTarget {
	return driver.PushTarget{
		IdentityAddress:      "did:e:localhost:dids:0123456789abcdef012345",
		DeviceID:             "DVCaaaaaaaaaaaaaaaaa",
		DevicePushIdentifier: "DPIaaaaaaaaaaaaaaaaa",
		Handle:               deviceToken(n),
		AppID:                bundle,
		Environment:          driver.PushProduction,
	}
}

func TestPlatformAndSupportsApp(t *testing.T) {
	e := newEnv(t)
	assert.Equal(t, driver.PlatformAPNs, e.p.Platform())
	assert.True(t, e.p.SupportsApp(bundle))
	assert.False(t, e.p.SupportsApp("eu.enmeshed.other"))
	assert.False(t, e.p.SupportsApp(""))
}

func TestSendRequestShape(t *testing.T) {
	content := `{"accRef":"ACC1","devicePushIdentifier":"DPIaaaaaaaaaaaaaaaaa","eventName":"ExternalEventCreated","sentAt":"2025-03-01T12:00:00.000Z","payload":{}}`
	tests := []struct {
		name        string
		n           driver.PushNotification
		wantBody    string
		wantCollaps string // "" for no header
	}{
		{
			name: "content and collapse id",
			n: driver.PushNotification{
				EventName:  "ExternalEventCreated",
				Content:    []byte(content),
				Title:      "New message",
				Body:       "You have received a message",
				CollapseID: "ExternalEventCreated",
			},
			wantBody:    `{"content":` + content + `,"aps":{"content-available":"1","alert":{"title":"New message","body":"You have received a message"}}}`,
			wantCollaps: "ExternalEventCreated",
		},
		{
			name:     "text only",
			n:        driver.PushNotification{Title: "Hello", Body: "World"},
			wantBody: `{"aps":{"alert":{"title":"Hello","body":"World"}}}`,
		},
		{
			name:     "content without text",
			n:        driver.PushNotification{EventName: "DatawalletModificationsCreated", Content: []byte("  " + content + "\n")},
			wantBody: `{"content":` + content + `,"aps":{"content-available":"1","alert":{}}}`,
		},
		{
			name:     "title only",
			n:        driver.PushNotification{Title: "Only a title"},
			wantBody: `{"aps":{"alert":{"title":"Only a title"}}}`,
		},
		{
			name:     "empty content is none, text is not HTML-escaped",
			n:        driver.PushNotification{Content: []byte{}, Title: "<b>Tom & Jerry</b>"},
			wantBody: `{"aps":{"alert":{"title":"<b>Tom & Jerry</b>"}}}`,
		},
		{
			name:     "body only",
			n:        driver.PushNotification{Body: "Only a body"},
			wantBody: `{"aps":{"alert":{"body":"Only a body"}}}`,
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			tg := target(i)
			require.NoError(t, e.p.Send(context.Background(), tg, tt.n))

			reqs := e.prod.received()
			require.Len(t, reqs, 1)
			r := reqs[0]
			assert.Equal(t, 2, r.protoMajor)
			assert.Equal(t, http.MethodPost, r.method)
			assert.Equal(t, "/3/device/"+tg.Handle, r.path)
			assert.Equal(t, []string{bundle}, r.header.Values("apns-topic"))
			assert.Equal(t, []string{"0"}, r.header.Values("apns-expiration"))
			assert.Equal(t, []string{"5"}, r.header.Values("apns-priority"))
			assert.Equal(t, []string{"alert"}, r.header.Values("apns-push-type"))
			assert.Equal(t, "bearer "+r.jwt, r.header.Get("authorization"))
			if tt.wantCollaps == "" {
				assert.Empty(t, r.header.Values("apns-collapse-id"))
			} else {
				assert.Equal(t, []string{tt.wantCollaps}, r.header.Values("apns-collapse-id"))
			}
			assert.JSONEq(t, tt.wantBody, string(r.body))
			// The exact bytes too: content first, content-available a
			// string, no empty keys.
			assert.Equal(t, tt.wantBody, string(r.body))
			assert.Empty(t, e.dev.received())
		})
	}
}

func TestSendEnvironments(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	n := driver.PushNotification{Title: "t"}

	dev := target(1)
	dev.Environment = driver.PushDevelopment
	require.NoError(t, e.p.Send(ctx, dev, n))

	prod := target(2)
	prod.Environment = driver.PushProduction
	require.NoError(t, e.p.Send(ctx, prod, n))

	unset := target(3)
	unset.Environment = ""
	require.NoError(t, e.p.Send(ctx, unset, n))

	devReqs, prodReqs := e.dev.received(), e.prod.received()
	require.Len(t, devReqs, 1)
	assert.Equal(t, dev.Handle, devReqs[0].device)
	require.Len(t, prodReqs, 2)
	assert.Equal(t, prod.Handle, prodReqs[0].device)
	assert.Equal(t, unset.Handle, prodReqs[1].device)

	bad := target(4)
	bad.Environment = "Staging"
	err := e.p.Send(ctx, bad, n)
	require.ErrorIs(t, err, driver.ErrNotDeliverable)
	assert.Contains(t, err.Error(), `"Staging"`)
	assert.Len(t, e.dev.received(), 1)
	assert.Len(t, e.prod.received(), 2)
}

// recorder is a RoundTripper that answers 200 without a network.
type recorder struct {
	mu   sync.Mutex
	urls []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.urls = append(r.urls, req.URL.String())
	r.mu.Unlock()
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
}

func TestDefaultEndpoints(t *testing.T) {
	key := newTestKey(t)
	rec := &recorder{}
	p, err := apnspush.New(apnspush.Config{
		Keys:       map[string]apnspush.Key{"main": {TeamID: teamID, KeyID: keyID, PrivateKey: key.pem}},
		Bundles:    map[string]string{bundle: "main"},
		HTTPClient: &http.Client{Transport: rec},
	})
	require.NoError(t, err)
	ctx := context.Background()
	dev := target(1)
	dev.Environment = driver.PushDevelopment
	require.NoError(t, p.Send(ctx, dev, driver.PushNotification{}))
	prod := target(2)
	require.NoError(t, p.Send(ctx, prod, driver.PushNotification{}))
	assert.Equal(t, []string{
		"https://api.sandbox.push.apple.com/3/device/" + dev.Handle,
		"https://api.push.apple.com/3/device/" + prod.Handle,
	}, rec.urls)
	assert.Equal(t, "https://api.push.apple.com", apnspush.DefaultProductionURL)
	assert.Equal(t, "https://api.sandbox.push.apple.com", apnspush.DefaultDevelopmentURL)
}

func TestBaseURLWithPathAndSlash(t *testing.T) {
	rec := &recorder{}
	key := newTestKey(t)
	p, err := apnspush.New(apnspush.Config{
		Keys:           map[string]apnspush.Key{"main": {TeamID: teamID, KeyID: keyID, PrivateKey: key.pem}},
		Bundles:        map[string]string{bundle: "main"},
		ProductionURL:  "https://proxy.example/apns/",
		DevelopmentURL: "http://localhost:8080",
		HTTPClient:     &http.Client{Transport: rec},
	})
	require.NoError(t, err)
	require.NoError(t, p.Send(context.Background(), target(1), driver.PushNotification{}))
	assert.Equal(t, []string{"https://proxy.example/apns/3/device/" + deviceToken(1)}, rec.urls)
}

func TestProviderToken(t *testing.T) {
	for _, format := range []string{"pem", "base64", "base64 with line breaks"} {
		t.Run(format, func(t *testing.T) {
			e := newEnv(t, func(c *apnspush.Config) {
				k := c.Keys["main"]
				switch format {
				case "base64":
					k.PrivateKey = newEnvKeyB64(c)
				case "base64 with line breaks":
					b := newEnvKeyB64(c)
					k.PrivateKey = "\n" + b[:20] + "\n" + b[20:40] + "\r\n" + b[40:] + "\n"
				}
				c.Keys["main"] = k
			})
			require.NoError(t, e.p.Send(context.Background(), target(1), driver.PushNotification{Title: "t"}))
			reqs := e.prod.received()
			require.Len(t, reqs, 1)
			r := reqs[0]
			assert.Equal(t, keyID, r.kid)
			assert.Equal(t, teamID, r.iss)
			assert.Equal(t, t0.Unix(), r.iat)

			// The header once more, independently of the fake's parser.
			parts := strings.Split(r.jwt, ".")
			require.Len(t, parts, 3)
			hdr, err := base64.RawURLEncoding.DecodeString(parts[0])
			require.NoError(t, err)
			assert.Contains(t, string(hdr), `"alg":"ES256"`)
			assert.Contains(t, string(hdr), `"kid":"`+keyID+`"`)
			sig, err := base64.RawURLEncoding.DecodeString(parts[2])
			require.NoError(t, err)
			assert.Len(t, sig, 64, "ES256 signature is r||s, 32 bytes each")
		})
	}
}

// newEnvKeyB64 returns the base64 DER of the PEM key in the configuration.
func newEnvKeyB64(c *apnspush.Config) string {
	block, _ := pem.Decode([]byte(c.Keys["main"].PrivateKey))
	return base64.StdEncoding.EncodeToString(block.Bytes)
}

func TestTokenReusedFor50Minutes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	send := func(at time.Duration) received {
		t.Helper()
		e.clock.Set(t0.Add(at))
		require.NoError(t, e.p.Send(ctx, target(1), driver.PushNotification{Title: "t"}))
		reqs := e.prod.received()
		return reqs[len(reqs)-1]
	}

	first := send(0)
	assert.Equal(t, t0.Unix(), first.iat)
	for _, at := range []time.Duration{time.Second, 20 * time.Minute, 49*time.Minute + 59*time.Second} {
		r := send(at)
		assert.Equal(t, first.jwt, r.jwt, "token at +%s", at)
	}

	renewed := send(50 * time.Minute)
	assert.NotEqual(t, first.jwt, renewed.jwt)
	assert.Equal(t, t0.Add(50*time.Minute).Unix(), renewed.iat)

	again := send(99 * time.Minute)
	assert.Equal(t, renewed.jwt, again.jwt)

	// A Provider idle for hours signs a new token on its next Send.
	late := send(5 * time.Hour)
	assert.NotEqual(t, renewed.jwt, late.jwt)
	assert.Equal(t, t0.Add(5*time.Hour).Unix(), late.iat)
}

func TestRefusedProviderTokenIsRenewed(t *testing.T) {
	for _, reason := range []string{"ExpiredProviderToken", "InvalidProviderToken"} {
		t.Run(reason, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			n := driver.PushNotification{Title: "t"}

			require.NoError(t, e.p.Send(ctx, target(1), n))
			first := e.prod.received()[0].jwt

			e.clock.Set(t0.Add(10 * time.Minute))
			e.prod.refuseNextToken(reason)
			err := e.p.Send(ctx, target(1), n)
			require.Error(t, err)
			assertTransient(t, err)
			var re *apnspush.ResponseError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, http.StatusForbidden, re.StatusCode)
			assert.Equal(t, reason, re.Reason)
			assert.Contains(t, err.Error(), "403 "+reason)

			// The retry signs a new token (the fake still refuses
			// the old one) and succeeds.
			require.NoError(t, e.p.Send(ctx, target(1), n))
			reqs := e.prod.received()
			require.Len(t, reqs, 2)
			assert.NotEqual(t, first, reqs[1].jwt)
			assert.Equal(t, t0.Add(10*time.Minute).Unix(), reqs[1].iat)

			// And keeps it.
			require.NoError(t, e.p.Send(ctx, target(2), n))
			assert.Equal(t, reqs[1].jwt, e.prod.received()[2].jwt)
		})
	}
}

func TestOtherForbiddenKeepsToken(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	n := driver.PushNotification{Title: "t"}
	e.prod.setReply(deviceToken(9), reply{status: http.StatusForbidden, reason: "Forbidden"})
	require.NoError(t, e.p.Send(ctx, target(1), n))
	require.ErrorIs(t, e.p.Send(ctx, target(9), n), driver.ErrNotDeliverable)
	require.NoError(t, e.p.Send(ctx, target(1), n))
	reqs := e.prod.received()
	require.Len(t, reqs, 3)
	assert.Equal(t, reqs[0].jwt, reqs[2].jwt)
}

func TestOneTokenPerKey(t *testing.T) {
	other := newTestKey(t)
	e := newEnv(t, func(c *apnspush.Config) {
		c.Keys["second"] = apnspush.Key{TeamID: "TEAM999999", KeyID: "KEY9999999", PrivateKey: other.b64}
		c.Bundles["eu.enmeshed.shared"] = "main"
		c.Bundles["com.example.other"] = "second"
	})
	e.prod.trust("TEAM999999", "KEY9999999", &other.priv.PublicKey)
	ctx := context.Background()
	n := driver.PushNotification{Title: "t"}
	for _, app := range []string{bundle, "com.example.other", "eu.enmeshed.shared", "com.example.other"} {
		tg := target(1)
		tg.AppID = app
		require.NoError(t, e.p.Send(ctx, tg, n), app)
	}
	reqs := e.prod.received()
	require.Len(t, reqs, 4)
	assert.Equal(t, bundle, reqs[0].header.Get("apns-topic"))
	assert.Equal(t, "com.example.other", reqs[1].header.Get("apns-topic"))
	assert.Equal(t, "eu.enmeshed.shared", reqs[2].header.Get("apns-topic"))

	assert.Equal(t, keyID, reqs[0].kid)
	assert.Equal(t, teamID, reqs[0].iss)
	assert.Equal(t, "KEY9999999", reqs[1].kid)
	assert.Equal(t, "TEAM999999", reqs[1].iss)
	assert.Equal(t, reqs[0].jwt, reqs[2].jwt, "bundles of one key share its token")
	assert.Equal(t, reqs[1].jwt, reqs[3].jwt)
	assert.NotEqual(t, reqs[0].jwt, reqs[1].jwt)
}

// assertTransient checks that err is neither sentinel nor a pause.
func assertTransient(t *testing.T, err error) {
	t.Helper()
	assert.NotErrorIs(t, err, driver.ErrInvalidHandle)
	assert.NotErrorIs(t, err, driver.ErrNotDeliverable)
	var ra *driver.RetryAfterError
	assert.False(t, errors.As(err, &ra), "unexpected RetryAfterError: %v", err)
}

func TestErrorMapping(t *testing.T) {
	const (
		invalid   = "invalid handle"
		undeliv   = "not deliverable"
		transient = "transient"
	)
	tests := []struct {
		name       string
		reply      reply
		want       string
		wantAfter  time.Duration // > 0: a RetryAfterError
		wantInMsg  string
		wantReason string
	}{
		{name: "410 Unregistered", reply: reply{status: 410, reason: "Unregistered", timestamp: 1740830400000}, want: invalid, wantInMsg: "410 Unregistered"},
		{name: "410 ExpiredToken", reply: reply{status: 410, reason: "ExpiredToken"}, want: invalid, wantInMsg: "410 ExpiredToken"},
		{name: "400 BadDeviceToken", reply: reply{status: 400, reason: "BadDeviceToken"}, want: invalid, wantInMsg: "400 BadDeviceToken"},
		{name: "400 DeviceTokenNotForTopic", reply: reply{status: 400, reason: "DeviceTokenNotForTopic"}, want: invalid, wantInMsg: "400 DeviceTokenNotForTopic"},
		{name: "400 BadTopic", reply: reply{status: 400, reason: "BadTopic"}, want: undeliv, wantInMsg: "400 BadTopic"},
		{name: "400 PayloadEmpty", reply: reply{status: 400, reason: "PayloadEmpty"}, want: undeliv, wantInMsg: "400 PayloadEmpty"},
		{name: "400 MissingTopic", reply: reply{status: 400, reason: "MissingTopic"}, want: undeliv, wantInMsg: "400 MissingTopic"},
		{name: "400 TopicDisallowed", reply: reply{status: 400, reason: "TopicDisallowed"}, want: undeliv, wantInMsg: "400 TopicDisallowed"},
		{name: "400 BadCollapseId", reply: reply{status: 400, reason: "BadCollapseId"}, want: undeliv, wantInMsg: "400 BadCollapseId"},
		{name: "400 with Retry-After is still not deliverable", reply: reply{status: 400, reason: "BadTopic", header: map[string]string{"Retry-After": "10"}}, want: undeliv, wantInMsg: "400 BadTopic"},
		{name: "400 IdleTimeout", reply: reply{status: 400, reason: "IdleTimeout"}, want: transient, wantInMsg: "400 IdleTimeout"},
		{name: "413 PayloadTooLarge", reply: reply{status: 413, reason: "PayloadTooLarge"}, want: undeliv, wantInMsg: "413 PayloadTooLarge"},
		{name: "403 Forbidden", reply: reply{status: 403, reason: "Forbidden"}, want: undeliv, wantInMsg: "403 Forbidden"},
		{name: "403 BadCertificateEnvironment", reply: reply{status: 403, reason: "BadCertificateEnvironment"}, want: undeliv, wantInMsg: "403 BadCertificateEnvironment"},
		{name: "404 BadPath", reply: reply{status: 404, reason: "BadPath"}, want: undeliv, wantInMsg: "404 BadPath"},
		{name: "405 MethodNotAllowed", reply: reply{status: 405, reason: "MethodNotAllowed"}, want: undeliv, wantInMsg: "405 MethodNotAllowed"},
		{name: "429 TooManyRequests with Retry-After", reply: reply{status: 429, reason: "TooManyRequests", header: map[string]string{"Retry-After": "30"}}, want: transient, wantAfter: 30 * time.Second, wantInMsg: "429 TooManyRequests"},
		{name: "429 TooManyRequests", reply: reply{status: 429, reason: "TooManyRequests"}, want: transient, wantInMsg: "429 TooManyRequests"},
		{name: "429 TooManyProviderTokenUpdates", reply: reply{status: 429, reason: "TooManyProviderTokenUpdates"}, want: transient, wantInMsg: "429 TooManyProviderTokenUpdates"},
		{name: "500 InternalServerError", reply: reply{status: 500, reason: "InternalServerError"}, want: transient, wantInMsg: "500 InternalServerError"},
		{name: "503 ServiceUnavailable", reply: reply{status: 503, reason: "ServiceUnavailable"}, want: transient, wantInMsg: "503 ServiceUnavailable"},
		{name: "503 Shutdown with Retry-After", reply: reply{status: 503, reason: "Shutdown", header: map[string]string{"Retry-After": "120"}}, want: transient, wantAfter: 2 * time.Minute, wantInMsg: "503 Shutdown"},
		{name: "503 with Retry-After date", reply: reply{status: 503, reason: "ServiceUnavailable", header: map[string]string{"Retry-After": t0.Add(90 * time.Second).Format(http.TimeFormat)}}, want: transient, wantAfter: 90 * time.Second, wantInMsg: "503 ServiceUnavailable"},
		{name: "503 with Retry-After beyond an hour", reply: reply{status: 503, reason: "ServiceUnavailable", header: map[string]string{"Retry-After": "999999999999"}}, want: transient, wantAfter: time.Hour, wantInMsg: "503 ServiceUnavailable"},
		{name: "503 with unreadable Retry-After", reply: reply{status: 503, reason: "ServiceUnavailable", header: map[string]string{"Retry-After": "soon"}}, want: transient, wantInMsg: "503 ServiceUnavailable"},
		{name: "503 with Retry-After 0", reply: reply{status: 503, reason: "ServiceUnavailable", header: map[string]string{"Retry-After": "0"}}, want: transient, wantInMsg: "503 ServiceUnavailable"},
		{name: "502 from a proxy", reply: reply{status: 502, body: "<html>bad gateway</html>"}, want: transient, wantInMsg: "502 Bad Gateway"},
		{name: "400 with an oversized body", reply: reply{status: 400, body: `{"reason":"` + strings.Repeat("x", 1<<20) + `"}`}, want: undeliv, wantInMsg: "400 Bad Request"},
	}
	e := newEnv(t)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := target(100 + i)
			e.prod.setReply(tg.Handle, tt.reply)
			err := e.p.Send(context.Background(), tg, driver.PushNotification{Title: "t"})
			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), "apnspush: "), err.Error())
			assert.Contains(t, err.Error(), tt.wantInMsg)
			assert.Contains(t, err.Error(), "apns-id ")

			var re *apnspush.ResponseError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, tt.reply.status, re.StatusCode)
			if tt.reply.body == "" {
				assert.Equal(t, tt.reply.reason, re.Reason)
			}
			assert.NotEmpty(t, re.APNsID)
			if tt.reply.timestamp != 0 {
				assert.Equal(t, time.UnixMilli(tt.reply.timestamp).UTC(), re.Timestamp)
			} else {
				assert.True(t, re.Timestamp.IsZero())
			}

			var ra *driver.RetryAfterError
			isPause := errors.As(err, &ra)
			switch tt.want {
			case invalid:
				assert.ErrorIs(t, err, driver.ErrInvalidHandle)
				assert.NotErrorIs(t, err, driver.ErrNotDeliverable)
				assert.False(t, isPause)
			case undeliv:
				assert.ErrorIs(t, err, driver.ErrNotDeliverable)
				assert.NotErrorIs(t, err, driver.ErrInvalidHandle)
				assert.False(t, isPause)
			case transient:
				assert.NotErrorIs(t, err, driver.ErrInvalidHandle)
				assert.NotErrorIs(t, err, driver.ErrNotDeliverable)
				if tt.wantAfter > 0 {
					require.True(t, isPause, "want a RetryAfterError: %v", err)
					assert.Equal(t, tt.wantAfter, ra.After)
					assert.Same(t, re, ra.Err)
				} else {
					assert.False(t, isPause, "unexpected RetryAfterError: %v", err)
				}
			}
		})
	}
}

func TestInvalidHandles(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	n := driver.PushNotification{Title: "t"}

	empty := target(1)
	empty.Handle = ""
	err := e.p.Send(ctx, empty, n)
	require.ErrorIs(t, err, driver.ErrInvalidHandle)
	assert.Empty(t, e.prod.received())

	// Garbage goes to APNs, which refuses it; it is escaped into one
	// path segment.
	for _, h := range []string{"not-a-token", "../../x", "ab/cd", "a b?c#d"} {
		garbage := target(1)
		garbage.Handle = h
		err = e.p.Send(ctx, garbage, n)
		require.ErrorIs(t, err, driver.ErrInvalidHandle, h)
		assert.Contains(t, err.Error(), "400 BadDeviceToken")
	}
}

func TestUnknownBundle(t *testing.T) {
	e := newEnv(t)
	tg := target(1)
	tg.AppID = "com.example.unknown"
	err := e.p.Send(context.Background(), tg, driver.PushNotification{Title: "t"})
	require.ErrorIs(t, err, driver.ErrNotDeliverable)
	assert.NotErrorIs(t, err, driver.ErrInvalidHandle)
	assert.Contains(t, err.Error(), "apnspush:")
	assert.Contains(t, err.Error(), `"com.example.unknown"`)
	assert.Empty(t, e.prod.received())
}

func TestUndeliverableContent(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for name, n := range map[string]driver.PushNotification{
		"not JSON":        {Content: []byte(`{"accRef":`)},
		"not an object":   {Content: []byte(`["a"]`)},
		"null":            {Content: []byte(`null`)},
		"too large":       {Content: []byte(`{"payload":"` + strings.Repeat("x", 4096) + `"}`)},
		"too large title": {Title: strings.Repeat("t", 5000)},
	} {
		err := e.p.Send(ctx, target(1), n)
		assert.ErrorIs(t, err, driver.ErrNotDeliverable, name)
	}
	assert.Empty(t, e.prod.received())

	// Just below the limit is sent.
	pad := apnspush.MaxPayloadSize - len(`{"content":{"p":""},"aps":{"content-available":"1","alert":{}}}`)
	n := driver.PushNotification{Content: []byte(`{"p":"` + strings.Repeat("x", pad) + `"}`)}
	require.NoError(t, e.p.Send(ctx, target(1), n))
	reqs := e.prod.received()
	require.Len(t, reqs, 1)
	assert.Len(t, reqs[0].body, apnspush.MaxPayloadSize)
}

func TestContextDeadline(t *testing.T) {
	e := newEnv(t)
	tg := target(1)
	e.prod.setReply(tg.Handle, reply{hang: true})

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := e.p.Send(ctx, tg, driver.PushNotification{Title: "t"})
	elapsed := time.Since(start)
	require.Error(t, err)
	assert.Less(t, elapsed, 2*time.Second)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.True(t, strings.HasPrefix(err.Error(), "apnspush: "), err.Error())
	assertTransient(t, err)
	assert.NotContains(t, err.Error(), tg.Handle, "device tokens stay out of logs")

	// A context cancelled before Send does not reach APNs.
	done, cancel2 := context.WithCancel(context.Background())
	cancel2()
	err = e.p.Send(done, target(2), driver.PushNotification{Title: "t"})
	require.ErrorIs(t, err, context.Canceled)
	assertTransient(t, err)
}

func TestNetworkError(t *testing.T) {
	e := newEnv(t)
	e.prod.srv.Close()
	err := e.p.Send(context.Background(), target(1), driver.PushNotification{Title: "t"})
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "apnspush: "), err.Error())
	assertTransient(t, err)
	var re *apnspush.ResponseError
	assert.False(t, errors.As(err, &re))
	assert.Contains(t, err.Error(), e.prod.srv.URL)
	assert.NotContains(t, err.Error(), deviceToken(1))
}

func TestConcurrentSendsSignOnce(t *testing.T) {
	warm := newTestKey(t)
	e := newEnv(t, func(c *apnspush.Config) {
		c.Keys["warm"] = apnspush.Key{TeamID: "TEAMWARM00", KeyID: "KEYWARM000", PrivateKey: warm.pem}
		c.Bundles["com.example.warm"] = "warm"
	})
	// Open the connections with another key's token, so that the
	// parallel Sends below share them and meet at signing.
	for _, f := range []*fakeAPNs{e.prod, e.dev} {
		f.trust("TEAMWARM00", "KEYWARM000", &warm.priv.PublicKey)
	}
	for _, env := range []string{driver.PushProduction, driver.PushDevelopment} {
		tg := target(1000)
		tg.AppID, tg.Environment = "com.example.warm", env
		require.NoError(t, e.p.Send(context.Background(), tg, driver.PushNotification{Title: "warm"}))
	}

	const senders = 64
	var wg sync.WaitGroup
	errs := make([]error, senders)
	start := make(chan struct{})
	for i := range senders {
		wg.Go(func() {
			<-start
			tg := target(i)
			if i%2 == 1 {
				tg.Environment = driver.PushDevelopment
			}
			errs[i] = e.p.Send(context.Background(), tg, driver.PushNotification{Title: "t", Body: "b"})
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "sender %d", i)
	}
	tokens := map[string]bool{}
	reqs := append(e.prod.received()[1:], e.dev.received()[1:]...)
	require.Len(t, reqs, senders)
	for _, r := range reqs {
		assert.Equal(t, keyID, r.kid)
		tokens[r.jwt] = true
	}
	assert.Equal(t, e.prod.received()[0].jwt, e.dev.received()[0].jwt, "the warm-up used one token")
	assert.Len(t, tokens, 1, "parallel Sends signed more than one provider token")
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	good := newTestKey(t)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	p384DER, err := x509.MarshalPKCS8PrivateKey(p384)
	require.NoError(t, err)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	rsaDER, err := x509.MarshalPKCS8PrivateKey(rsaKey)
	require.NoError(t, err)
	pubDER, err := x509.MarshalPKIXPublicKey(&good.priv.PublicKey)
	require.NoError(t, err)
	pemOf := func(typ string, der []byte) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
	}

	valid := func() apnspush.Config {
		return apnspush.Config{
			Keys:    map[string]apnspush.Key{"main": {TeamID: teamID, KeyID: keyID, PrivateKey: good.pem}},
			Bundles: map[string]string{bundle: "main"},
		}
	}
	_, err = apnspush.New(valid())
	require.NoError(t, err)

	tests := []struct {
		name string
		edit func(*apnspush.Config)
		want string
	}{
		{"no bundles", func(c *apnspush.Config) { c.Bundles = nil }, "no bundles"},
		{"bundle names unknown key", func(c *apnspush.Config) { c.Bundles["com.example.x"] = "missing" }, `bundle "com.example.x" names unknown key "missing"`},
		{"empty bundle ID", func(c *apnspush.Config) { c.Bundles[""] = "main" }, "empty bundle ID"},
		{"empty key name", func(c *apnspush.Config) { c.Keys[""] = c.Keys["main"] }, "empty name"},
		{"no team ID", func(c *apnspush.Config) { k := c.Keys["main"]; k.TeamID = " "; c.Keys["main"] = k }, "TeamID is empty"},
		{"no key ID", func(c *apnspush.Config) { k := c.Keys["main"]; k.KeyID = ""; c.Keys["main"] = k }, "KeyID is empty"},
		{"no private key", func(c *apnspush.Config) { k := c.Keys["main"]; k.PrivateKey = ""; c.Keys["main"] = k }, "PrivateKey is empty"},
		{"broken PEM", func(c *apnspush.Config) {
			k := c.Keys["main"]
			k.PrivateKey = "-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----\n"
			c.Keys["main"] = k
		}, "not valid PEM"},
		{"PEM of garbage DER", func(c *apnspush.Config) {
			k := c.Keys["main"]
			k.PrivateKey = pemOf("PRIVATE KEY", []byte("garbage"))
			c.Keys["main"] = k
		}, `key "main": PrivateKey`},
		{"public key PEM", func(c *apnspush.Config) {
			k := c.Keys["main"]
			k.PrivateKey = pemOf("PUBLIC KEY", pubDER)
			c.Keys["main"] = k
		}, `"PUBLIC KEY"`},
		{"two PEM blocks", func(c *apnspush.Config) { k := c.Keys["main"]; k.PrivateKey += good.pem; c.Keys["main"] = k }, "after the PEM block"},
		{"not base64", func(c *apnspush.Config) { k := c.Keys["main"]; k.PrivateKey = "%%%"; c.Keys["main"] = k }, "neither PEM nor base64"},
		{"P-384 key", func(c *apnspush.Config) {
			k := c.Keys["main"]
			k.PrivateKey = pemOf("PRIVATE KEY", p384DER)
			c.Keys["main"] = k
		}, "P-256"},
		{"RSA key", func(c *apnspush.Config) {
			k := c.Keys["main"]
			k.PrivateKey = base64.StdEncoding.EncodeToString(rsaDER)
			c.Keys["main"] = k
		}, "ECDSA"},
		{"bad key not used by a bundle", func(c *apnspush.Config) { c.Keys["spare"] = apnspush.Key{TeamID: "T", KeyID: "K", PrivateKey: "x"} }, `key "spare"`},
		{"relative production URL", func(c *apnspush.Config) { c.ProductionURL = "api.push.apple.com" }, "ProductionURL"},
		{"development URL of another scheme", func(c *apnspush.Config) { c.DevelopmentURL = "ftp://api.sandbox.push.apple.com" }, "DevelopmentURL"},
		{"URL with query", func(c *apnspush.Config) { c.ProductionURL = "https://api.push.apple.com/?x=1" }, "query"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.edit(&c)
			p, err := apnspush.New(c)
			require.Error(t, err)
			assert.Nil(t, p)
			assert.True(t, strings.HasPrefix(err.Error(), "apnspush: "), err.Error())
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestNewAcceptsSEC1Key(t *testing.T) {
	key := newTestKey(t)
	der, err := x509.MarshalECPrivateKey(key.priv)
	require.NoError(t, err)
	e := newEnv(t, func(c *apnspush.Config) {
		k := c.Keys["main"]
		k.PrivateKey = string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
		c.Keys["main"] = k
	})
	e.prod.trust(teamID, keyID, &key.priv.PublicKey)
	require.NoError(t, e.p.Send(context.Background(), target(1), driver.PushNotification{Title: "t"}))
}

func TestConfigIsCopied(t *testing.T) {
	key := newTestKey(t)
	cfg := apnspush.Config{
		Keys:       map[string]apnspush.Key{"main": {TeamID: teamID, KeyID: keyID, PrivateKey: key.pem}},
		Bundles:    map[string]string{bundle: "main"},
		HTTPClient: &http.Client{Transport: &recorder{}},
	}
	p, err := apnspush.New(cfg)
	require.NoError(t, err)
	delete(cfg.Bundles, bundle)
	cfg.Bundles["com.example.late"] = "main"
	assert.True(t, p.SupportsApp(bundle))
	assert.False(t, p.SupportsApp("com.example.late"))
}

// The fake really verifies the signature: a token signed by another key
// is refused, so the tests above prove the Provider signs with its key.
func TestFakeRefusesForeignToken(t *testing.T) {
	e := newEnv(t)
	other := newTestKey(t)
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{"iss": teamID, "iat": t0.Unix()})
	tok.Header["kid"] = keyID
	signed, err := tok.SignedString(other.priv)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, e.prod.srv.URL+"/3/device/"+deviceToken(1), strings.NewReader(`{"aps":{}}`))
	require.NoError(t, err)
	req.Header.Set("authorization", "bearer "+signed)
	req.Header.Set("apns-topic", bundle)
	resp, err := trustingClient(e.prod.srv).Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	problems := e.prod.takeProblems()
	require.Len(t, problems, 1)
	assert.Contains(t, problems[0], "signature is invalid")
	assert.Empty(t, e.prod.received())
}
