package httpapi_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTokens(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		a, b, c := s.createIdentity(), s.createIdentity(), s.createIdentity()
		in := func(d time.Duration) string { return time.Now().Add(d).UTC().Format(time.RFC3339) }
		content := base64.RawURLEncoding.EncodeToString([]byte("token content"))

		r := s.do("POST", "/api/v2/Tokens", a.Token, map[string]any{"content": content, "expiresAt": in(time.Hour)})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Raw)
		id := r.result()["id"].(string)
		assert.Regexp(t, `^TOK[A-Za-z0-9]{17}$`, id)

		got := s.do("GET", "/api/v2/Tokens/"+id, "", nil)
		require.Equal(t, http.StatusOK, got.Status, "anonymous readers are allowed")
		assert.Equal(t, content, got.result()["content"])
		assert.Equal(t, a.Address, got.result()["createdBy"])
		assert.Equal(t, false, got.result()["isPasswordProtected"])
		require.Equal(t, http.StatusOK, s.do("GET", "/api/v2/Tokens/"+id, b.Token, nil).Status)
		assert.Len(t, s.do("GET", "/api/v2/Tokens?ids="+id, b.Token, nil).JSON["result"], 1, "reading allocates")
		assert.Len(t, s.do("GET", "/api/v2/Tokens?tokens.0.id="+id, c.Token, nil).JSON["result"], 0)
		expectError(t, s.do("GET", "/api/v2/Tokens", a.Token, nil), 400, "error.platform.validation.invalidPropertyValue")

		// Personal and password-protected tokens.
		pw := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
		personal := s.do("POST", "/api/v2/Tokens", a.Token, map[string]any{"content": content, "expiresAt": in(time.Hour), "forIdentity": b.Address, "password": pw}).result()["id"].(string)
		expectError(t, s.do("GET", "/api/v2/Tokens/"+personal+"?password="+url.QueryEscape(pw), c.Token, nil), 404, "error.platform.recordNotFound")
		expectError(t, s.do("GET", "/api/v2/Tokens/"+personal, b.Token, nil), 404, "error.platform.recordNotFound")
		ok := s.do("GET", "/api/v2/Tokens/"+personal+"?password="+url.QueryEscape(pw), b.Token, nil)
		require.Equal(t, http.StatusOK, ok.Status, "%s", ok.Raw)
		assert.Equal(t, true, ok.result()["isPasswordProtected"])

		// Anonymous empty tokens, filled by an authenticated device.
		expectError(t, s.do("POST", "/api/v2/Tokens", "", map[string]any{"content": content, "expiresAt": in(time.Minute)}), 400, "error.platform.validation.invalidPropertyValue")
		expectError(t, s.do("POST", "/api/v2/Tokens", "", map[string]any{"expiresAt": in(time.Hour)}), 400, "error.platform.validation.invalidPropertyValue")
		empty := s.do("POST", "/api/v2/Tokens", "", map[string]any{"expiresAt": in(time.Minute)})
		require.Equal(t, http.StatusCreated, empty.Status, "%s", empty.Raw)
		emptyID := empty.result()["id"].(string)
		e := s.do("GET", "/api/v2/Tokens/"+emptyID, "", nil).result()
		assert.Nil(t, e["content"])
		assert.Nil(t, e["createdBy"])
		up := s.do("POST", "/api/v2/Tokens/"+emptyID+"/UpdateContent", a.Token, map[string]any{"id": emptyID, "newContent": content})
		require.Equal(t, http.StatusOK, up.Status, "%s", up.Raw)
		assert.Equal(t, a.Address, up.result()["createdBy"])
		assert.Equal(t, a.DeviceID, up.result()["createdByDevice"])
		expectError(t, s.do("POST", "/api/v2/Tokens/"+emptyID+"/UpdateContent", a.Token, map[string]any{"newContent": content}), 400, "error.platform.token.contentUpdateNotPossibleBecauseContentAlreadyExists")
		assert.Equal(t, content, s.do("GET", "/api/v2/Tokens/"+emptyID, b.Token, nil).result()["content"])

		// Only the creator deletes.
		expectError(t, s.do("DELETE", "/api/v2/Tokens/"+id, b.Token, nil), 403, "error.platform.forbidden")
		require.Equal(t, http.StatusNoContent, s.do("DELETE", "/api/v2/Tokens/"+id, a.Token, nil).Status)
		expectError(t, s.do("GET", "/api/v2/Tokens/"+id, b.Token, nil), 404, "error.platform.recordNotFound")
		assert.Equal(t, http.StatusUnauthorized, s.do("DELETE", "/api/v2/Tokens/"+emptyID, "", nil).Status)

		for _, bad := range []map[string]any{
			{"content": content},
			{"content": content, "expiresAt": in(-time.Hour)},
			{"content": content, "expiresAt": in(time.Hour), "forIdentity": "nope"},
			{"content": content, "expiresAt": in(time.Hour), "password": ""},
			{"content": "!!", "expiresAt": in(time.Hour)},
		} {
			assert.Equal(t, http.StatusBadRequest, s.do("POST", "/api/v2/Tokens", a.Token, bad).Status, "%v", bad)
		}
	})
}

func TestHundredWrongTokenPasswordsLockTheToken(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		a, b := s.createIdentity(), s.createIdentity()
		pw := base64.StdEncoding.EncodeToString([]byte("right"))
		wrong := url.QueryEscape(base64.StdEncoding.EncodeToString([]byte("wrong")))
		id := s.do("POST", "/api/v2/Tokens", a.Token, map[string]any{"content": "aGk", "expiresAt": time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "password": pw}).result()["id"].(string)
		for i := 1; i < 100; i++ {
			require.Equal(t, http.StatusNotFound, s.do("GET", "/api/v2/Tokens/"+id+"?password="+wrong, b.Token, nil).Status, "attempt %d", i)
		}
		expectError(t, s.do("GET", "/api/v2/Tokens/"+id+"?password="+wrong, b.Token, nil), 400, "error.platform.token.tooManyFailedPasswordAttempts")
		expectError(t, s.do("GET", "/api/v2/Tokens/"+id+"?password="+url.QueryEscape(pw), b.Token, nil), 400, "error.platform.token.tooManyFailedPasswordAttempts")
		assert.Equal(t, http.StatusOK, s.do("GET", "/api/v2/Tokens/"+id, a.Token, nil).Status, "the creator still reads it")
		s.waitForEvent(a.Address, "TokenLocked")
	})
}
