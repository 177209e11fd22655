package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// MajorVersion is the Backbone major version this server is compatible
// with. Clients check it against their supported range (6 to 7 today).
const MajorVersion = "7"

// VersionDTO carries the major version as a string, as the reference does.
type VersionDTO struct {
	MajorVersion string `json:"majorVersion"`
}

type versionOutput struct {
	Body Result[VersionDTO]
}

func (h *handlers) registerVersion(api huma.API) {
	huma.Register(api, h.op(huma.Operation{
		OperationID: "get-version",
		Method:      http.MethodGet,
		Path:        "/api/v2/Version",
		Summary:     "Get the Backbone's major version",
		Tags:        []string{"Version"},
	}, authNone), func(context.Context, *struct{}) (*versionOutput, error) {
		return &versionOutput{Body: Result[VersionDTO]{VersionDTO{MajorVersion: MajorVersion}}}, nil
	})
}
