package apitest

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"
)

// testTokens covers the Tokens resource.
func testTokens(t *testing.T, c *client) {
	a, b := c.createAccount(t), c.createAccount(t)
	exp := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)

	t.Run("CreateAndGetAnonymouslyAndAsPeer", func(t *testing.T) {
		r := c.do(t, "POST", "/api/v2/Tokens", a.Token, map[string]any{"content": b64("token"), "expiresAt": exp})
		expectStatus(t, r, http.StatusCreated)
		id, _ := r.result()["id"].(string)
		if !regexp.MustCompile(`^TOK[A-Za-z0-9]{17}$`).MatchString(id) {
			t.Fatalf("token id %q", id)
		}
		for _, tok := range []string{"", b.Token} {
			g := c.do(t, "GET", "/api/v2/Tokens/"+id, tok, nil)
			expectStatus(t, g, http.StatusOK)
			if g.result()["content"] != b64("token") || g.result()["createdBy"] != a.Address {
				t.Errorf("token read with bearer=%v: %s", tok != "", g)
			}
		}
		l := c.do(t, "GET", "/api/v2/Tokens?ids="+id, a.Token, nil)
		expectStatus(t, l, http.StatusOK)
		if len(l.list()) != 1 {
			t.Errorf("list by id: %s", l)
		}
		expectStatus(t, c.do(t, "DELETE", "/api/v2/Tokens/"+id, a.Token, nil), http.StatusNoContent)
		expectError(t, c.do(t, "GET", "/api/v2/Tokens/"+id, a.Token, nil), http.StatusNotFound, "error.platform.recordNotFound")
	})

	t.Run("PasswordProtectedTokenNeedsPassword", func(t *testing.T) {
		r := c.do(t, "POST", "/api/v2/Tokens", a.Token, map[string]any{"content": b64("secret"), "expiresAt": exp, "password": b64("pw")})
		expectStatus(t, r, http.StatusCreated)
		id, _ := r.result()["id"].(string)
		expectError(t, c.do(t, "GET", "/api/v2/Tokens/"+id, b.Token, nil), http.StatusNotFound, "error.platform.recordNotFound")
		expectStatus(t, c.do(t, "GET", "/api/v2/Tokens/"+id+"?password="+url.QueryEscape(b64("pw")), b.Token, nil), http.StatusOK)
	})

	t.Run("ExpiryInThePastIsInvalid", func(t *testing.T) {
		past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		expectError(t, c.do(t, "POST", "/api/v2/Tokens", a.Token, map[string]any{"content": b64("x"), "expiresAt": past}), http.StatusBadRequest, "error.platform.validation.invalidPropertyValue")
	})

	t.Run("AnonymousTokenIsEmptyAndShortLived", func(t *testing.T) {
		soon := time.Now().Add(2 * time.Minute).UTC().Format(time.RFC3339)
		expectError(t, c.do(t, "POST", "/api/v2/Tokens", "", map[string]any{"content": b64("x"), "expiresAt": soon}), http.StatusBadRequest, "error.platform.validation.invalidPropertyValue")
		expectError(t, c.do(t, "POST", "/api/v2/Tokens", "", map[string]any{"expiresAt": exp}), http.StatusBadRequest, "error.platform.validation.invalidPropertyValue")
		r := c.do(t, "POST", "/api/v2/Tokens", "", map[string]any{"expiresAt": soon})
		expectStatus(t, r, http.StatusCreated)
		if id, _ := r.result()["id"].(string); id == "" {
			t.Errorf("anonymous token without id: %s", r)
		}
	})
}
