package httpapi_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every operation that needs a login answers 401 without one; the few
// anonymous ones are listed here and nowhere else.
func TestEveryProtectedOperationAnswers401WithoutToken(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		anonymous := map[string]bool{
			"POST /connect/token": true, "POST /api/v2/Challenges": true, "POST /api/v2/Identities": true,
			"GET /api/v2/Identities/IsDeleted": true, "GET /api/v2/Version": true,
			"POST /api/v2/Tokens": true, "GET /api/v2/Tokens/{id}": true,
			"GET /api/v2/Tags": true,
		}
		doc := s.do("GET", "/docs/v2/openapi.json", "", nil)
		require.Equal(t, http.StatusOK, doc.Status)
		require.NoError(t, json.Unmarshal(doc.Raw, &doc.JSON))
		param := regexp.MustCompile(`\{[^}]+\}`)
		checked := 0
		for path, item := range doc.JSON["paths"].(map[string]any) {
			for method := range item.(map[string]any) {
				m := strings.ToUpper(method)
				if anonymous[m+" "+path] {
					continue
				}
				r := s.do(m, param.ReplaceAllString(path, "XYZaaaaaaaaaaaaaaaaa"), "", nil)
				assert.Equal(t, http.StatusUnauthorized, r.Status, "%s %s", m, path)
				checked++
			}
		}
		assert.Greater(t, checked, 40)
	})
}
