package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/adapters/dummypush"
	"github.com/openbackbone/openbackbone/adapters/gocloudbus"
	"github.com/openbackbone/openbackbone/adapters/ssepush"
	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/httpapi"
	"github.com/openbackbone/openbackbone/internal/backbonetest"
)

// server is the Consumer API on a fresh store, driven over real HTTP.
type server struct {
	t   *testing.T
	env *backbonetest.Env
	url string
	sse *ssepush.Provider
}

// eachStore runs f against every store the environment offers, in
// parallel.
func eachStore(t *testing.T, f func(t *testing.T, s *server)) {
	for _, store := range backbonetest.Stores() {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			f(t, newServer(t, store))
		})
	}
}

// newServer starts the Consumer API on a fresh store with the relay and
// consumers running.
func newServer(t *testing.T, store string) *server {
	env := backbonetest.New(t, store, func(c *backbone.Config) {
		c.NotificationTexts = []backbone.NotificationText{{Code: "TestCode", Translations: map[string]backbone.PushMessage{"en": {Title: "T", Body: "B"}}}}
	})
	bus, err := gocloudbus.Open(context.Background(), "mem://", gocloudbus.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { bus.Close() })
	sse, err := ssepush.Open(context.Background(), bus, ssepush.Options{})
	require.NoError(t, err)
	env = env.Restart(t, bus, dummypush.New(nil), sse)
	env.Run(t)
	// The Admin API shares the listener, as in the reference server's
	// default; see admin_harness_test.go for s.admin.
	ts := httptest.NewServer(httpapi.Mount(httpapi.New(env.Backbone, httpapi.Options{SSEKeepAlive: 100 * time.Millisecond}),
		httpapi.NewAdmin(env.Backbone, httpapi.AdminOptions{APIKey: testAdminKey})))
	t.Cleanup(func() {
		// Open streams end with the provider, so the server can close.
		_ = sse.Close()
		ts.Close()
	})
	return &server{t: t, env: env, url: ts.URL, sse: sse}
}

type response struct {
	Status int
	Header http.Header
	Raw    []byte
	JSON   map[string]any
}

// result returns the "result" member as an object.
func (r response) result() map[string]any {
	m, _ := r.JSON["result"].(map[string]any)
	return m
}

func (r response) errorCode() string {
	e, _ := r.JSON["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func (s *server) do(method, path, token string, body any, header ...string) response {
	s.t.Helper()
	var rd io.Reader
	contentType := "application/json"
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case url.Values:
		rd, contentType = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		raw, err := json.Marshal(b)
		require.NoError(s.t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	require.NoError(s.t, err)
	if rd != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(s.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(s.t, err)
	r := response{Status: res.StatusCode, Header: res.Header, Raw: raw}
	if len(raw) > 0 && strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		require.NoError(s.t, json.Unmarshal(raw, &r.JSON), "body: %s", raw)
	}
	return r
}

// expectError asserts an error response with the envelope and the code.
func expectError(t *testing.T, r response, status int, code string) {
	t.Helper()
	require.Equal(t, status, r.Status, "body: %s", r.Raw)
	assert.Equal(t, "application/json; charset=utf-8", r.Header.Get("Content-Type"))
	e, ok := r.JSON["error"].(map[string]any)
	require.True(t, ok, "error envelope missing: %s", r.Raw)
	assert.Equal(t, code, e["code"], "body: %s", r.Raw)
	assert.Regexp(t, `^ERR[A-Z1-9]{17}$`, e["id"])
	assert.Equal(t, "", e["docs"])
	assert.NotEmpty(t, e["message"])
	assert.Contains(t, e, "data")
	_, err := time.Parse(time.RFC3339Nano, e["time"].(string))
	assert.NoError(t, err)
}

var wireTime = `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`

// account is an identity with one logged-in device.
type account struct {
	Key      backbonetest.Key
	Address  string
	DeviceID string
	Username string
	Password string
	Token    string
}

func (s *server) createIdentity() account {
	s.t.Helper()
	key := backbonetest.NewKey()
	a := account{Key: key, Password: "device-password"}
	ch := s.do("POST", "/api/v2/Challenges", "", nil)
	require.Equal(s.t, http.StatusCreated, ch.Status, "body: %s", ch.Raw)
	expires, err := time.Parse(time.RFC3339, ch.result()["expiresAt"].(string))
	require.NoError(s.t, err)
	challenge := backbonetest.ChallengeJSON(ch.result()["id"].(string), expires, "", "")
	r := s.do("POST", "/api/v2/Identities", "", map[string]any{
		"clientId": "test", "clientSecret": "test", "identityPublicKey": key.WrapperBase64(),
		"devicePassword": a.Password, "identityVersion": 1,
		"signedChallenge": map[string]any{"challenge": challenge, "signature": key.SignBase64(challenge)},
	})
	require.Equal(s.t, http.StatusCreated, r.Status, "body: %s", r.Raw)
	a.Address = r.result()["address"].(string)
	dev := r.result()["device"].(map[string]any)
	a.DeviceID, a.Username = dev["id"].(string), dev["username"].(string)
	a.Token = s.login(a.Username, a.Password)
	return a
}

func (s *server) login(username, password string) string {
	s.t.Helper()
	r := s.token(username, password)
	require.Equal(s.t, http.StatusOK, r.Status, "body: %s", r.Raw)
	return r.JSON["access_token"].(string)
}

func (s *server) token(username, password string) response {
	return s.do("POST", "/connect/token", "", url.Values{
		"grant_type": {"password"}, "client_id": {"test"}, "client_secret": {"test"},
		"username": {username}, "password": {password},
	})
}

// authChallenge makes a challenge as the account and signs it with the
// identity key, as device registration needs.
func (s *server) authChallenge(a account) map[string]any {
	s.t.Helper()
	ch := s.do("POST", "/api/v2/Challenges", a.Token, nil)
	require.Equal(s.t, http.StatusCreated, ch.Status)
	expires, err := time.Parse(time.RFC3339, ch.result()["expiresAt"].(string))
	require.NoError(s.t, err)
	challenge := backbonetest.ChallengeJSON(ch.result()["id"].(string), expires, a.Address, a.DeviceID)
	return map[string]any{"challenge": challenge, "signature": a.Key.SignBase64(challenge), "@type": "ChallengeSigned"}
}

// waitForEvent waits (bounded) until the owner has a deliverable external
// event of the type: events travel through the outbox and the bus.
func (s *server) waitForEvent(owner, eventType string) {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		evs, err := s.env.Store.ExternalEvents().ListDeliverable(context.Background(), owner, 3)
		require.NoError(s.t, err)
		for _, e := range evs {
			if e.Type == eventType {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.t.Fatalf("no %s event for %s", eventType, owner)
}

// syncEvents runs one external-event sync as the account and returns the
// events' types and payloads.
func (s *server) syncEvents(a account) []map[string]any {
	s.t.Helper()
	r := s.do("POST", "/api/v2/SyncRuns", a.Token, map[string]any{}, "X-Supported-Datawallet-Version", "1")
	require.Contains(s.t, []int{200, 201}, r.Status, "%s", r.Raw)
	run, _ := r.result()["syncRun"].(map[string]any)
	if run == nil {
		return nil
	}
	id := run["id"].(string)
	list := s.do("GET", "/api/v2/SyncRuns/"+id+"/ExternalEvents", a.Token, nil)
	require.Equal(s.t, 200, list.Status, "%s", list.Raw)
	var out []map[string]any
	var results []any
	for _, e := range list.JSON["result"].([]any) {
		ev := e.(map[string]any)
		out = append(out, ev)
		results = append(results, map[string]any{"externalEventId": ev["id"]})
	}
	f := s.do("PUT", "/api/v2/SyncRuns/"+id+"/FinalizeExternalEventSync", a.Token, map[string]any{"externalEventResults": results})
	require.Equal(s.t, 200, f.Status, "%s", f.Raw)
	return out
}

func jsonInto(raw []byte, v any) error {
	if len(raw) == 0 {
		return nil
	}
	return json.Unmarshal(raw, v)
}
