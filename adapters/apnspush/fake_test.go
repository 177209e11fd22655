package apnspush_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/adapters/apnspush"
)

const (
	teamID = "TEAM123456"
	keyID  = "KEY1234567"
	bundle = "eu.enmeshed.app"
)

// t0 is a whole second, so that HTTP dates computed from it are exact.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// testKey is an APNs authentication key made for a test.
type testKey struct {
	priv *ecdsa.PrivateKey
	pem  string // PKCS#8 PEM, like a .p8 file
	b64  string // base64 of the PKCS#8 DER, without armour
}

func newTestKey(t testing.TB) testKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	require.NoError(t, err)
	return testKey{
		priv: priv,
		pem:  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		b64:  base64.StdEncoding.EncodeToString(der),
	}
}

// testClock is a clock the test moves.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// deviceToken returns the n-th device token: 64 hex digits, like APNs's.
func deviceToken(n int) string { return fmt.Sprintf("%064x", n) }

// reply is what the fake APNs answers for a device token instead of 200.
type reply struct {
	status int
	reason string
	// timestamp is the "timestamp" of a 410 reply (milliseconds).
	timestamp int64
	header    map[string]string
	// body replaces the JSON {"reason": …} if not empty.
	body string
	// hang makes the fake wait for the client to give up.
	hang bool
}

// received is a request the fake APNs accepted.
type received struct {
	protoMajor int
	method     string
	path       string
	device     string
	header     http.Header
	body       []byte
	jwt        string
	kid        string
	iss        string
	iat        int64
}

// fakeAPNs is a local HTTP/2 server that checks requests as APNs does.
type fakeAPNs struct {
	srv   *httptest.Server
	now   func() time.Time
	keys  map[string]*ecdsa.PublicKey // by key ID
	teams map[string]string           // team ID by key ID

	mu        sync.Mutex
	requests  []received
	replies   map[string]reply  // by device token
	refused   map[string]string // provider tokens refused, with the reason
	refuseOne string            // refuse the next provider token with this reason
	nextID    int
	// problems are what the fake found wrong with requests; the test
	// fails on those it has not taken.
	problems []string
}

func (f *fakeAPNs) problemf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.problems = append(f.problems, fmt.Sprintf(format, args...))
}

func (f *fakeAPNs) takeProblems() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.problems
	f.problems = nil
	return p
}

var hexToken = regexp.MustCompile(`^[0-9a-f]{64}$`)

func newFakeAPNs(t *testing.T, now func() time.Time) *fakeAPNs {
	t.Helper()
	f := &fakeAPNs{
		now:     now,
		keys:    map[string]*ecdsa.PublicKey{},
		teams:   map[string]string{},
		replies: map[string]reply{},
		refused: map[string]string{},
	}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	f.srv.EnableHTTP2 = true
	f.srv.StartTLS()
	t.Cleanup(func() {
		f.srv.Close()
		assert.Empty(t, f.takeProblems(), "the fake APNs found faults in requests")
	})
	return f
}

// trust makes the fake accept provider tokens of the key.
func (f *fakeAPNs) trust(team, kid string, pub *ecdsa.PublicKey) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keys[kid] = pub
	f.teams[kid] = team
}

func (f *fakeAPNs) setReply(device string, r reply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.replies[device] = r
}

// refuseNextToken makes the fake answer 403 with reason to the next request
// and to every later one that carries the same provider token.
func (f *fakeAPNs) refuseNextToken(reason string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refuseOne = reason
}

func (f *fakeAPNs) received() []received {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]received(nil), f.requests...)
}

func (f *fakeAPNs) fail(w http.ResponseWriter, status int, reason string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("apns-id", f.newID())
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"reason": reason})
}

func (f *fakeAPNs) newID() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", f.nextID)
}

func (f *fakeAPNs) serve(w http.ResponseWriter, r *http.Request) {
	if r.ProtoMajor != 2 {
		f.problemf("request over %s, want HTTP/2", r.Proto)
		http.Error(w, "HTTP/2 required", http.StatusHTTPVersionNotSupported)
		return
	}
	if r.Method != http.MethodPost {
		f.problemf("method %s, want POST", r.Method)
		f.fail(w, http.StatusMethodNotAllowed, "MethodNotAllowed")
		return
	}
	device, ok := strings.CutPrefix(r.URL.Path, "/3/device/")
	if !ok {
		f.problemf("path %q, want /3/device/<token>", r.URL.Path)
		f.fail(w, http.StatusNotFound, "BadPath")
		return
	}
	if device == "" {
		f.fail(w, http.StatusBadRequest, "MissingDeviceToken")
		return
	}
	if !hexToken.MatchString(device) {
		f.fail(w, http.StatusBadRequest, "BadDeviceToken")
		return
	}

	// Provider token.
	auth := r.Header.Get("authorization")
	signed, ok := strings.CutPrefix(auth, "bearer ")
	if !ok {
		f.problemf("authorization %q, want bearer <jwt>", auth)
		f.fail(w, http.StatusForbidden, "MissingProviderToken")
		return
	}
	rec := received{protoMajor: r.ProtoMajor, method: r.Method, path: r.URL.Path, device: device, header: r.Header.Clone(), jwt: signed}
	if reason := f.checkToken(signed, &rec); reason != "" {
		f.fail(w, http.StatusForbidden, reason)
		return
	}

	// Headers.
	topic := r.Header.Get("apns-topic")
	if topic == "" {
		f.problemf("no apns-topic")
		f.fail(w, http.StatusBadRequest, "MissingTopic")
		return
	}
	for h, want := range map[string]string{"apns-expiration": "0", "apns-priority": "5", "apns-push-type": "alert"} {
		if got := r.Header.Values(h); len(got) != 1 || got[0] != want {
			f.problemf("%s: %q, want %q", h, got, want)
			f.fail(w, http.StatusBadRequest, "BadHeader")
			return
		}
	}
	if ids := r.Header.Values("apns-collapse-id"); len(ids) > 1 || len(ids) == 1 && (ids[0] == "" || len(ids[0]) > 64) {
		f.fail(w, http.StatusBadRequest, "BadCollapseId")
		return
	}

	// Body.
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return
	}
	rec.body = body
	if len(body) == 0 {
		f.fail(w, http.StatusBadRequest, "PayloadEmpty")
		return
	}
	if len(body) > 4096 {
		f.fail(w, http.StatusRequestEntityTooLarge, "PayloadTooLarge")
		return
	}
	var pl map[string]json.RawMessage
	if err := json.Unmarshal(body, &pl); err != nil || pl["aps"] == nil {
		f.problemf("body %s: not a JSON object with aps (%v)", body, err)
		f.fail(w, http.StatusBadRequest, "BadPayload")
		return
	}

	f.mu.Lock()
	f.requests = append(f.requests, rec)
	rep, hasReply := f.replies[device]
	f.mu.Unlock()

	if !hasReply {
		w.Header().Set("apns-id", f.newID())
		w.WriteHeader(http.StatusOK)
		return
	}
	if rep.hang {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
			f.problemf("the client did not give up on a hanging request")
		}
		return
	}
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	w.Header().Set("apns-id", f.newID())
	if rep.body != "" {
		w.WriteHeader(rep.status)
		_, _ = io.WriteString(w, rep.body)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rep.status)
	m := map[string]any{"reason": rep.reason}
	if rep.timestamp != 0 {
		m["timestamp"] = rep.timestamp
	}
	_ = json.NewEncoder(w).Encode(m)
}

// checkToken verifies a provider token as APNs does and fills rec from it.
// It returns the reason APNs would refuse it with, or "".
func (f *fakeAPNs) checkToken(signed string, rec *received) string {
	f.mu.Lock()
	if reason, ok := f.refused[signed]; ok {
		f.mu.Unlock()
		return reason
	}
	if f.refuseOne != "" {
		reason := f.refuseOne
		f.refuseOne = ""
		f.refused[signed] = reason
		f.mu.Unlock()
		return reason
	}
	f.mu.Unlock()

	var claims jwt.MapClaims
	tok, err := jwt.ParseWithClaims(signed, &claims, func(tok *jwt.Token) (any, error) {
		kid, _ := tok.Header["kid"].(string)
		f.mu.Lock()
		defer f.mu.Unlock()
		pub, ok := f.keys[kid]
		if !ok {
			return nil, fmt.Errorf("unknown kid %q", kid)
		}
		return pub, nil
	}, jwt.WithValidMethods([]string{"ES256"}), jwt.WithIssuedAt(), jwt.WithTimeFunc(f.now))
	if err != nil {
		f.problemf("provider token %s: %v", signed, err)
		return "InvalidProviderToken"
	}
	rec.kid, _ = tok.Header["kid"].(string)
	if len(claims) != 2 {
		f.problemf("provider token claims %v, want only iss and iat", claims)
	}
	rec.iss, _ = claims["iss"].(string)
	iat, _ := claims["iat"].(float64)
	rec.iat = int64(iat)
	f.mu.Lock()
	team := f.teams[rec.kid]
	f.mu.Unlock()
	if rec.iss != team {
		f.problemf("provider token iss %q, want %q", rec.iss, team)
		return "InvalidProviderToken"
	}
	if age := f.now().Sub(time.Unix(rec.iat, 0)); age > time.Hour {
		f.problemf("provider token %s old: the provider should have renewed it", age)
		return "ExpiredProviderToken"
	}
	return ""
}

// env is a Provider wired to fake production and development endpoints.
type env struct {
	clock *testClock
	key   testKey
	prod  *fakeAPNs
	dev   *fakeAPNs
	p     *apnspush.Provider
}

// newEnv returns a Provider with one key for bundle, sending to two fake
// APNs; edit changes the configuration before New.
func newEnv(t *testing.T, edit ...func(*apnspush.Config)) *env {
	t.Helper()
	e := &env{clock: &testClock{now: t0}, key: newTestKey(t)}
	e.prod = newFakeAPNs(t, e.clock.Now)
	e.dev = newFakeAPNs(t, e.clock.Now)
	for _, f := range []*fakeAPNs{e.prod, e.dev} {
		f.trust(teamID, keyID, &e.key.priv.PublicKey)
	}
	cfg := apnspush.Config{
		Keys:           map[string]apnspush.Key{"main": {TeamID: teamID, KeyID: keyID, PrivateKey: e.key.pem}},
		Bundles:        map[string]string{bundle: "main"},
		ProductionURL:  e.prod.srv.URL,
		DevelopmentURL: e.dev.srv.URL,
		HTTPClient:     trustingClient(e.prod.srv, e.dev.srv),
		Now:            e.clock.Now,
	}
	for _, f := range edit {
		f(&cfg)
	}
	p, err := apnspush.New(cfg)
	require.NoError(t, err)
	e.p = p
	return e
}

// trustingClient is an HTTP/2 client that trusts the test servers.
func trustingClient(servers ...*httptest.Server) *http.Client {
	pool := x509.NewCertPool()
	for _, s := range servers {
		pool.AddCert(s.Certificate())
	}
	return &http.Client{Transport: &http.Transport{
		ForceAttemptHTTP2: true,
		TLSClientConfig:   &tls.Config{RootCAs: pool},
	}}
}
