package httpapi_test

import (
	"net/http"
	"strings"

	"github.com/stretchr/testify/require"
)

// testAdminKey is the Admin API key of the test server (newServer).
const testAdminKey = "test-admin-key"

// codeXSRFTokenInvalid is the wire code of a request refused for its XSRF
// pair, spelled out so that the tests pin what clients see.
const codeXSRFTokenInvalid = "error.platform.xsrfTokenMayBeInvalid"

// admin calls the Admin API as an operator does: it sends X-API-KEY and, for
// unsafe methods, fetches a token from GET /api/v1/xsrf and sends it in
// X-XSRF-TOKEN with the X-XSRF-COOKIE cookie. Extra header pairs are passed
// on (and may override these). Use it for every Admin API test:
//
//	r := s.admin("POST", "/api/v1/Tiers", map[string]any{"name": "Gold"})
func (s *server) admin(method, path string, body any, header ...string) response {
	s.t.Helper()
	h := []string{"X-API-KEY", testAdminKey}
	if method != http.MethodGet && method != http.MethodHead {
		cookie, token := s.xsrf()
		h = append(h, "X-XSRF-TOKEN", token, "Cookie", cookie)
	}
	return s.do(method, path, "", body, append(h, header...)...)
}

// xsrf returns a fresh XSRF pair: the Cookie header value and the token.
func (s *server) xsrf() (cookie, token string) {
	s.t.Helper()
	r := s.do(http.MethodGet, "/api/v1/xsrf", "", nil)
	require.Equal(s.t, http.StatusOK, r.Status, "xsrf: %s", r.Raw)
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == "X-XSRF-COOKIE" {
			cookie = c.Name + "=" + c.Value
		}
	}
	require.NotEmpty(s.t, cookie, "xsrf cookie missing")
	token = strings.TrimSpace(string(r.Raw))
	require.NotEmpty(s.t, token)
	return cookie, token
}
