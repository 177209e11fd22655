package httpapi_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConnectToken(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		t.Run("IssuesAJWTWithTheClaimsClientsAndServersUse", func(t *testing.T) {
			a := s.createIdentity()
			r := s.token(a.Username, a.Password)
			require.Equal(t, http.StatusOK, r.Status)
			assert.NotContains(t, r.JSON, "result", "OAuth JSON has no envelope")
			assert.Equal(t, "Bearer", r.JSON["token_type"])
			assert.Equal(t, float64(300), r.JSON["expires_in"])
			claims := jwt.MapClaims{}
			_, _, err := jwt.NewParser().ParseUnverified(r.JSON["access_token"].(string), claims)
			require.NoError(t, err)
			assert.Equal(t, a.Address, claims["nmshd_address"])
			assert.Equal(t, a.DeviceID, claims["device_id"])
			assert.Equal(t, a.Username, claims["name"])
			assert.Equal(t, "test", claims["client_id"])
		})
		t.Run("UsernameIsTrimmedAndCaseInsensitive", func(t *testing.T) {
			a := s.createIdentity()
			assert.Equal(t, http.StatusOK, s.token("  "+strings.ToLower(a.Username)+" ", a.Password).Status)
		})
		t.Run("ClientSecretMayComeAsBasicAuth", func(t *testing.T) {
			a := s.createIdentity()
			r := s.do("POST", "/connect/token", "", url.Values{"grant_type": {"password"}, "username": {a.Username}, "password": {a.Password}},
				"Authorization", "Basic dGVzdDp0ZXN0")
			assert.Equal(t, http.StatusOK, r.Status, "%s", r.Raw)
		})
		t.Run("Errors", func(t *testing.T) {
			a := s.createIdentity()
			form := func(kv ...string) url.Values {
				v := url.Values{"grant_type": {"password"}, "client_id": {"test"}, "client_secret": {"test"}, "username": {a.Username}, "password": {a.Password}}
				for i := 0; i < len(kv); i += 2 {
					if kv[i+1] == "" {
						v.Del(kv[i])
					} else {
						v.Set(kv[i], kv[i+1])
					}
				}
				return v
			}
			for _, tc := range []struct {
				form   url.Values
				status int
				code   string
			}{
				{form("grant_type", "client_credentials"), 400, "unsupported_grant_type"},
				{form("grant_type", ""), 400, "invalid_request"},
				{form("username", ""), 400, "invalid_request"},
				{form("client_id", ""), 400, "invalid_request"},
				{form("client_id", "nope"), 401, "invalid_client"},
				{form("client_secret", "wrong"), 401, "invalid_client"},
				{form("username", "USRaaaaaaaaaaaaaaaaa"), 400, "invalid_grant"},
			} {
				r := s.do("POST", "/connect/token", "", tc.form)
				assert.Equal(t, tc.status, r.Status, "%v: %s", tc.form, r.Raw)
				assert.Equal(t, tc.code, r.JSON["error"], "%v", tc.form)
				assert.NotEmpty(t, r.JSON["error_description"])
			}
			r := s.do("POST", "/connect/token", "", "%%%")
			assert.Equal(t, http.StatusBadRequest, r.Status)
			assert.Equal(t, http.StatusOK, s.token(a.Username, a.Password).Status, "errors did not lock the device out")
		})
		t.Run("ThreeWrongPasswordsLockTheDeviceOutForAWhile", func(t *testing.T) {
			a := s.createIdentity()
			for range 3 {
				r := s.token(a.Username, "wrong")
				require.Equal(t, http.StatusBadRequest, r.Status)
				assert.Equal(t, "invalid_grant", r.JSON["error"])
			}
			r := s.token(a.Username, a.Password)
			assert.Equal(t, http.StatusBadRequest, r.Status)
			assert.Equal(t, "access_denied", r.JSON["error"])
			s.env.Clock.Advance(61 * time.Second)
			assert.Equal(t, http.StatusOK, s.token(a.Username, a.Password).Status, "the dev lockout lasts a minute")
		})
		t.Run("SuccessResetsTheFailureCount", func(t *testing.T) {
			a := s.createIdentity()
			for range 2 {
				s.token(a.Username, "wrong")
			}
			require.Equal(t, http.StatusOK, s.token(a.Username, a.Password).Status)
			for range 2 {
				s.token(a.Username, "wrong")
			}
			assert.Equal(t, http.StatusOK, s.token(a.Username, a.Password).Status)
		})
	})
}
