package apnspush

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// Base URLs of the APNs provider API.
const (
	DefaultProductionURL  = "https://api.push.apple.com"
	DefaultDevelopmentURL = "https://api.sandbox.push.apple.com"
)

// TokenLifetime is how long a provider token is reused before a new one is
// signed. APNs refuses tokens older than an hour and answers
// TooManyProviderTokenUpdates to a provider that renews more often than every
// 20 minutes.
const TokenLifetime = 50 * time.Minute

// MaxPayloadSize is the largest body APNs accepts for an alert notification,
// in bytes. Send refuses larger payloads without asking APNs.
const MaxPayloadSize = 4096

// maxReplyBody bounds how much of an error reply Send reads. APNs replies
// are a few dozen bytes of JSON.
const maxReplyBody = 4096

// maxRetryAfter bounds the pause a Retry-After header can ask for.
const maxRetryAfter = time.Hour

// Key is one APNs authentication key (a .p8 file from the Apple developer
// account) and the team it belongs to.
type Key struct {
	// TeamID is the 10-character team ID of the developer account; the iss
	// claim of the provider token.
	TeamID string
	// KeyID is the 10-character ID of the key; the kid header of the
	// provider token.
	KeyID string
	// PrivateKey is the content of the .p8 file: a P-256 private key in
	// PKCS#8, either PEM ("-----BEGIN PRIVATE KEY-----…") or the base64 of
	// the DER without the PEM armour (the lines between BEGIN and END,
	// joined or not). A SEC 1 "EC PRIVATE KEY" PEM is accepted as well.
	PrivateKey string
}

// Config configures New.
type Config struct {
	// Keys are the authentication keys by a name of the operator's choice.
	Keys map[string]Key
	// Bundles maps the bundle ID of each app the provider delivers to
	// (PushTarget.AppID, sent as apns-topic) to the name of its key in
	// Keys. Several bundles may share a key. At least one is required.
	Bundles map[string]string
	// ProductionURL and DevelopmentURL are the base URLs of the APNs
	// endpoints for PushProduction and PushDevelopment registrations;
	// DefaultProductionURL and DefaultDevelopmentURL if empty. Tests point
	// them at a local server.
	ProductionURL  string
	DevelopmentURL string
	// HTTPClient sends the requests. APNs speaks HTTP/2 only, so a custom
	// client's transport must negotiate it. If nil, New makes a client
	// that forces HTTP/2, bounds connecting and each request (30 s), and
	// checks idle connections with pings.
	HTTPClient *http.Client
	// Now tells the time for the iat claim of provider tokens and their
	// reuse; time.Now if nil.
	Now func() time.Time
}

// Provider is a driver.Push that delivers to Apple devices through APNs with
// token-based provider authentication. It is safe for concurrent use.
type Provider struct {
	client  *http.Client
	now     func() time.Time
	prodURL string
	devURL  string
	bundles map[string]*signer // by bundle ID
}

var _ driver.Push = (*Provider)(nil)

// New checks cfg, parses its keys and returns a Provider. It does not
// contact APNs.
func New(cfg Config) (*Provider, error) {
	if len(cfg.Bundles) == 0 {
		return nil, errors.New("apnspush: no bundles configured")
	}
	signers := make(map[string]*signer, len(cfg.Keys))
	for _, name := range sortedKeys(cfg.Keys) {
		k := cfg.Keys[name]
		if name == "" {
			return nil, errors.New("apnspush: a key has an empty name")
		}
		if strings.TrimSpace(k.TeamID) == "" {
			return nil, fmt.Errorf("apnspush: key %q: TeamID is empty", name)
		}
		if strings.TrimSpace(k.KeyID) == "" {
			return nil, fmt.Errorf("apnspush: key %q: KeyID is empty", name)
		}
		priv, err := parsePrivateKey(k.PrivateKey)
		if err != nil {
			return nil, fmt.Errorf("apnspush: key %q: %w", name, err)
		}
		signers[name] = &signer{
			teamID: strings.TrimSpace(k.TeamID),
			keyID:  strings.TrimSpace(k.KeyID),
			key:    priv,
		}
	}
	bundles := make(map[string]*signer, len(cfg.Bundles))
	for _, bundle := range sortedKeys(cfg.Bundles) {
		name := cfg.Bundles[bundle]
		if bundle == "" {
			return nil, errors.New("apnspush: a bundle has an empty bundle ID")
		}
		s, ok := signers[name]
		if !ok {
			return nil, fmt.Errorf("apnspush: bundle %q names unknown key %q", bundle, name)
		}
		bundles[bundle] = s
	}
	prodURL, err := baseURL(cfg.ProductionURL, DefaultProductionURL)
	if err != nil {
		return nil, fmt.Errorf("apnspush: ProductionURL: %w", err)
	}
	devURL, err := baseURL(cfg.DevelopmentURL, DefaultDevelopmentURL)
	if err != nil {
		return nil, fmt.Errorf("apnspush: DevelopmentURL: %w", err)
	}
	p := &Provider{
		client:  cfg.HTTPClient,
		now:     cfg.Now,
		prodURL: prodURL,
		devURL:  devURL,
		bundles: bundles,
	}
	if p.client == nil {
		p.client = defaultClient()
	}
	if p.now == nil {
		p.now = time.Now
	}
	return p, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// baseURL checks an endpoint's base URL and drops a trailing slash.
func baseURL(raw, def string) (string, error) {
	if raw == "" {
		return def, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("%q is not an absolute http(s) URL", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%q has a query or fragment", raw)
	}
	return strings.TrimSuffix(raw, "/"), nil
}

// defaultClient is the HTTP client of a Provider configured without one.
func defaultClient() *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         dialer.DialContext,
			ForceAttemptHTTP2:   true,
			TLSClientConfig:     &tls.Config{MinVersion: tls.VersionTLS12},
			TLSHandshakeTimeout: 10 * time.Second,
			// Apple asks providers to keep their connections open
			// rather than reconnect for each notification.
			IdleConnTimeout: 5 * time.Minute,
			MaxIdleConns:    10,
			HTTP2: &http.HTTP2Config{
				// Find connections that died silently (NAT,
				// load balancers) before a notification is lost
				// on them.
				SendPingTimeout: time.Minute,
				PingTimeout:     15 * time.Second,
			},
		},
		// APNs does not redirect; following a redirect would turn the
		// POST into a GET.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Platform returns driver.PlatformAPNs.
func (p *Provider) Platform() string { return driver.PlatformAPNs }

// SupportsApp reports whether a key is configured for the bundle ID.
func (p *Provider) SupportsApp(appID string) bool {
	_, ok := p.bundles[appID]
	return ok
}

// payload is the body of a notification request.
type payload struct {
	Content json.RawMessage `json:"content,omitempty"`
	APS     aps             `json:"aps"`
}

type aps struct {
	// ContentAvailable is the string "1", as the official clients expect,
	// when the notification carries content; omitted otherwise.
	ContentAvailable string `json:"content-available,omitempty"`
	Alert            alert  `json:"alert"`
}

type alert struct {
	Title string `json:"title,omitempty"`
	Body  string `json:"body,omitempty"`
}

// Send posts n to the device. See the package documentation for how APNs
// replies map to errors. Send does not retry.
func (p *Provider) Send(ctx context.Context, target driver.PushTarget, n driver.PushNotification) error {
	s, ok := p.bundles[target.AppID]
	if !ok {
		return fmt.Errorf("apnspush: no key configured for bundle %q: %w", target.AppID, driver.ErrNotDeliverable)
	}
	if target.Handle == "" {
		return fmt.Errorf("apnspush: empty device token: %w", driver.ErrInvalidHandle)
	}
	var base string
	switch target.Environment {
	case driver.PushProduction, "":
		base = p.prodURL
	case driver.PushDevelopment:
		base = p.devURL
	default:
		return fmt.Errorf("apnspush: unknown push environment %q: %w", target.Environment, driver.ErrNotDeliverable)
	}
	body, err := encodePayload(n)
	if err != nil {
		return err
	}

	token, err := s.token(p.now())
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/3/device/"+url.PathEscape(target.Handle), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("apnspush: %w", err)
	}
	h := req.Header
	h.Set("Authorization", "bearer "+token)
	h.Set("Apns-Topic", target.AppID)
	h.Set("Apns-Expiration", "0")
	h.Set("Apns-Priority", "5")
	h.Set("Apns-Push-Type", "alert")
	if n.CollapseID != "" {
		h.Set("Apns-Collapse-Id", n.CollapseID)
	}
	h.Set("Content-Type", "application/json")

	resp, err := p.client.Do(req)
	if err != nil {
		// The *url.Error would put the device token into logs.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return fmt.Errorf("apnspush: posting to %s: %w", base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, maxReplyBody))
	rerr := newResponseError(resp, reply)
	if rerr.providerTokenRejected() {
		s.drop(token)
	}
	if after, ok := retryAfter(resp, p.now()); ok && rerr.kind == nil {
		return &driver.RetryAfterError{After: after, Err: rerr}
	}
	return rerr
}

// encodePayload builds the request body of n.
func encodePayload(n driver.PushNotification) ([]byte, error) {
	pl := payload{APS: aps{Alert: alert{Title: n.Title, Body: n.Body}}}
	if len(n.Content) > 0 {
		trimmed := bytes.TrimSpace(n.Content)
		if len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(trimmed) {
			return nil, fmt.Errorf("apnspush: notification content is not a JSON object: %w", driver.ErrNotDeliverable)
		}
		pl.Content = trimmed
		pl.APS.ContentAvailable = "1"
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // "<" stays one byte of the 4 KiB
	if err := enc.Encode(pl); err != nil {
		return nil, fmt.Errorf("apnspush: encoding the payload: %v: %w", err, driver.ErrNotDeliverable)
	}
	body := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if len(body) > MaxPayloadSize {
		return nil, fmt.Errorf("apnspush: payload of %d bytes exceeds the %d bytes APNs accepts: %w", len(body), MaxPayloadSize, driver.ErrNotDeliverable)
	}
	return body, nil
}
