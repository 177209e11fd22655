package apitest

import (
	"net/http"
	"testing"
)

// testMisc covers quotas, announcements, tags, version and the SSE stream.
func testMisc(t *testing.T, c *client) {
	a := c.createAccount(t)

	t.Run("QuotasArePlainList", func(t *testing.T) {
		r := c.do(t, "GET", "/api/v2/Quotas", a.Token, nil)
		expectStatus(t, r, http.StatusOK)
		if _, ok := r.JSON["result"].([]any); !ok {
			t.Fatalf("want a result array, got %s", r)
		}
		if _, ok := r.JSON["pagination"]; ok {
			t.Errorf("quotas are not paged: %s", r)
		}
		for _, g := range r.list() {
			m, _ := g.(map[string]any)
			if _, ok := m["metricKey"].(string); !ok {
				t.Errorf("quota group without metricKey: %v", g)
			}
		}
		expectStatus(t, c.do(t, "GET", "/api/v2/Quotas", "", nil), http.StatusUnauthorized)
	})

	t.Run("AnnouncementsNeedLanguage", func(t *testing.T) {
		r := c.do(t, "GET", "/api/v2/Announcements?language=en", a.Token, nil)
		expectStatus(t, r, http.StatusOK)
		if _, ok := r.JSON["result"].([]any); !ok {
			t.Fatalf("want a result array, got %s", r)
		}
		expectError(t, c.do(t, "GET", "/api/v2/Announcements", a.Token, nil), http.StatusBadRequest, "error.platform.inputCannotBeParsed")
		expectError(t, c.do(t, "GET", "/api/v2/Announcements?language=xx", a.Token, nil), http.StatusBadRequest, "error.platform.validation.invalidPropertyValue")
	})

	t.Run("TagsWithETagAndNotModified", func(t *testing.T) {
		r := c.do(t, "GET", "/api/v2/Tags", "", nil)
		expectStatus(t, r, http.StatusOK)
		res := r.result()
		if res == nil || res["supportedLanguages"] == nil || res["tagsForAttributeValueTypes"] == nil {
			t.Errorf("want supportedLanguages and tagsForAttributeValueTypes, got %s", r)
		}
		etag := r.Header.Get("ETag")
		if etag == "" {
			t.Fatal("GET /Tags sends no ETag")
		}
		nm := c.do(t, "GET", "/api/v2/Tags", "", nil, "If-None-Match", etag)
		if nm.Status != http.StatusNotModified || len(nm.Raw) != 0 {
			t.Errorf("If-None-Match with the current ETag: want 304 without body, got %s", nm)
		}
		other := c.do(t, "GET", "/api/v2/Tags", "", nil, "If-None-Match", `"not-the-etag"`)
		expectStatus(t, other, http.StatusOK)
	})

	t.Run("VersionIsAnonymous", func(t *testing.T) {
		r := c.do(t, "GET", "/api/v2/Version", "", nil)
		expectStatus(t, r, http.StatusOK)
		if s, _ := r.result()["majorVersion"].(string); s == "" {
			t.Errorf("want result.majorVersion as a string, got %s", r)
		}
	})

	t.Run("SSEStreamStartsWithConnectionOpened", func(t *testing.T) {
		p := c.createAccount(t)
		expectStatus(t, c.do(t, "PUT", "/api/v2/Devices/Self/PushNotifications", p.Token, map[string]any{"platform": "sse", "handle": "0123456789", "appId": "apitest"}), http.StatusOK)
		if got := c.streamFirstEvent(t, p.Token); got != "ConnectionOpened" {
			t.Errorf("first event is %q, want ConnectionOpened", got)
		}
	})

	t.Run("SSEStreamNeedsToken", func(t *testing.T) {
		expectStatus(t, c.do(t, "GET", "/api/v2/sse", "", nil), http.StatusUnauthorized)
	})
}
