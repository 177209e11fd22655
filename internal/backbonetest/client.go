package backbonetest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client drives a Consumer API over HTTP as a client would, for tests that
// run against a server they did not build in-process (other processes,
// other replicas).
type Client struct {
	BaseURL string
	HTTP    *http.Client
}

// HTTPAccount is an identity created over HTTP, with its first device's
// access token.
type HTTPAccount struct {
	Address, DeviceID, Username, Password, Token string
	Key                                          Key
}

// Do sends a JSON request and decodes a JSON answer into out (if not nil).
// It returns the status.
func (c *Client) Do(ctx context.Context, method, path, token string, body, out any) (int, error) {
	var rd io.Reader
	contentType := "application/json"
	switch b := body.(type) {
	case nil:
	case url.Values:
		rd, contentType = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, rd)
	if err != nil {
		return 0, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.client().Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, err
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return res.StatusCode, fmt.Errorf("%s %s: %d %s: %w", method, path, res.StatusCode, raw, err)
		}
	}
	return res.StatusCode, nil
}

func (c *Client) client() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

// expect runs Do and fails unless the status is want.
func (c *Client) expect(ctx context.Context, want int, method, path, token string, body, out any) error {
	status, err := c.Do(ctx, method, path, token, body, out)
	if err != nil {
		return err
	}
	if status != want {
		return fmt.Errorf("%s %s: status %d, want %d", method, path, status, want)
	}
	return nil
}

// CreateAccount creates an identity through the test client "test" and logs
// its first device in.
func (c *Client) CreateAccount(ctx context.Context) (HTTPAccount, error) {
	a := HTTPAccount{Key: NewKey(), Password: "device-password"}
	var ch struct {
		Result struct {
			ID        string    `json:"id"`
			ExpiresAt time.Time `json:"expiresAt"`
		} `json:"result"`
	}
	if err := c.expect(ctx, http.StatusCreated, "POST", "/api/v2/Challenges", "", nil, &ch); err != nil {
		return a, err
	}
	challenge := ChallengeJSON(ch.Result.ID, ch.Result.ExpiresAt, "", "")
	var created struct {
		Result struct {
			Address string `json:"address"`
			Device  struct {
				ID       string `json:"id"`
				Username string `json:"username"`
			} `json:"device"`
		} `json:"result"`
	}
	err := c.expect(ctx, http.StatusCreated, "POST", "/api/v2/Identities", "", map[string]any{
		"clientId": TestClientID, "clientSecret": TestClientSecret, "identityPublicKey": a.Key.WrapperBase64(),
		"devicePassword": a.Password, "identityVersion": 1,
		"signedChallenge": map[string]any{"challenge": challenge, "signature": a.Key.SignBase64(challenge)},
	}, &created)
	if err != nil {
		return a, err
	}
	a.Address, a.DeviceID, a.Username = created.Result.Address, created.Result.Device.ID, created.Result.Device.Username
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = c.expect(ctx, http.StatusOK, "POST", "/connect/token", "", url.Values{
		"grant_type": {"password"}, "client_id": {TestClientID}, "client_secret": {TestClientSecret},
		"username": {a.Username}, "password": {a.Password},
	}, &tok)
	a.Token = tok.AccessToken
	return a, err
}

// Stream opens the server-sent-event stream of the account's device and
// returns the event names as they arrive (keep-alive events included); the
// channel closes when the stream ends or ctx does.
func (c *Client) Stream(ctx context.Context, token string) (<-chan string, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", c.BaseURL+"/api/v2/sse", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := c.client().Do(req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		res.Body.Close()
		return nil, fmt.Errorf("GET /api/v2/sse: status %d, content type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	events := make(chan string, 64)
	go func() {
		defer close(events)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		var name string
		for sc.Scan() {
			switch line := sc.Text(); {
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case line == "" && name != "":
				select {
				case events <- name:
				case <-ctx.Done():
					return
				}
				name = ""
			}
		}
	}()
	return events, nil
}
