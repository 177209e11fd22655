// Package apitest is a black-box conformance suite for the Consumer API and
// the Admin API. It talks HTTP only, so it runs against any server: the
// reference server, an embedded Backbone behind httptest, or another
// implementation of the enmeshed Backbone API.
//
// Call Run from a _test.go file with the server's base URL:
//
//	func TestAPI(t *testing.T) {
//		apitest.Run(t, apitest.Config{BaseURL: "http://localhost:8080"})
//	}
//
// Every rule is a subtest named after what it checks, so a failure names the
// rule that broke. The server must know the OAuth client and the Admin API
// key given in Config, and its DID domain must be the host clients use
// (addresses are derived from it).
package apitest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/openbackbone/openbackbone/internal/identitykey"
)

// Config says where the server is and how to authenticate against it.
type Config struct {
	// BaseURL is the Consumer API's root, e.g. http://localhost:8080.
	BaseURL string
	// AdminURL is the Admin API's root; empty means BaseURL (the reference
	// server shares one listener unless admin.listen is set).
	AdminURL string
	// ClientID and ClientSecret are an OAuth client the server knows;
	// both default to "test".
	ClientID, ClientSecret string
	// AdminAPIKey is the Admin API key; defaults to "test".
	AdminAPIKey string
	// HTTPClient sends the requests; nil means a client with a 30 s timeout.
	HTTPClient *http.Client
}

func (c Config) withDefaults() (Config, error) {
	if c.BaseURL == "" {
		return c, errors.New("apitest: Config.BaseURL is required")
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, fmt.Errorf("apitest: Config.BaseURL %q is not an http(s) URL", c.BaseURL)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.AdminURL == "" {
		c.AdminURL = c.BaseURL
	}
	c.AdminURL = strings.TrimRight(c.AdminURL, "/")
	if c.ClientID == "" {
		c.ClientID = "test"
	}
	if c.ClientSecret == "" {
		c.ClientSecret = "test"
	}
	if c.AdminAPIKey == "" {
		c.AdminAPIKey = "test"
	}
	if c.HTTPClient == nil {
		// A bound keeps a hanging server from hanging the suite; it is
		// not an assertion on speed.
		c.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	return c, nil
}

// Run runs the whole suite against the server in cfg.
func Run(t *testing.T, cfg Config) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	c := &client{cfg: cfg}
	if r := c.do(t, "GET", "/api/v2/Version", "", nil); r.Status != http.StatusOK {
		t.Fatalf("the server at %s does not answer GET /api/v2/Version with 200 (got %d: %s)", cfg.BaseURL, r.Status, r.Raw)
	}
	t.Run("Conventions", func(t *testing.T) { testConventions(t, c) })
	t.Run("Auth", func(t *testing.T) { testAuth(t, c) })
	t.Run("Identities", func(t *testing.T) { testIdentities(t, c) })
	t.Run("Devices", func(t *testing.T) { testDevices(t, c) })
	t.Run("DeletionProcesses", func(t *testing.T) { testDeletionProcesses(t, c) })
	t.Run("Sync", func(t *testing.T) { testSync(t, c) })
	t.Run("Relationships", func(t *testing.T) { testRelationships(t, c) })
	t.Run("Files", func(t *testing.T) { testFiles(t, c) })
	t.Run("Tokens", func(t *testing.T) { testTokens(t, c) })
	t.Run("Misc", func(t *testing.T) { testMisc(t, c) })
	t.Run("Admin", func(t *testing.T) { testAdmin(t, c) })
}

// client sends requests to the server under test.
type client struct {
	cfg Config
}

// response is one answer, read whole.
type response struct {
	Method, Path string
	Status       int
	Header       http.Header
	Raw          []byte
	JSON         map[string]any
}

func (r response) String() string {
	return fmt.Sprintf("%s %s → %d %s", r.Method, r.Path, r.Status, truncate(r.Raw))
}

func truncate(b []byte) string {
	if len(b) > 500 {
		return string(b[:500]) + "…"
	}
	return string(b)
}

// result is the "result" member as an object (nil if absent or not one).
func (r response) result() map[string]any {
	m, _ := r.JSON["result"].(map[string]any)
	return m
}

// list is the "result" member as an array.
func (r response) list() []any {
	l, _ := r.JSON["result"].([]any)
	return l
}

// do sends a request to the Consumer API. body is nil, a string (sent as
// JSON text), url.Values (sent as a form) or anything else (marshalled to
// JSON). headers are name/value pairs.
func (c *client) do(t testing.TB, method, path, token string, body any, headers ...string) response {
	t.Helper()
	return c.send(t, c.cfg.BaseURL, method, path, token, body, headers...)
}

func (c *client) send(t testing.TB, base, method, path, token string, body any, headers ...string) response {
	t.Helper()
	var rd io.Reader
	contentType := "application/json"
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	case url.Values:
		rd, contentType = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("apitest: marshal request body: %v", err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatalf("apitest: %s %s: %v", method, path, err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.roundTrip(t, req)
}

func (c *client) roundTrip(t testing.TB, req *http.Request) response {
	t.Helper()
	res, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		t.Fatalf("apitest: %s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("apitest: %s %s: read body: %v", req.Method, req.URL.Path, err)
	}
	r := response{Method: req.Method, Path: req.URL.RequestURI(), Status: res.StatusCode, Header: res.Header, Raw: raw}
	if len(raw) > 0 && strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &r.JSON); err != nil {
			// Arrays and other non-object bodies stay in Raw.
			r.JSON = nil
		}
	}
	return r
}

// expectStatus fails the test unless r has the status.
func expectStatus(t testing.TB, r response, want int) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("want status %d, got %s", want, r)
	}
}

// expectError checks status and error code of an error envelope.
func expectError(t testing.TB, r response, status int, code string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("want status %d with error code %s, got %s", status, code, r)
	}
	e, _ := r.JSON["error"].(map[string]any)
	if e == nil {
		t.Fatalf("want an error envelope with code %s, got %s", code, r)
	}
	if e["code"] != code {
		t.Fatalf("want error code %s, got %v in %s", code, e["code"], r)
	}
}

// account is an identity with its first device, logged in.
type account struct {
	Address, DeviceID, Username, Password, Token string
	Key                                          identitykey.Key
}

// challenge creates a challenge (as token's owner when token is set) and
// returns its id and expiry.
func (c *client) challenge(t testing.TB, token string) (string, time.Time) {
	t.Helper()
	r := c.do(t, "POST", "/api/v2/Challenges", token, nil)
	expectStatus(t, r, http.StatusCreated)
	id, _ := r.result()["id"].(string)
	s, _ := r.result()["expiresAt"].(string)
	exp, err := time.Parse(time.RFC3339, s)
	if id == "" || err != nil {
		t.Fatalf("challenge without id or expiresAt: %s", r)
	}
	return id, exp
}

// createIdentityBody is a valid POST /Identities body for k.
func (c *client) createIdentityBody(t testing.TB, k identitykey.Key, password string) map[string]any {
	t.Helper()
	id, exp := c.challenge(t, "")
	ch := identitykey.ChallengeJSON(id, exp, "", "")
	return map[string]any{
		"clientId": c.cfg.ClientID, "clientSecret": c.cfg.ClientSecret, "identityPublicKey": k.WrapperBase64(),
		"devicePassword": password, "identityVersion": 1,
		"signedChallenge": map[string]any{"challenge": ch, "signature": k.SignBase64(ch)},
	}
}

// createAccount makes a new identity and logs its device in.
func (c *client) createAccount(t testing.TB) account {
	t.Helper()
	a := account{Key: identitykey.New(), Password: "device-password"}
	r := c.do(t, "POST", "/api/v2/Identities", "", c.createIdentityBody(t, a.Key, a.Password))
	expectStatus(t, r, http.StatusCreated)
	a.Address, _ = r.result()["address"].(string)
	dev, _ := r.result()["device"].(map[string]any)
	a.DeviceID, _ = dev["id"].(string)
	a.Username, _ = dev["username"].(string)
	if a.Address == "" || a.DeviceID == "" || a.Username == "" {
		t.Fatalf("POST /Identities result lacks address, device.id or device.username: %s", r)
	}
	a.Token = c.login(t, a.Username, a.Password)
	return a
}

func (c *client) tokenRequest(t testing.TB, username, password string) response {
	t.Helper()
	return c.do(t, "POST", "/connect/token", "", url.Values{
		"grant_type": {"password"}, "client_id": {c.cfg.ClientID}, "client_secret": {c.cfg.ClientSecret},
		"username": {username}, "password": {password},
	})
}

func (c *client) login(t testing.TB, username, password string) string {
	t.Helper()
	r := c.tokenRequest(t, username, password)
	expectStatus(t, r, http.StatusOK)
	tok, _ := r.JSON["access_token"].(string)
	if tok == "" {
		t.Fatalf("token response without access_token: %s", r)
	}
	return tok
}

// signedChallenge is a challenge created and signed by a, as device
// registration needs.
func (c *client) signedChallenge(t testing.TB, a account) map[string]any {
	t.Helper()
	id, exp := c.challenge(t, a.Token)
	ch := identitykey.ChallengeJSON(id, exp, a.Address, a.DeviceID)
	return map[string]any{"challenge": ch, "signature": a.Key.SignBase64(ch), "@type": "ChallengeSigned"}
}

const datawalletHeader = "X-Supported-Datawallet-Version"

// withDatawallet upgrades a's datawallet to version 1, which clients do
// right after onboarding and some operations require.
func (c *client) withDatawallet(t testing.TB, a account) {
	t.Helper()
	r := c.do(t, "POST", "/api/v2/SyncRuns", a.Token, map[string]any{"type": "DatawalletVersionUpgrade"}, datawalletHeader, "1")
	expectStatus(t, r, http.StatusCreated)
	run, _ := r.result()["syncRun"].(map[string]any)
	id, _ := run["id"].(string)
	f := c.do(t, "PUT", "/api/v2/SyncRuns/"+id+"/FinalizeDatawalletVersionUpgrade", a.Token,
		map[string]any{"newDatawalletVersion": 1, "datawalletModifications": []any{}}, datawalletHeader, "1")
	expectStatus(t, f, http.StatusOK)
}

// b64 is the client's encoding of opaque bytes.
func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// streamFirstEvent opens the SSE stream and returns the first event name.
func (c *client) streamFirstEvent(t testing.TB, token string) string {
	t.Helper()
	// The bound only ends a hung stream; the rule is the event's name.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", c.cfg.BaseURL+"/api/v2/sse", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "text/event-stream")
	// The configured client may have a total timeout, which would cut a
	// stream; the context bounds this request instead.
	hc := *c.cfg.HTTPClient
	hc.Timeout = 0
	res, err := hc.Do(req)
	if err != nil {
		t.Fatalf("GET /api/v2/sse: %v", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		raw, _ := io.ReadAll(io.LimitReader(res.Body, 500))
		t.Fatalf("GET /api/v2/sse: status %d, content type %q: %s", res.StatusCode, res.Header.Get("Content-Type"), raw)
	}
	var line []byte
	buf := make([]byte, 1)
	name := ""
	for {
		if _, err := io.ReadFull(res.Body, buf); err != nil {
			t.Fatalf("GET /api/v2/sse: stream ended before the first event: %v", err)
		}
		if buf[0] != '\n' {
			line = append(line, buf[0])
			continue
		}
		s := strings.TrimRight(string(line), "\r")
		line = line[:0]
		switch {
		case strings.HasPrefix(s, "event:"):
			name = strings.TrimSpace(strings.TrimPrefix(s, "event:"))
		case s == "" && name != "":
			return name
		}
	}
}
