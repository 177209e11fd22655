package fcmpush_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
)

// This file holds a local stand-in for Google: one HTTP server that is both
// the OAuth token endpoint of the test service accounts and FCM's HTTP v1
// endpoint, speaking their protocols.

const messagingScope = "https://www.googleapis.com/auth/firebase.messaging"

// testKeys are RSA keys for the test service accounts, generated once.
var testKeys = sync.OnceValue(func() []*rsa.PrivateKey {
	keys := make([]*rsa.PrivateKey, 2)
	for i := range keys {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		keys[i] = k
	}
	return keys
})

// testAccount is a service account of the fake.
type testAccount struct {
	project string
	email   string
	keyID   string
	key     *rsa.PrivateKey
}

// keyJSON is the account's key file as Google issues it, with token_uri
// pointing at tokenURI.
func (a testAccount) keyJSON(t testing.TB, tokenURI string) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(a.key)
	require.NoError(t, err)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	b, err := json.MarshalIndent(map[string]string{
		"type":                        "service_account",
		"project_id":                  a.project,
		"private_key_id":              a.keyID,
		"private_key":                 string(pemKey),
		"client_email":                a.email,
		"client_id":                   "109876543210987654321",
		"auth_uri":                    "https://accounts.google.com/o/oauth2/auth",
		"token_uri":                   tokenURI,
		"auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
		"client_x509_cert_url":        "https://www.googleapis.com/robot/v1/metadata/x509/" + a.email,
		"universe_domain":             "googleapis.com",
	}, "", "  ")
	require.NoError(t, err)
	return string(b)
}

// testClock is the clock of a test, shared by the provider and the fake.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock {
	return &testClock{t: time.Date(2030, 3, 4, 10, 0, 0, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// issuedToken is an access token the fake issued.
type issuedToken struct {
	project string
	expires time.Time
	revoked bool
}

// sentMessage is a message the fake's FCM endpoint accepted for checking.
type sentMessage struct {
	Project string
	Token   string // the bearer token it came with
	Message json.RawMessage
}

// fakeGoogle is the token endpoint (POST /token) and FCM
// (POST /v1/projects/{project}/messages:send).
type fakeGoogle struct {
	t        *testing.T
	srv      *httptest.Server
	clock    *testClock
	accounts map[string]testAccount // by key ID

	mu            sync.Mutex
	tokenRequests int
	tokenSeq      int
	tokens        map[string]*issuedToken
	sends         []sentMessage
	// expiresIn is the lifetime of issued tokens in seconds.
	expiresIn int
	// tokenGate, if set, is received from before a token request is
	// answered.
	tokenGate chan struct{}
	// tokenReply, if set, answers token requests (after they are counted
	// and their assertion checked).
	tokenReply http.HandlerFunc
	// sendReply, if set, answers sends (after they are checked and
	// recorded).
	sendReply http.HandlerFunc
}

func newFakeGoogle(t *testing.T, clock *testClock) *fakeGoogle {
	f := &fakeGoogle{
		t:         t,
		clock:     clock,
		accounts:  map[string]testAccount{},
		tokens:    map[string]*issuedToken{},
		expiresIn: 3599,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", f.handleToken)
	mux.HandleFunc("POST /v1/projects/{project}/messages:send", f.handleSend)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("fake Google: unexpected request %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeGoogle) tokenURI() string { return f.srv.URL + "/token" }

// addAccount registers a service account with the i-th test key and
// returns its key file.
func (f *fakeGoogle) addAccount(i int, project string) (testAccount, string) {
	a := testAccount{
		project: project,
		email:   "push@" + project + ".iam.gserviceaccount.com",
		keyID:   fmt.Sprintf("%040x", i+1),
		key:     testKeys()[i],
	}
	f.accounts[a.keyID] = a
	return a, a.keyJSON(f.t, f.tokenURI())
}

func (f *fakeGoogle) set(fn func(f *fakeGoogle)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakeGoogle) TokenRequests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokenRequests
}

func (f *fakeGoogle) Sends() []sentMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sentMessage(nil), f.sends...)
}

// RevokeAll makes FCM reject every token issued so far.
func (f *fakeGoogle) RevokeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, tok := range f.tokens {
		tok.revoked = true
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func oauthError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}

// fcmError writes an FCM error reply; errorCode may be empty for a reply
// without FcmError detail.
func fcmError(w http.ResponseWriter, code int, status, errorCode, message string) {
	e := map[string]any{"code": code, "message": message, "status": status}
	if errorCode != "" {
		e["details"] = []any{map[string]string{
			"@type":     "type.googleapis.com/google.firebase.fcm.v1.FcmError",
			"errorCode": errorCode,
		}}
	}
	writeJSON(w, code, map[string]any{"error": e})
}

func (f *fakeGoogle) handleToken(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.tokenRequests++
	gate := f.tokenGate
	f.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-r.Context().Done():
			return
		}
	}

	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		f.t.Errorf("token request Content-Type %q", ct)
	}
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	if g := r.PostForm.Get("grant_type"); g != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		f.t.Errorf("grant_type %q", g)
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "Invalid grant_type: "+g)
		return
	}
	acct, err := f.checkAssertion(r.PostForm.Get("assertion"))
	if err != nil {
		f.t.Errorf("assertion: %v", err)
		oauthError(w, http.StatusBadRequest, "invalid_grant", "Invalid JWT: "+err.Error())
		return
	}

	f.mu.Lock()
	reply := f.tokenReply
	f.mu.Unlock()
	if reply != nil {
		reply(w, r)
		return
	}

	f.mu.Lock()
	f.tokenSeq++
	tok := fmt.Sprintf("ya29.test-%d-%s", f.tokenSeq, acct.project)
	f.tokens[tok] = &issuedToken{project: acct.project, expires: f.clock.Now().Add(time.Duration(f.expiresIn) * time.Second)}
	expiresIn := f.expiresIn
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "expires_in": expiresIn, "token_type": "Bearer"})
}

// checkAssertion verifies the JWT bearer assertion as Google does and
// returns the account it is from.
func (f *fakeGoogle) checkAssertion(assertion string) (testAccount, error) {
	var acct testAccount
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(assertion, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		a, ok := f.accounts[kid]
		if !ok {
			return nil, fmt.Errorf("unknown kid %q", kid)
		}
		acct = a
		return &a.key.PublicKey, nil
	},
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithTimeFunc(f.clock.Now),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithAudience(f.tokenURI()),
		jwt.WithStrictDecoding(),
	)
	if err != nil {
		return acct, err
	}
	if iss, _ := claims["iss"].(string); iss != acct.email {
		return acct, fmt.Errorf("iss %q, want %q", iss, acct.email)
	}
	if aud, ok := claims["aud"].(string); !ok || aud != f.tokenURI() {
		return acct, fmt.Errorf("aud %#v, want the string %q", claims["aud"], f.tokenURI())
	}
	if scope, _ := claims["scope"].(string); scope != messagingScope {
		return acct, fmt.Errorf("scope %q", scope)
	}
	iat, _ := claims.GetIssuedAt()
	exp, _ := claims.GetExpirationTime()
	if iat == nil || !iat.Time.Equal(f.clock.Now().Truncate(time.Second)) {
		return acct, fmt.Errorf("iat %v, want now (%v)", iat, f.clock.Now())
	}
	if exp.Sub(iat.Time) != time.Hour {
		return acct, fmt.Errorf("exp %v is not an hour after iat %v", exp, iat)
	}
	return acct, nil
}

func (f *fakeGoogle) handleSend(w http.ResponseWriter, r *http.Request) {
	project := r.PathValue("project")
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	issued := f.tokens[token]
	f.mu.Unlock()
	switch {
	case !ok || issued == nil:
		f.t.Errorf("send with a token the fake did not issue: %q", r.Header.Get("Authorization"))
		fcmError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "", "Request had invalid authentication credentials.")
		return
	case issued.project != project:
		f.t.Errorf("send to project %q with a token of project %q", project, issued.project)
		fcmError(w, http.StatusForbidden, "PERMISSION_DENIED", "", "Permission denied.")
		return
	case issued.revoked || !f.clock.Now().Before(issued.expires):
		fcmError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "", "Request had invalid authentication credentials. Expected OAuth 2 access token.")
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		f.t.Errorf("send Content-Type %q", ct)
	}
	var req struct {
		Message json.RawMessage `json:"message"`
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || len(req.Message) == 0 {
		f.t.Errorf("send body: %v", err)
		fcmError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "", "Invalid JSON payload received.")
		return
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, req.Message); err != nil {
		f.t.Errorf("send message: %v", err)
	}

	f.mu.Lock()
	f.sends = append(f.sends, sentMessage{Project: project, Token: token, Message: compact.Bytes()})
	reply := f.sendReply
	f.mu.Unlock()
	if reply != nil {
		reply(w, r)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"name": "projects/" + project + "/messages/0:1500415314455276%31bd1c9631bd1c96"})
}
