package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// majorVersion is the Backbone major version this server is compatible
// with. Clients check it against their supported range (6 to 7 today).
const majorVersion = "7"

// versionDTO carries the major version as a string, as the reference does.
type versionDTO struct {
	MajorVersion string `json:"majorVersion"`
}

type versionOutput struct {
	Body result[versionDTO]
}

func (h *handlers) registerVersion(api huma.API) {
	huma.Register(api, h.op(huma.Operation{
		OperationID: "get-version",
		Method:      http.MethodGet,
		Path:        "/api/v2/Version",
		Summary:     "Get the Backbone's major version",
		Tags:        []string{"Version"},
	}, authNone), func(context.Context, *struct{}) (*versionOutput, error) {
		return &versionOutput{Body: result[versionDTO]{versionDTO{MajorVersion: majorVersion}}}, nil
	})
}
