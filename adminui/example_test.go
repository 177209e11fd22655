package adminui_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/openbackbone/openbackbone/adminui"
)

// An embedder serves the UI beside its own Admin API, on the same origin.
func ExampleHandler() {
	ui, err := adminui.Handler(adminui.Options{Prefix: "/admin/", APIBase: "/api/v1"})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/admin/", ui)
	// mux.Handle("/api/v1/", httpapi.NewAdmin(b, httpapi.AdminOptions{APIKey: key}))

	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/admin/", nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	// Output: 200 text/html; charset=utf-8
}
