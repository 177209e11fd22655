package httpapi_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/openbackbone/openbackbone/adapters/sqlstore"
	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/httpapi"
)

// exampleBackbone is a Backbone on an in-memory database; see the backbone
// package's examples for building one.
func exampleBackbone() (*backbone.Backbone, func()) {
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, "sqlite::memory:", sqlstore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	if err := store.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	cfg := backbone.DefaultConfig()
	cfg.DidDomainName = "localhost"
	_, cfg.TokenSigningKey, _ = ed25519.GenerateKey(nil)
	b, err := backbone.New(cfg, backbone.Drivers{Store: store})
	if err != nil {
		log.Fatal(err)
	}
	return b, func() { store.Close() }
}

func get(url string) string {
	res, err := http.Get(url)
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return fmt.Sprintf("%d %s", res.StatusCode, strings.TrimSpace(string(body)))
}

// New is the whole Consumer API as an http.Handler; Mount adds the Admin
// API on the same listener, as the reference server does.
func ExampleNew() {
	b, closeStore := exampleBackbone()
	defer closeStore()
	logger := slog.New(slog.DiscardHandler) // the host's own logger
	handler := httpapi.Mount(
		httpapi.New(b, httpapi.Options{Logger: logger}),
		httpapi.NewAdmin(b, httpapi.AdminOptions{APIKey: "operator-key", Logger: logger}),
	)
	srv := httptest.NewServer(handler) // or http.Server{Handler: handler}
	defer srv.Close()

	fmt.Println(get(srv.URL + "/api/v2/Version"))
	fmt.Println(get(srv.URL + "/api/v1/Clients")) // the Admin API wants X-API-KEY
	// Output:
	// 200 {"result":{"majorVersion":"7"}}
	// 401
}

// Under a path prefix, on any router: strip the prefix before the handler
// and tell it the prefix, which it writes into the OpenAPI document and the
// URLs it answers with. The host's middleware wraps it like any handler.
func ExampleNew_pathPrefix() {
	b, closeStore := exampleBackbone()
	defer closeStore()
	requireOperator := func(next http.Handler) http.Handler { // the host's own check
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("X-Operator-Session") == "" {
				http.Error(w, "log in first", http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	mux := http.NewServeMux()
	mux.Handle("/backbone/", http.StripPrefix("/backbone",
		httpapi.New(b, httpapi.Options{BasePath: "/backbone"})))
	mux.Handle("/backbone/admin/", requireOperator(http.StripPrefix("/backbone/admin",
		httpapi.NewAdmin(b, httpapi.AdminOptions{APIKey: "operator-key", BasePath: "/backbone/admin"}))))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	fmt.Println(get(srv.URL + "/backbone/api/v2/Version"))
	fmt.Println(get(srv.URL + "/backbone/admin/api/v1/Clients"))
	res, err := http.Post(srv.URL+"/backbone/api/v2/Challenges", "application/json", nil)
	if err != nil {
		log.Fatal(err)
	}
	res.Body.Close()
	fmt.Println(res.StatusCode, strings.HasPrefix(res.Header.Get("Location"), srv.URL+"/backbone/api/v2/Challenges/CHL"))
	// Output:
	// 200 {"result":{"majorVersion":"7"}}
	// 401 log in first
	// 201 true
}

// Register adds the operations to a huma API the embedder already has,
// next to their own; the embedder's operations keep huma's error format.
// The case-insensitive routing and response headers of New are then the
// embedder's to add.
func ExampleRegister() {
	b, closeStore := exampleBackbone()
	defer closeStore()
	mux := http.NewServeMux()
	api := humago.New(mux, httpapi.Config("My platform", "1.0"))
	huma.Get(api, "/greeting", func(ctx context.Context, _ *struct{}) (*struct{ Body string }, error) {
		return &struct{ Body string }{"hello"}, nil
	})
	httpapi.Register(api, b, httpapi.Options{})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	fmt.Println(get(srv.URL + "/greeting"))
	fmt.Println(get(srv.URL + "/api/v2/Version"))
	// Output:
	// 200 "hello"
	// 200 {"result":{"majorVersion":"7"}}
}
