package apitest

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
)

// admin calls the Admin API as an operator's UI does: X-API-KEY always and,
// for unsafe methods, a fresh XSRF pair from GET /api/v1/xsrf.
func (c *client) admin(t testing.TB, method, path string, body any) response {
	t.Helper()
	h := []string{"X-API-KEY", c.cfg.AdminAPIKey}
	if method != "GET" && method != "HEAD" {
		cookie, token := c.xsrf(t)
		h = append(h, "X-XSRF-TOKEN", token, "Cookie", cookie)
	}
	return c.send(t, c.cfg.AdminURL, method, path, "", body, h...)
}

func (c *client) xsrf(t testing.TB) (cookie, token string) {
	t.Helper()
	r := c.send(t, c.cfg.AdminURL, "GET", "/api/v1/xsrf", "", nil)
	expectStatus(t, r, http.StatusOK)
	for _, ck := range (&http.Response{Header: r.Header}).Cookies() {
		if ck.Name == "X-XSRF-COOKIE" {
			cookie = ck.Name + "=" + ck.Value
		}
	}
	token = strings.TrimSpace(string(r.Raw))
	if cookie == "" || token == "" {
		t.Fatalf("GET /api/v1/xsrf gives no X-XSRF-COOKIE cookie or no token: %s", r)
	}
	return cookie, token
}

func randomName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// testAdmin covers the Admin API basics.
func testAdmin(t *testing.T, c *client) {
	t.Run("WithoutKeyIs401", func(t *testing.T) {
		for _, h := range [][]string{nil, {"X-API-KEY", "wrong-" + c.cfg.AdminAPIKey}} {
			r := c.send(t, c.cfg.AdminURL, "GET", "/api/v1/Tiers", "", nil, h...)
			expectStatus(t, r, http.StatusUnauthorized)
		}
	})

	t.Run("ValidateApiKey", func(t *testing.T) {
		for key, want := range map[string]bool{c.cfg.AdminAPIKey: true, "wrong-" + c.cfg.AdminAPIKey: false} {
			r := c.send(t, c.cfg.AdminURL, "POST", "/api/v1/ValidateApiKey", "", map[string]any{"apiKey": key})
			expectStatus(t, r, http.StatusOK)
			if r.JSON["isValid"] != want {
				t.Errorf("key valid=%v: want {\"isValid\": %v}, got %s", want, want, r)
			}
		}
		expectError(t, c.send(t, c.cfg.AdminURL, "POST", "/api/v1/ValidateApiKey", "", `{"apiKey":`), http.StatusBadRequest, "error.platform.inputCannotBeParsed")
	})

	t.Run("UnsafeMethodWithoutXSRFPairIsRefused", func(t *testing.T) {
		name := randomName("apitest-xsrf-")
		r := c.send(t, c.cfg.AdminURL, "POST", "/api/v1/Tiers", "", map[string]any{"name": name}, "X-API-KEY", c.cfg.AdminAPIKey)
		if r.Status != http.StatusBadRequest || r.JSON["error"] == nil {
			t.Fatalf("want 400 with an error envelope, got %s", r)
		}
		l := c.admin(t, "GET", "/api/v1/Tiers", nil)
		expectStatus(t, l, http.StatusOK)
		for _, tr := range l.list() {
			if m, _ := tr.(map[string]any); m["name"] == name {
				t.Errorf("the refused request created tier %s", name)
			}
		}
	})

	t.Run("TiersCreateListDelete", func(t *testing.T) {
		name := randomName("apitest-tier-")
		r := c.admin(t, "POST", "/api/v1/Tiers", map[string]any{"name": name})
		expectStatus(t, r, http.StatusCreated)
		id, _ := r.result()["id"].(string)
		if id == "" || r.result()["name"] != name {
			t.Fatalf("created tier: %s", r)
		}
		expectStatus(t, c.admin(t, "GET", "/api/v1/Tiers/"+id, nil), http.StatusOK)
		expectError(t, c.admin(t, "POST", "/api/v1/Tiers", map[string]any{"name": name}), http.StatusBadRequest, "error.platform.validation.device.tierNameAlreadyExists")
		expectStatus(t, c.admin(t, "DELETE", "/api/v1/Tiers/"+id, nil), http.StatusNoContent)
		expectError(t, c.admin(t, "GET", "/api/v1/Tiers/"+id, nil), http.StatusNotFound, "error.platform.recordNotFound")
	})

	t.Run("ClientsCreateListDelete", func(t *testing.T) {
		tiers := c.admin(t, "GET", "/api/v1/Tiers", nil)
		expectStatus(t, tiers, http.StatusOK)
		basic := ""
		for _, x := range tiers.list() {
			if m, _ := x.(map[string]any); m["name"] == "Basic" {
				basic, _ = m["id"].(string)
			}
		}
		if basic == "" {
			t.Fatalf("no Basic tier listed: %s", tiers)
		}
		id := randomName("apitest-client-")
		expectError(t, c.admin(t, "POST", "/api/v1/Clients", map[string]any{"clientId": id, "clientSecret": "s3cret"}), http.StatusBadRequest, "error.platform.validation.invalidPropertyValue")
		r := c.admin(t, "POST", "/api/v1/Clients", map[string]any{"clientId": id, "displayName": "apitest", "clientSecret": "s3cret", "defaultTier": basic})
		expectStatus(t, r, http.StatusCreated)
		if r.result()["clientId"] != id {
			t.Fatalf("created client: %s", r)
		}
		l := c.admin(t, "GET", "/api/v1/Clients", nil)
		expectStatus(t, l, http.StatusOK)
		found := false
		for _, x := range l.list() {
			if m, _ := x.(map[string]any); m["clientId"] == id {
				found = true
			}
		}
		if !found {
			t.Errorf("client %s is not listed: %s", id, l)
		}
		expectStatus(t, c.admin(t, "DELETE", "/api/v1/Clients/"+id, nil), http.StatusNoContent)
		expectError(t, c.admin(t, "DELETE", "/api/v1/Clients/"+id, nil), http.StatusNotFound, "error.platform.recordNotFound")
	})

	t.Run("MetricsListed", func(t *testing.T) {
		r := c.admin(t, "GET", "/api/v1/Metrics", nil)
		expectStatus(t, r, http.StatusOK)
		found := false
		for _, x := range r.list() {
			if m, _ := x.(map[string]any); m["key"] == "NumberOfTokens" {
				found = true
			}
		}
		if !found {
			t.Errorf("metric NumberOfTokens is not listed: %s", r)
		}
		expectStatus(t, c.send(t, c.cfg.AdminURL, "GET", "/api/v1/Metrics", "", nil), http.StatusUnauthorized)
	})
}
