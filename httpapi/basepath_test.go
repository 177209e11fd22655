package httpapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/httpapi"
	"github.com/openbackbone/openbackbone/internal/backbonetest"
)

func TestBasePath(t *testing.T) {
	env := backbonetest.New(t, "sqlite", nil)
	mux := http.NewServeMux()
	// Trailing and missing slashes are forgiven: both mean /backbone.
	mux.Handle("/backbone/", http.StripPrefix("/backbone", httpapi.New(env.Backbone, httpapi.Options{BasePath: "backbone/"})))
	mux.Handle("/ops/admin/", http.StripPrefix("/ops/admin", httpapi.NewAdmin(env.Backbone, httpapi.AdminOptions{APIKey: "k", BasePath: "/ops/admin"})))
	ts := httptest.NewServer(mux)
	defer ts.Close()
	get := func(path string) (int, string) {
		res, err := http.Get(ts.URL + path)
		require.NoError(t, err)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res.StatusCode, string(b)
	}

	t.Run("OpenAPIServersNameThePrefix", func(t *testing.T) {
		status, body := get("/backbone/docs/v2/openapi.json")
		require.Equal(t, http.StatusOK, status)
		assert.Contains(t, body, `"servers":[{"url":"/backbone"}]`)
		status, body = get("/ops/admin/docs/v1/openapi.json")
		require.Equal(t, http.StatusOK, status)
		assert.Contains(t, body, `"servers":[{"url":"/ops/admin"}]`)
	})
	t.Run("DocsPageLoadsTheDocumentBelowThePrefix", func(t *testing.T) {
		_, body := get("/backbone/docs")
		assert.Contains(t, body, `/backbone/docs/v2/openapi.yaml`)
		_, body = get("/ops/admin/docs/v1")
		assert.Contains(t, body, `/ops/admin/docs/v1/openapi.yaml`)
	})
	t.Run("ChallengeLocationKeepsThePrefix", func(t *testing.T) {
		res, err := http.Post(ts.URL+"/backbone/api/v2/Challenges", "application/json", nil)
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusCreated, res.StatusCode)
		assert.Regexp(t, `^`+ts.URL+`/backbone/api/v2/Challenges/CHL\w{17}$`, res.Header.Get("Location"))
	})
	t.Run("WithoutBasePathNoServersAreListed", func(t *testing.T) {
		plain := httptest.NewServer(httpapi.New(env.Backbone, httpapi.Options{}))
		defer plain.Close()
		res, err := http.Get(plain.URL + "/docs/v2/openapi.json")
		require.NoError(t, err)
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		assert.NotContains(t, string(body), `"servers"`)
	})
}
