package fcmpush

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	// DefaultTokenURI is Google's OAuth 2.0 token endpoint, used when a
	// service-account key names none.
	DefaultTokenURI = "https://oauth2.googleapis.com/token"
	// messagingScope is the OAuth scope FCM's HTTP v1 API needs.
	messagingScope = "https://www.googleapis.com/auth/firebase.messaging"
	// jwtBearerGrant is the grant type of RFC 7523.
	jwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	// assertionLifetime is how long a signed assertion is valid; Google
	// accepts at most an hour.
	assertionLifetime = time.Hour
	// refreshMargin is how long before its expiry an access token is
	// replaced, so that no request goes out with a token about to expire.
	refreshMargin = 5 * time.Minute
	// tokenFetchTimeout bounds one request to the token endpoint. The
	// request is shared by every send waiting for the token, so it does not
	// end with the context of the send that started it.
	tokenFetchTimeout = 30 * time.Second
)

// serviceAccountKey is the JSON key file of a Google service account, as
// the Google Cloud console downloads it. Fields not needed are ignored.
type serviceAccountKey struct {
	Type         string `json:"type"`
	ProjectID    string `json:"project_id"`
	PrivateKeyID string `json:"private_key_id"`
	PrivateKey   string `json:"private_key"`
	ClientEmail  string `json:"client_email"`
	TokenURI     string `json:"token_uri"`
}

// account is one configured service account: its credentials, the FCM
// endpoint of its project and its cached access token. Apps configured with
// the same account share it and so its token.
type account struct {
	name      string
	projectID string
	email     string
	keyID     string
	key       *rsa.PrivateKey
	tokenURI  string
	sendURL   string

	client *http.Client
	now    func() time.Time

	mu        sync.Mutex
	token     string     // cached access token; empty if none
	refreshAt time.Time  // when token is to be replaced
	inflight  *tokenCall // the token request under way, if any
}

// tokenCall is one request to the token endpoint that several sends wait
// for. token and err are set before done is closed.
type tokenCall struct {
	done  chan struct{}
	token string
	err   error
}

// parseServiceAccount reads and checks the JSON key of the service account
// called name. Its errors never quote the key material.
func parseServiceAccount(name, keyJSON string) (serviceAccountKey, *rsa.PrivateKey, error) {
	var k serviceAccountKey
	if err := json.Unmarshal([]byte(keyJSON), &k); err != nil {
		// The JSON error may quote a piece of the text, which holds the
		// private key: say only where it failed.
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return k, nil, fmt.Errorf("fcmpush: service account %q: key is not valid JSON (at byte %d)", name, syn.Offset)
		}
		return k, nil, fmt.Errorf("fcmpush: service account %q: key is not a JSON object of a service account", name)
	}
	if k.Type != "service_account" {
		return k, nil, fmt.Errorf("fcmpush: service account %q: key type is %q, want \"service_account\"", name, k.Type)
	}
	for _, f := range []struct{ field, value string }{
		{"project_id", k.ProjectID},
		{"private_key_id", k.PrivateKeyID},
		{"private_key", k.PrivateKey},
		{"client_email", k.ClientEmail},
	} {
		if strings.TrimSpace(f.value) == "" {
			return k, nil, fmt.Errorf("fcmpush: service account %q: key has no %s", name, f.field)
		}
	}
	if k.TokenURI == "" {
		k.TokenURI = DefaultTokenURI
	}
	if err := checkHTTPURL(k.TokenURI); err != nil {
		return k, nil, fmt.Errorf("fcmpush: service account %q: token_uri: %w", name, err)
	}
	key, err := parseRSAKey(k.PrivateKey)
	if err != nil {
		return k, nil, fmt.Errorf("fcmpush: service account %q: private_key: %w", name, err)
	}
	return k, key, nil
}

// parseRSAKey reads a PEM-encoded RSA private key, PKCS #8 as Google issues
// them, or PKCS #1.
func parseRSAKey(pemText string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	var key any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("PEM block is %q, want \"PRIVATE KEY\"", block.Type)
	}
	if err != nil {
		return nil, errors.New("malformed private key")
	}
	rk, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%T is not an RSA key", key)
	}
	if err := rk.Validate(); err != nil {
		return nil, errors.New("invalid RSA key")
	}
	return rk, nil
}

// checkHTTPURL reports whether s is an absolute http or https URL.
func checkHTTPURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a URL", s)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", s)
	}
	return nil
}

// accessToken returns an access token of the account for FCM: the cached
// one while it is fresh, otherwise a new one. Concurrent callers share one
// request to the token endpoint; each stops waiting when its ctx ends.
func (a *account) accessToken(ctx context.Context) (string, error) {
	a.mu.Lock()
	if a.token != "" && a.now().Before(a.refreshAt) {
		t := a.token
		a.mu.Unlock()
		return t, nil
	}
	call := a.inflight
	if call == nil {
		call = &tokenCall{done: make(chan struct{})}
		a.inflight = call
		// Detached from ctx (but keeping its values), so that one caller
		// giving up does not fail the others waiting for the same token.
		go a.fetch(context.WithoutCancel(ctx), call)
	}
	a.mu.Unlock()

	select {
	case <-call.done:
		return call.token, call.err
	case <-ctx.Done():
		return "", fmt.Errorf("fcmpush: waiting for an access token of service account %q: %w", a.name, context.Cause(ctx))
	}
}

// fetch runs call: requests a token, caches it and wakes the waiters.
func (a *account) fetch(ctx context.Context, call *tokenCall) {
	ctx, cancel := context.WithTimeout(ctx, tokenFetchTimeout)
	defer cancel()
	token, refreshAt, err := a.requestToken(ctx)

	a.mu.Lock()
	if err == nil && a.now().Before(refreshAt) {
		a.token, a.refreshAt = token, refreshAt
	}
	a.inflight = nil
	a.mu.Unlock()

	call.token, call.err = token, err
	close(call.done)
}

// invalidate drops the cached token if it is still token, the one FCM
// rejected; a token fetched since stays.
func (a *account) invalidate(token string) {
	a.mu.Lock()
	if a.token == token {
		a.token, a.refreshAt = "", time.Time{}
	}
	a.mu.Unlock()
}

// assertion signs the JWT the account presents to the token endpoint.
func (a *account) assertion(now time.Time) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"iss":   a.email,
		"scope": messagingScope,
		"aud":   a.tokenURI,
		"iat":   now.Unix(),
		"exp":   now.Add(assertionLifetime).Unix(),
	})
	t.Header["kid"] = a.keyID
	return t.SignedString(a.key)
}

// tokenReply is the token endpoint's answer: the token on success, error
// and error_description (RFC 6749 section 5.2) otherwise.
type tokenReply struct {
	AccessToken      string `json:"access_token"`
	ExpiresIn        int64  `json:"expires_in"`
	TokenType        string `json:"token_type"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// requestToken obtains a new access token with the JWT bearer grant and
// returns it with the time it should be replaced. A token that expires
// within refreshMargin is returned for use once but is not cached.
func (a *account) requestToken(ctx context.Context) (string, time.Time, error) {
	now := a.now()
	assertion, err := a.assertion(now)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("fcmpush: service account %q: signing the token request: %w", a.name, err)
	}
	form := url.Values{"grant_type": {jwtBearerGrant}, "assertion": {assertion}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.tokenURI, strings.NewReader(form.Encode()))
	if err != nil {
		return "", time.Time{}, fmt.Errorf("fcmpush: service account %q: token request: %w", a.name, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	resp, err := a.client.Do(req)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("fcmpush: service account %q: token request: %w", a.name, err)
	}
	body, readErr := readBody(resp.Body)
	if readErr != nil && resp.StatusCode == http.StatusOK {
		return "", time.Time{}, fmt.Errorf("fcmpush: service account %q: reading the token reply: %w", a.name, readErr)
	}

	var reply tokenReply
	jsonErr := json.Unmarshal(body, &reply)
	if resp.StatusCode != http.StatusOK {
		e := &Error{Op: OpToken, Account: a.name, StatusCode: resp.StatusCode}
		if jsonErr == nil {
			e.Status, e.Message = reply.Error, reply.ErrorDescription
		}
		return "", time.Time{}, classifyToken(e, resp.Header, a.now())
	}
	if jsonErr != nil || reply.AccessToken == "" {
		return "", time.Time{}, &Error{Op: OpToken, Account: a.name, StatusCode: resp.StatusCode, Message: "reply carries no access token"}
	}
	if reply.TokenType != "" && !strings.EqualFold(reply.TokenType, "Bearer") {
		return "", time.Time{}, &Error{Op: OpToken, Account: a.name, StatusCode: resp.StatusCode, Message: fmt.Sprintf("token type is %q, want Bearer", reply.TokenType)}
	}
	expiry := now.Add(time.Duration(reply.ExpiresIn) * time.Second)
	return reply.AccessToken, expiry.Add(-refreshMargin), nil
}

// maxResponseBody bounds how much of a reply is read.
const maxResponseBody = 64 << 10

// readBody reads up to maxResponseBody bytes of body, skips up to as much
// more so that the connection can be reused, and closes it.
func readBody(body io.ReadCloser) ([]byte, error) {
	defer body.Close()
	b, err := io.ReadAll(io.LimitReader(body, maxResponseBody))
	if err == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(body, maxResponseBody))
	}
	return b, err
}
