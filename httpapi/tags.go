package httpapi

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/openbackbone/openbackbone/backbone"
)

type listTagsInput struct {
	IfNoneMatch string `header:"If-None-Match" doc:"the ETag of a cached tag collection"`
}

// listTagsOutput carries the prepared body, so that the ETag is the hash of
// exactly the bytes sent.
type listTagsOutput struct {
	Status      int
	ETag        string  `header:"ETag"`
	ContentType *string `header:"Content-Type"`
	Body        []byte
}

func (h *handlers) registerTags(api huma.API) {
	// The tree is configuration: serialize and hash it once.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(result[backbone.TagsConfig]{h.b.Tags.Get()}); err != nil {
		panic("httpapi: encode tags: " + err.Error()) // maps of strings always encode
	}
	body := bytes.TrimRight(buf.Bytes(), "\n")
	sum := md5.Sum(body)
	etag := `"` + base64.StdEncoding.EncodeToString(sum[:]) + `"`
	contentType := "application/json; charset=utf-8"

	huma.Register(api, h.op(huma.Operation{
		OperationID: "list-tags",
		Method:      http.MethodGet,
		Path:        "/api/v2/Tags",
		Summary:     "List the tags for attribute values",
		Description: "The configured tag tree. The ETag is the base64 MD5 of the body; a matching If-None-Match is answered 304 without body.",
		Tags:        []string{"Tags"},
		Responses: map[string]*huma.Response{
			"200": {Description: "The tag collection", Content: map[string]*huma.MediaType{"application/json": {
				Schema: huma.SchemaFromType(api.OpenAPI().Components.Schemas, reflect.TypeFor[result[backbone.TagsConfig]]()),
			}}},
			"304": {Description: "Unchanged since the ETag sent"},
		},
	}, authNone), func(_ context.Context, in *listTagsInput) (*listTagsOutput, error) {
		if etagMatches(in.IfNoneMatch, etag) {
			return &listTagsOutput{Status: http.StatusNotModified, ETag: etag}, nil
		}
		return &listTagsOutput{Status: http.StatusOK, ETag: etag, ContentType: &contentType, Body: body}, nil
	})
}

// etagMatches applies If-None-Match's weak comparison (RFC 9110 §13.1.2):
// any listed tag equal to etag once W/ is ignored, or *.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
