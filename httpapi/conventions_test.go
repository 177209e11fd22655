package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConventions(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		t.Run("VersionIsTheStringSevenInTheEnvelope", func(t *testing.T) {
			r := s.do("GET", "/api/v2/Version", "", nil)
			require.Equal(t, http.StatusOK, r.Status)
			assert.JSONEq(t, `{"result":{"majorVersion":"7"}}`, string(r.Raw))
			assert.Equal(t, "application/json; charset=utf-8", r.Header.Get("Content-Type"))
		})
		t.Run("PathsMatchCaseInsensitivelyAndV2.0IsV2", func(t *testing.T) {
			for _, p := range []string{"/API/V2/version", "/api/v2.0/Version", "/api/v2/VERSION/"} {
				assert.Equal(t, http.StatusOK, s.do("GET", p, "", nil).Status, p)
			}
		})
		t.Run("UnknownRouteIs404AndWrongMethod405WithEmptyBodies", func(t *testing.T) {
			r := s.do("GET", "/api/v2/Nothing", "", nil)
			assert.Equal(t, http.StatusNotFound, r.Status)
			assert.Empty(t, r.Raw)
			r = s.do("GET", "/api/v3/Version", "", nil)
			assert.Equal(t, http.StatusNotFound, r.Status)
			r = s.do("DELETE", "/api/v2/Version", "", nil)
			assert.Equal(t, http.StatusMethodNotAllowed, r.Status)
			assert.Empty(t, r.Raw)
		})
		t.Run("CorrelationIDIsEchoedSanitizedOrGenerated", func(t *testing.T) {
			r := s.do("GET", "/api/v2/Version", "", nil, "X-Correlation-ID", "  abc-123  ")
			assert.Equal(t, "abc-123", r.Header.Get("X-Correlation-ID"))
			r = s.do("GET", "/api/v2/Version", "", nil, "X-Correlation-ID", strings.Repeat("x", 150))
			assert.Len(t, r.Header.Get("X-Correlation-ID"), 100)
			r = s.do("GET", "/api/v2/Version", "", nil)
			assert.Regexp(t, `^[0-9a-f]{32}$`, r.Header.Get("X-Correlation-ID"))
			assert.Regexp(t, wireTime, r.Header.Get("X-Request-Time"))
			assert.Regexp(t, wireTime, r.Header.Get("X-Response-Time"))
			assert.Regexp(t, `^\d+$`, r.Header.Get("X-Response-Duration-ms"))
			assert.Equal(t, "Deny", r.Header.Get("X-Frame-Options"))
			assert.Equal(t, "nosniff", r.Header.Get("X-Content-Type-Options"))
			assert.Empty(t, r.Header.Get("Server"))
		})
		t.Run("BodyOver20MiBIs400RequestBodyTooLarge", func(t *testing.T) {
			big := `{"clientId":"` + strings.Repeat("a", 21<<20) + `"}`
			expectError(t, s.do("POST", "/api/v2/Identities", "", big), http.StatusBadRequest, "error.platform.requestBodyTooLarge")
		})
		t.Run("ProtectedRouteWithoutValidTokenIs401WithEmptyBody", func(t *testing.T) {
			for _, token := range []string{"", "garbage", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."} {
				r := s.do("GET", "/api/v2/Identities/Self", token, nil)
				assert.Equal(t, http.StatusUnauthorized, r.Status, token)
				assert.Empty(t, r.Raw)
				assert.Contains(t, r.Header.Get("WWW-Authenticate"), "Bearer")
			}
		})
		t.Run("ExpiredTokenIs401", func(t *testing.T) {
			a := s.createIdentity()
			require.Equal(t, http.StatusOK, s.do("GET", "/api/v2/Identities/Self", a.Token, nil).Status)
			s.env.Clock.Advance(301e9)
			assert.Equal(t, http.StatusUnauthorized, s.do("GET", "/api/v2/Identities/Self", a.Token, nil).Status)
		})
		t.Run("OpenAPIDocumentAndHealthAreServed", func(t *testing.T) {
			r := s.do("GET", "/docs/v2/openapi.json", "", nil)
			require.Equal(t, http.StatusOK, r.Status)
			assert.Contains(t, string(r.Raw), `"/api/v2/Identities"`)
			assert.Equal(t, http.StatusOK, s.do("GET", "/docs", "", nil).Status)
			r = s.do("GET", "/health", "", nil)
			assert.Equal(t, http.StatusOK, r.Status)
		})
	})
}

func TestChallenges(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		t.Run("AnonymousChallengeHasNullCreatorAndLocation", func(t *testing.T) {
			r := s.do("POST", "/api/v2/Challenges", "", nil)
			require.Equal(t, http.StatusCreated, r.Status)
			res := r.result()
			assert.Regexp(t, `^CHL[A-Za-z0-9]{17}$`, res["id"])
			assert.Regexp(t, wireTime, res["expiresAt"])
			assert.Nil(t, res["createdBy"])
			assert.Contains(t, res, "createdByDevice")
			assert.Nil(t, res["createdByDevice"])
			assert.Equal(t, s.url+"/api/v2/Challenges/"+res["id"].(string), r.Header.Get("Location"))
		})
		t.Run("AuthenticatedChallengeRecordsCreatorAndIsReadable", func(t *testing.T) {
			a := s.createIdentity()
			r := s.do("POST", "/api/v2/Challenges", a.Token, nil)
			require.Equal(t, http.StatusCreated, r.Status)
			assert.Equal(t, a.Address, r.result()["createdBy"])
			assert.Equal(t, a.DeviceID, r.result()["createdByDevice"])
			b := s.createIdentity()
			g := s.do("GET", "/api/v2/challenges/"+r.result()["id"].(string), b.Token, nil)
			require.Equal(t, http.StatusOK, g.Status)
			assert.Equal(t, r.result(), g.result(), "any identity may read any challenge")
		})
		t.Run("InvalidTokenOnCreateIsTreatedAsAnonymous", func(t *testing.T) {
			r := s.do("POST", "/api/v2/Challenges", "garbage", nil)
			require.Equal(t, http.StatusCreated, r.Status)
			assert.Nil(t, r.result()["createdBy"])
		})
		t.Run("GetValidatesTheIDAndReportsUnknownAs404", func(t *testing.T) {
			a := s.createIdentity()
			expectError(t, s.do("GET", "/api/v2/Challenges/XYZ123", a.Token, nil), http.StatusBadRequest, "error.platform.validation.invalidPropertyValue")
			expectError(t, s.do("GET", "/api/v2/Challenges/CHLaaaaaaaaaaaaaaaaa", a.Token, nil), http.StatusNotFound, "error.platform.recordNotFound")
			assert.Equal(t, http.StatusUnauthorized, s.do("GET", "/api/v2/Challenges/CHLaaaaaaaaaaaaaaaaa", "", nil).Status)
		})
		t.Run("ChallengeStaysReadableAnHourPastExpiry", func(t *testing.T) {
			a := s.createIdentity()
			id := s.do("POST", "/api/v2/Challenges", "", nil).result()["id"].(string)
			s.env.Clock.Advance(69 * 60e9)
			a.Token = s.login(a.Username, a.Password)
			assert.Equal(t, http.StatusOK, s.do("GET", "/api/v2/Challenges/"+id, a.Token, nil).Status)
			s.env.Clock.Advance(2 * 60e9)
			expectError(t, s.do("GET", "/api/v2/Challenges/"+id, a.Token, nil), http.StatusNotFound, "error.platform.recordNotFound")
		})
	})
}
