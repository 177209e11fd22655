package fcmpush

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// DefaultBaseURL is the address of FCM's HTTP v1 API.
const DefaultBaseURL = "https://fcm.googleapis.com"

// defaultTimeout bounds each HTTP request of the default client.
const defaultTimeout = 30 * time.Second

// userAgent is sent with every request.
const userAgent = "openbackbone-fcmpush"

// Config configures New. It mirrors the reference's FCM options: service
// accounts by name, and for each app the name of its service account.
type Config struct {
	// ServiceAccounts maps a name of the operator's choosing to the JSON
	// key of a Google service account of the app's Firebase project, as the
	// Google Cloud console downloads it. The account needs permission to
	// send with FCM (the role "Firebase Cloud Messaging API Admin").
	ServiceAccounts map[string]string
	// Apps maps an app ID (driver.PushTarget.AppID, as the app registers
	// it) to the name of its entry in ServiceAccounts. Several apps may
	// share an account.
	Apps map[string]string

	// BaseURL replaces DefaultBaseURL, for tests.
	BaseURL string
	// HTTPClient sends the requests to FCM and to the token endpoints; by
	// default a client with a timeout of 30 seconds per request.
	HTTPClient *http.Client
	// Now tells the time, for tests; by default time.Now.
	Now func() time.Time
}

// Provider is a driver.Push for Firebase Cloud Messaging. It is safe for
// concurrent use.
type Provider struct {
	apps map[string]*account // by app ID; not changed after New
}

var _ driver.Push = (*Provider)(nil)

// New checks cfg, reads its service-account keys and returns a provider for
// its apps. It makes no request: credentials are first used by Send.
func New(cfg Config) (*Provider, error) {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if err := checkHTTPURL(cfg.BaseURL); err != nil {
		return nil, fmt.Errorf("fcmpush: base URL: %w", err)
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: defaultTimeout}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}

	accounts := make(map[string]*account, len(cfg.ServiceAccounts))
	for _, name := range slices.Sorted(maps.Keys(cfg.ServiceAccounts)) {
		if strings.TrimSpace(name) == "" {
			return nil, errors.New("fcmpush: a service account has an empty name")
		}
		k, key, err := parseServiceAccount(name, cfg.ServiceAccounts[name])
		if err != nil {
			return nil, err
		}
		accounts[name] = &account{
			name:      name,
			projectID: k.ProjectID,
			email:     k.ClientEmail,
			keyID:     k.PrivateKeyID,
			key:       key,
			tokenURI:  k.TokenURI,
			sendURL:   base + "/v1/projects/" + url.PathEscape(k.ProjectID) + "/messages:send",
			client:    cfg.HTTPClient,
			now:       cfg.Now,
		}
	}

	p := &Provider{apps: make(map[string]*account, len(cfg.Apps))}
	for _, app := range slices.Sorted(maps.Keys(cfg.Apps)) {
		if strings.TrimSpace(app) == "" {
			return nil, errors.New("fcmpush: an app has an empty app ID")
		}
		name := cfg.Apps[app]
		a, ok := accounts[name]
		if !ok {
			return nil, fmt.Errorf("fcmpush: app %q: no service account named %q", app, name)
		}
		p.apps[app] = a
	}
	return p, nil
}

// Platform returns driver.PlatformFCM.
func (p *Provider) Platform() string { return driver.PlatformFCM }

// SupportsApp reports whether a service account is configured for appID.
func (p *Provider) SupportsApp(appID string) bool {
	_, ok := p.apps[appID]
	return ok
}

// Send delivers n to the FCM registration token target.Handle with the
// service account of target.AppID. See the package documentation for how
// replies map to errors. It does not retry.
func (p *Provider) Send(ctx context.Context, target driver.PushTarget, n driver.PushNotification) error {
	a, ok := p.apps[target.AppID]
	if !ok {
		return fmt.Errorf("fcmpush: no service account is configured for app %q: %w", target.AppID, driver.ErrNotDeliverable)
	}
	if target.Handle == "" {
		return fmt.Errorf("fcmpush: empty registration token: %w", driver.ErrInvalidHandle)
	}
	msg := buildMessage(target.Handle, n)
	if size := msg.payloadSize(); size > maxPayload {
		return fmt.Errorf("fcmpush: message payload of %d bytes exceeds FCM's limit of %d: %w", size, maxPayload, driver.ErrNotDeliverable)
	}
	body, err := json.Marshal(sendRequest{Message: msg})
	if err != nil {
		return fmt.Errorf("fcmpush: encoding the message: %w", err)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("fcmpush: send: %w", context.Cause(ctx))
	}

	token, err := a.accessToken(ctx)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.sendURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("fcmpush: send (service account %q): %w", a.name, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	resp, err := a.client.Do(req)
	if err != nil {
		return fmt.Errorf("fcmpush: send (service account %q): %w", a.name, err)
	}
	reply, _ := readBody(resp.Body)
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}

	e := &Error{Op: OpSend, Account: a.name, StatusCode: resp.StatusCode}
	parseSendError(e, reply)
	o := sendOutcome(e)
	if o == staleToken {
		a.invalidate(token)
	}
	return finish(e, o, resp.Header, a.now())
}
