package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The wire types are unexported, which huma copes with in two ways these
// tests pin: it capitalises type names into schema names, so the documents
// keep the names clients know, and it ignores embedded structs of
// unexported types, so what lists share (the paging parameters) must come
// from an exported type under internal/.
func TestOpenAPIDocumentsOfUnexportedWireTypes(t *testing.T) {
	s := newServer(t, "sqlite")
	docs := map[string]map[string]any{}
	for name, path := range map[string]string{"consumer": "/docs/v2/openapi.json", "admin": "/docs/v1/openapi.json"} {
		r := s.do("GET", path, "", nil)
		require.Equal(t, http.StatusOK, r.Status, path)
		var doc map[string]any
		require.NoError(t, json.Unmarshal(r.Raw, &doc))
		docs[name] = doc
	}
	schemas := func(doc string) map[string]any {
		return docs[doc]["components"].(map[string]any)["schemas"].(map[string]any)
	}

	t.Run("SchemaNamesAreCapitalised", func(t *testing.T) {
		for doc := range docs {
			for name := range schemas(doc) {
				assert.True(t, unicode.IsUpper(rune(name[0])), "%s: %s", doc, name)
			}
		}
		for _, name := range []string{"ChallengeDTO", "ResultChallengeDTO", "PagedMessageDTO", "Pagination", "ModificationInput"} {
			assert.Contains(t, schemas("consumer"), name)
		}
		assert.Contains(t, schemas("admin"), "ResultAdminDeletionProcessDetailsDTO")
	})

	t.Run("EveryPagedListTakesThePageParameters", func(t *testing.T) {
		lists := 0
		for doc := range docs {
			for path, item := range docs[doc]["paths"].(map[string]any) {
				get, ok := item.(map[string]any)["get"].(map[string]any)
				if !ok {
					continue
				}
				ok200, _ := get["responses"].(map[string]any)["200"].(map[string]any)
				content, _ := ok200["content"].(map[string]any)
				media, _ := content["application/json"].(map[string]any)
				schema, _ := media["schema"].(map[string]any)
				if ref, _ := schema["$ref"].(string); !strings.HasPrefix(ref, "#/components/schemas/Paged") {
					continue
				}
				lists++
				var params []string
				for _, p := range get["parameters"].([]any) {
					params = append(params, p.(map[string]any)["name"].(string))
				}
				assert.Subset(t, params, []string{"pageNumber", "pageSize"}, "GET %s", path)
			}
		}
		assert.GreaterOrEqual(t, lists, 12)
	})

	t.Run("AdminDeletionProcessDetailsDocumentsTheProcess", func(t *testing.T) {
		props := schemas("admin")["AdminDeletionProcessDetailsDTO"].(map[string]any)["properties"].(map[string]any)
		process := schemas("admin")["DeletionProcessDTO"].(map[string]any)["properties"].(map[string]any)
		require.NotEmpty(t, process)
		for name, p := range process {
			assert.Equal(t, p, props[name], name)
		}
		assert.Contains(t, props, "auditLog")
	})
}
