package adminui_test

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/adminui"
)

func get(t *testing.T, h http.Handler, method, path string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return string(b)
}

func newHandler(t *testing.T, opts adminui.Options) http.Handler {
	t.Helper()
	h, err := adminui.Handler(opts)
	require.NoError(t, err)
	return h
}

func TestIndexIsServedUnderThePrefixWithAStrictPolicy(t *testing.T) {
	h := newHandler(t, adminui.Options{})
	for _, path := range []string{"/admin/", "/admin/index.html"} {
		res := get(t, h, http.MethodGet, path)
		require.Equal(t, http.StatusOK, res.StatusCode, path)
		assert.Equal(t, "text/html; charset=utf-8", res.Header.Get("Content-Type"))
		assert.Equal(t, adminui.ContentSecurityPolicy, res.Header.Get("Content-Security-Policy"))
		assert.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
		assert.Equal(t, "Deny", res.Header.Get("X-Frame-Options"))
		html := body(t, res)
		assert.Contains(t, html, `<meta name="admin-api-base" content="/api/v1">`)
		assert.NotContains(t, html, "{{", "the template is rendered")
	}
}

func TestPolicyAllowsNoInlineCodeAndNoOtherOrigin(t *testing.T) {
	for _, directive := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"} {
		assert.Contains(t, adminui.ContentSecurityPolicy, directive)
	}
	assert.NotContains(t, adminui.ContentSecurityPolicy, "unsafe")
}

func TestPrefixWithoutSlashRedirects(t *testing.T) {
	res := get(t, newHandler(t, adminui.Options{}), http.MethodGet, "/admin")
	assert.Equal(t, http.StatusMovedPermanently, res.StatusCode)
	assert.Equal(t, "/admin/", res.Header.Get("Location"))
}

func TestAssetsAreServedWithTheirTypes(t *testing.T) {
	h := newHandler(t, adminui.Options{})
	for path, ct := range map[string]string{"/admin/app.js": "text/javascript", "/admin/api.js": "text/javascript", "/admin/app.css": "text/css"} {
		res := get(t, h, http.MethodGet, path)
		require.Equal(t, http.StatusOK, res.StatusCode, path)
		assert.True(t, strings.HasPrefix(res.Header.Get("Content-Type"), ct), "%s: %s", path, res.Header.Get("Content-Type"))
		assert.Equal(t, adminui.ContentSecurityPolicy, res.Header.Get("Content-Security-Policy"))
	}
}

func TestUnknownAndEscapingPathsAreNotFound(t *testing.T) {
	h := newHandler(t, adminui.Options{})
	for _, path := range []string{"/admin/nope.js", "/admin/static/app.js", "/admin/../adminui.go", "/admin/a/../app.js", "/admin/.hidden", "/admin/clients", "/other/app.js"} {
		res := get(t, h, http.MethodGet, path)
		assert.Equal(t, http.StatusNotFound, res.StatusCode, path)
	}
}

func TestOnlyGetAndHeadAreAllowed(t *testing.T) {
	h := newHandler(t, adminui.Options{})
	assert.Equal(t, http.StatusOK, get(t, h, http.MethodHead, "/admin/").StatusCode)
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		res := get(t, h, m, "/admin/")
		assert.Equal(t, http.StatusMethodNotAllowed, res.StatusCode, m)
		assert.Equal(t, "GET, HEAD", res.Header.Get("Allow"))
	}
}

func TestOptionsAreRenderedEscapedAndValidated(t *testing.T) {
	h := newHandler(t, adminui.Options{Prefix: "/ops/ui/", APIBase: `https://admin.example/api/v1/"><script>`})
	res := get(t, h, http.MethodGet, "/ops/ui/")
	require.Equal(t, http.StatusOK, res.StatusCode)
	html := body(t, res)
	assert.NotContains(t, html, `"><script>`)
	assert.Equal(t, http.StatusNotFound, get(t, h, http.MethodGet, "/admin/").StatusCode)

	for _, prefix := range []string{"admin/", "/admin", "admin"} {
		_, err := adminui.Handler(adminui.Options{Prefix: prefix})
		assert.Error(t, err, prefix)
	}
}

// The page must work under the policy and never turn API data into
// markup: no inline scripts, styles or handlers, and none of the sinks
// that parse HTML.
func TestStaticFilesKeepToThePolicyAndInsertNoMarkup(t *testing.T) {
	files := os.DirFS("static")
	sinks := regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|setAttribute\("on|srcdoc`)
	imports := regexp.MustCompile(`from "\./([^"]+)"`)
	err := fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := fs.ReadFile(files, path)
		if err != nil {
			return err
		}
		src := string(raw)
		switch filepath.Ext(path) {
		case ".js":
			assert.Empty(t, sinks.FindAllString(src, -1), "%s uses an HTML sink", path)
			for _, m := range imports.FindAllStringSubmatch(src, -1) {
				_, err := fs.Stat(files, m[1])
				assert.NoError(t, err, "%s imports %s", path, m[1])
			}
		case ".html":
			for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(src, -1) {
				assert.Contains(t, tag, "src=", "%s: inline script %s", path, tag)
			}
			assert.NotRegexp(t, `\sstyle=|<style|\son[a-z]+=`, src, "%s: inline style or handler", path)
		}
		return nil
	})
	require.NoError(t, err)
}
