package gateway

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
)

func corsRequest(h http.Handler, method, origin string, preflight bool) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "/api/v2/Devices", nil)
	if origin != "" {
		r.Header.Set("Origin", origin)
	}
	if preflight {
		r.Header.Set("Access-Control-Request-Method", "POST")
		r.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestCORSAllowsConfiguredOrigins(t *testing.T) {
	h := CORS(okHandler, CORSOptions{AllowedOrigins: []string{"https://app.example.org/"}, ExposedHeaders: DefaultExposedHeaders, AllowCredentials: true})

	pre := corsRequest(h, http.MethodOptions, "https://app.example.org", true)
	assert.Equal(t, http.StatusNoContent, pre.Code)
	assert.Equal(t, "https://app.example.org", pre.Header().Get("Access-Control-Allow-Origin"))
	assert.Equal(t, "POST", pre.Header().Get("Access-Control-Allow-Methods"))
	assert.Equal(t, "authorization, content-type", pre.Header().Get("Access-Control-Allow-Headers"))
	assert.Equal(t, "true", pre.Header().Get("Access-Control-Allow-Credentials"))
	assert.NotEmpty(t, pre.Header().Get("Access-Control-Max-Age"))

	actual := corsRequest(h, http.MethodGet, "https://app.example.org", false)
	assert.Equal(t, http.StatusOK, actual.Code)
	assert.Equal(t, "https://app.example.org", actual.Header().Get("Access-Control-Allow-Origin"))
	assert.Equal(t, "X-Request-Time, X-Response-Time, X-Response-Duration-ms, X-Trace-Id", actual.Header().Get("Access-Control-Expose-Headers"))
	assert.Contains(t, actual.Header().Values("Vary"), "Origin")

	for _, origin := range []string{"https://evil.example.org", "http://app.example.org", ""} {
		pre := corsRequest(h, http.MethodOptions, origin, true)
		assert.Equal(t, http.StatusNoContent, pre.Code, origin)
		assert.Empty(t, pre.Header().Get("Access-Control-Allow-Origin"), origin)
		actual := corsRequest(h, http.MethodGet, origin, false)
		assert.Equal(t, http.StatusOK, actual.Code, "the request itself is served; the browser withholds the answer")
		assert.Empty(t, actual.Header().Get("Access-Control-Allow-Origin"), origin)
	}
}

func TestCORSWildcardWithoutCredentials(t *testing.T) {
	h := CORS(okHandler, CORSOptions{AllowedOrigins: []string{"*"}})
	actual := corsRequest(h, http.MethodGet, "https://anyone.example", false)
	assert.Equal(t, "*", actual.Header().Get("Access-Control-Allow-Origin"))
	assert.Empty(t, actual.Header().Get("Access-Control-Allow-Credentials"))
}

func TestCORSOffPassesEverythingThrough(t *testing.T) {
	h := CORS(http.NotFoundHandler(), CORSOptions{})
	pre := corsRequest(h, http.MethodOptions, "https://app.example.org", true)
	assert.Equal(t, http.StatusNotFound, pre.Code)
	assert.Empty(t, pre.Header().Get("Access-Control-Allow-Origin"))
}

func TestCORSValidation(t *testing.T) {
	assert.NoError(t, CORSOptions{AllowedOrigins: []string{"https://a.example", "http://localhost:3000", "*"}}.Validate())
	assert.ErrorContains(t, CORSOptions{AllowedOrigins: []string{"*"}, AllowCredentials: true}.Validate(), "allowCredentials")
	for _, bad := range []string{"app.example.org", "https://a.example/path", "ftp://a.example", "https://a.example?x=1"} {
		assert.Error(t, CORSOptions{AllowedOrigins: []string{bad}}.Validate(), bad)
	}
}
