package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/adapters/sqlstore"
	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/internal/backbonetest"
)

// fakeGoogle answers as Google's token endpoint and FCM's send endpoint,
// just enough for the reference server's configuration to be tested end to
// end; adapters/fcmpush tests the protocol itself in depth.
type fakeGoogle struct {
	mu       sync.Mutex
	messages []map[string]any
}

func (g *fakeGoogle) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/token" && r.Method == "POST":
		_ = r.ParseForm()
		if r.Form.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" || r.Form.Get("assertion") == "" {
			http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token":"ya29.test","expires_in":3599,"token_type":"Bearer"}`)
	case r.URL.Path == "/v1/projects/openbackbone-test/messages:send" && r.Method == "POST":
		if r.Header.Get("Authorization") != "Bearer ya29.test" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var body struct {
			Message map[string]any `json:"message"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if body.Message["token"] == "unregistered-token" {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"error":{"code":404,"message":"Requested entity was not found.","status":"NOT_FOUND","details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"UNREGISTERED"}]}}`)
			return
		}
		g.mu.Lock()
		g.messages = append(g.messages, body.Message)
		g.mu.Unlock()
		_, _ = io.WriteString(w, `{"name":"projects/openbackbone-test/messages/1"}`)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

// newFakeGoogle starts a fakeGoogle and returns it, its URL and the JSON of
// a service account (with a fresh key) whose token endpoint it is.
func newFakeGoogle(t *testing.T) (google *fakeGoogle, url string, account []byte) {
	t.Helper()
	google = &fakeGoogle{}
	srv := httptest.NewServer(google)
	t.Cleanup(srv.Close)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	account, err = json.Marshal(map[string]string{
		"type": "service_account", "project_id": "openbackbone-test", "private_key_id": "k1",
		"private_key":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email": "push@openbackbone-test.iam.gserviceaccount.com", "token_uri": srv.URL + "/token",
	})
	require.NoError(t, err)
	return google, srv.URL, account
}

func (g *fakeGoogle) received() []map[string]any {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]map[string]any(nil), g.messages...)
}

// The reference server, configured by file with an FCM app, registers a
// device for FCM, sends its pushes there, and drops the registration of a
// token FCM calls unregistered.
func TestFCMConfiguredByFile(t *testing.T) {
	google, googleURL, account := newFakeGoogle(t)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "fcm.json"), account, 0o600))
	config := "landscape: dev\npush:\n  fcm:\n    baseUrl: " + googleURL + "\n    serviceAccounts:\n      main: {file: " + filepath.Join(dir, "fcm.json") +
		"}\n    apps:\n      eu.enmeshed.app: main\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(config), 0o600))

	base, stop := start(t, []string{"-config", filepath.Join(dir, "config.yaml"), "-listen", "127.0.0.1:0", "-data-dir", dir}, env(nil))
	t.Cleanup(func() { require.NoError(t, stop()) })
	c := &backbonetest.Client{BaseURL: base}
	ctx := t.Context()
	a, err := c.CreateAccount(ctx)
	require.NoError(t, err)

	var reg struct {
		Result struct {
			DevicePushIdentifier string `json:"devicePushIdentifier"`
		} `json:"result"`
	}
	status, err := c.Do(ctx, "PUT", "/api/v2/Devices/Self/PushNotifications", a.Token, map[string]any{"platform": "fcm", "handle": "fcm-registration-token", "appId": "other.app"}, nil)
	require.NoError(t, err)
	assert.Equal(t, 400, status, "an app without credentials is refused")
	status, err = c.Do(ctx, "PUT", "/api/v2/Devices/Self/PushNotifications", a.Token, map[string]any{"platform": "fcm", "handle": "fcm-registration-token", "appId": "eu.enmeshed.app"}, &reg)
	require.NoError(t, err)
	require.Equal(t, 200, status)

	status, err = c.Do(ctx, "POST", "/api/v2/Devices/Self/PushNotifications/SendTestNotification", a.Token, map[string]any{"hello": "fcm"}, nil)
	require.NoError(t, err)
	require.Equal(t, 204, status)
	require.Eventually(t, func() bool { return len(google.received()) == 1 }, 15*time.Second, 10*time.Millisecond, "FCM got the test push")
	m := google.received()[0]
	assert.Equal(t, "fcm-registration-token", m["token"])
	data := m["data"].(map[string]any)
	assert.Equal(t, "ENMESHED", data["android_channel_id"])
	var content map[string]any
	require.NoError(t, json.Unmarshal([]byte(data["content"].(string)), &content))
	assert.Equal(t, a.Address, content["accRef"])
	assert.Equal(t, reg.Result.DevicePushIdentifier, content["devicePushIdentifier"])
	assert.Equal(t, "Test", content["eventName"])
	assert.Equal(t, map[string]any{"data": map[string]any{"hello": "fcm"}}, content["payload"])

	// A token FCM no longer knows loses its registration.
	status, err = c.Do(ctx, "PUT", "/api/v2/Devices/Self/PushNotifications", a.Token, map[string]any{"platform": "fcm", "handle": "unregistered-token", "appId": "eu.enmeshed.app"}, nil)
	require.NoError(t, err)
	require.Equal(t, 200, status)
	status, err = c.Do(ctx, "POST", "/api/v2/Devices/Self/PushNotifications/SendTestNotification", a.Token, map[string]any{}, nil)
	require.NoError(t, err)
	require.Equal(t, 204, status)
	st, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(dir, "backbone.db"), sqlstore.Options{})
	require.NoError(t, err)
	defer st.Close()
	require.Eventually(t, func() bool {
		_, err := st.PushRegistrations().Get(ctx, a.DeviceID)
		return errors.Is(err, driver.ErrNotFound)
	}, 15*time.Second, 20*time.Millisecond, "the unregistered token's registration was removed")
}
