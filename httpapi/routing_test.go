package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/stretchr/testify/assert"
)

type echoInput struct {
	ID       string `path:"id"`
	PageSize int    `query:"pageSize"`
}

type echoOutput struct {
	Body struct {
		Route    string `json:"route"`
		ID       string `json:"id"`
		PageSize int    `json:"pageSize"`
	}
}

func TestRouterCanonicalizesPathsAndQueryNames(t *testing.T) {
	mux := http.NewServeMux()
	api := humago.New(mux, Config("t", "1"))
	reg := func(method, path string) {
		huma.Register(api, huma.Operation{OperationID: method + path, Method: method, Path: path},
			func(_ context.Context, in *echoInput) (*echoOutput, error) {
				out := &echoOutput{}
				out.Body.Route, out.Body.ID, out.Body.PageSize = method+" "+path, in.ID, in.PageSize
				return out, nil
			})
	}
	reg("GET", "/api/v2/Files/{id}/Metadata")
	reg("DELETE", "/api/v2/Devices/{id}")
	huma.Register(api, huma.Operation{OperationID: "self", Method: "PUT", Path: "/api/v2/Devices/Self"},
		func(context.Context, *struct{}) (*echoOutput, error) {
			out := &echoOutput{}
			out.Body.Route = "PUT /api/v2/Devices/Self"
			return out, nil
		})
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotFound) })
	h := newRouter(api, mux)

	for _, tc := range []struct{ method, path, want string }{
		{"GET", "/api/v2/files/FILx/metadata?PageSize=3", `{"route":"GET /api/v2/Files/{id}/Metadata","id":"FILx","pageSize":3}`},
		{"GET", "/API/V2.0/FILES/FILx/METADATA", `{"route":"GET /api/v2/Files/{id}/Metadata","id":"FILx","pageSize":0}`},
		{"PUT", "/api/v2/devices/self", `{"route":"PUT /api/v2/Devices/Self","id":"","pageSize":0}`},
		{"DELETE", "/api/v2/devices/self", `{"route":"DELETE /api/v2/Devices/{id}","id":"self","pageSize":0}`},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		assert.Equal(t, http.StatusOK, rec.Code, tc.path)
		assert.JSONEq(t, tc.want, rec.Body.String(), tc.path)
	}
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/api/v2/Devices/Self", http.StatusMethodNotAllowed},
		{"POST", "/api/v2/Files/x/Metadata", http.StatusMethodNotAllowed},
		{"GET", "/api/v3/Files/x/Metadata", http.StatusNotFound},
		{"GET", "/nothing", http.StatusNotFound},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		assert.Equal(t, tc.status, rec.Code, tc.path)
		assert.Empty(t, rec.Body.String(), tc.path)
	}
}
