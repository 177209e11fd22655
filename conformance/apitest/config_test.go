package apitest

import (
	"strings"
	"testing"
	"time"

	"github.com/openbackbone/openbackbone/internal/identitykey"
)

func TestConfigDefaults(t *testing.T) {
	c, err := Config{BaseURL: "http://localhost:8080/"}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL != "http://localhost:8080" || c.AdminURL != c.BaseURL {
		t.Errorf("BaseURL %q, AdminURL %q: want the trailing slash cut and AdminURL defaulting to BaseURL", c.BaseURL, c.AdminURL)
	}
	if c.ClientID != "test" || c.ClientSecret != "test" || c.AdminAPIKey != "test" || c.HTTPClient == nil {
		t.Errorf("defaults not filled: %+v", c)
	}
	c, err = Config{BaseURL: "http://a", AdminURL: "http://b:9/", ClientID: "id", ClientSecret: "s", AdminAPIKey: "k"}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if c.AdminURL != "http://b:9" || c.ClientID != "id" || c.ClientSecret != "s" || c.AdminAPIKey != "k" {
		t.Errorf("given values were replaced: %+v", c)
	}
}

func TestConfigRejectsBadBaseURL(t *testing.T) {
	for _, u := range []string{"", "localhost:8080", "ftp://host", "http://", "://x"} {
		_, err := Config{BaseURL: u}.withDefaults()
		if err == nil || !strings.Contains(err.Error(), "BaseURL") {
			t.Errorf("BaseURL %q: want an error naming BaseURL, got %v", u, err)
		}
	}
}

func TestChallengeJSONIsWhatClientsSign(t *testing.T) {
	// The key order and the millisecond date are what the official client
	// produces; the server verifies the signature over these exact bytes.
	got := identitykey.ChallengeJSON("CHLaaaaaaaaaaaaaaaaa", mustTime(t, "2026-01-02T03:04:05.6789Z"), "did:e:x:dids:1", "DVCaaaaaaaaaaaaaaaaa")
	want := `{"createdBy":"did:e:x:dids:1","createdByDevice":"DVCaaaaaaaaaaaaaaaaa","expiresAt":"2026-01-02T03:04:05.678Z","id":"CHLaaaaaaaaaaaaaaaaa","type":"Identity"}`
	if got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}

func mustTime(t *testing.T, s string) (tm time.Time) {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}
