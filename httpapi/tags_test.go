package httpapi_test

import (
	"crypto/md5"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/httpapi"
	"github.com/openbackbone/openbackbone/internal/backbonetest"
)

func TestTags(t *testing.T) {
	env := backbonetest.New(t, "sqlite", func(c *backbone.Config) {
		c.Tags = backbone.TagsConfig{
			SupportedLanguages: []string{"de", "en"},
			TagsForAttributeValueTypes: map[string]map[string]backbone.Tag{
				"IdentityFileReference": {"schulabschluss": {
					DisplayNames: map[string]string{"de": "Abschluss", "en": "Degree"},
					Children: map[string]backbone.Tag{"realschule": {
						DisplayNames: map[string]string{"de": "Realschule", "en": "Secondary <school>"},
					}},
				}},
				"PhoneNumber": {"notfall": {DisplayNames: map[string]string{"de": "Notfall", "en": "Emergency"}}},
			},
		}
	})
	ts := httptest.NewServer(httpapi.New(env.Backbone, httpapi.Options{}))
	t.Cleanup(ts.Close)
	get := func(path string, header ...string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest("GET", ts.URL+path, nil)
		require.NoError(t, err)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res, body
	}

	res, body := get("/api/v2/Tags")
	require.Equal(t, http.StatusOK, res.StatusCode, "anonymous: %s", body)
	assert.Equal(t, "application/json; charset=utf-8", res.Header.Get("Content-Type"))
	assert.JSONEq(t, `{"result":{"supportedLanguages":["de","en"],"tagsForAttributeValueTypes":{
		"IdentityFileReference":{"schulabschluss":{"displayNames":{"de":"Abschluss","en":"Degree"},
			"children":{"realschule":{"displayNames":{"de":"Realschule","en":"Secondary <school>"},"children":{}}}}},
		"PhoneNumber":{"notfall":{"displayNames":{"de":"Notfall","en":"Emergency"},"children":{}}}}}}`, string(body),
		"keys verbatim, children always present")
	sum := md5.Sum(body)
	etag := `"` + base64.StdEncoding.EncodeToString(sum[:]) + `"`
	assert.Equal(t, etag, res.Header.Get("ETag"), "the ETag is the base64 MD5 of the body")

	_, body2 := get("/api/v2/tags")
	assert.Equal(t, body, body2, "the body is stable, so the ETag is")

	for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
		res, body = get("/api/v2/Tags", "If-None-Match", inm)
		assert.Equal(t, http.StatusNotModified, res.StatusCode, "If-None-Match: %s", inm)
		assert.Empty(t, body)
		assert.Equal(t, etag, res.Header.Get("ETag"))
	}
	res, body = get("/api/v2/Tags", "If-None-Match", `"stale"`)
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, body2, body)
}
