// Command customblob serves a Backbone whose file contents live in a blob
// store written right here (dedupblob.go), not in one of the repository's
// adapters: any driver.Blob that passes conformance/blobtest will do.
// GET /blobstats shows what deduplication saved.
//
//	go run ./examples/customblob -listen 127.0.0.1:8080
package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/openbackbone/openbackbone/adapters/gocloudbus"
	"github.com/openbackbone/openbackbone/adapters/sqlstore"
	"github.com/openbackbone/openbackbone/adapters/ssepush"
	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/httpapi"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], nil); err != nil {
		fmt.Fprintln(os.Stderr, "customblob:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends; ready, if not nil, receives the address.
func run(ctx context.Context, args []string, ready chan<- string) error {
	fs := flag.NewFlagSet("customblob", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8080", "address to serve on")
	db := fs.String("db", "sqlite::memory:", "database: sqlite:PATH or postgres://…")
	adminKey := fs.String("admin-key", "", "Admin API key (empty refuses every Admin API request)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	store, err := sqlstore.Open(ctx, *db, sqlstore.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		return err
	}
	bus, err := gocloudbus.Open(ctx, "mem://", gocloudbus.Options{})
	if err != nil {
		return err
	}
	defer bus.Close()
	sse, err := ssepush.Open(ctx, bus, ssepush.Options{})
	if err != nil {
		return err
	}
	defer sse.Close()
	blobs := newDedupBlob()
	defer blobs.Close()

	cfg := backbone.DevelopmentConfig()
	cfg.DidDomainName = "localhost"
	_, cfg.TokenSigningKey, _ = ed25519.GenerateKey(nil)
	cfg.NotificationTexts = []backbone.NotificationText{{Code: "TestCode", Translations: map[string]backbone.PushMessage{"en": {Title: "Test", Body: "A test notification."}}}}
	b, err := backbone.New(cfg, backbone.Drivers{Store: store, Bus: bus, Blob: blobs, Push: []driver.Push{sse}})
	if err != nil {
		return err
	}
	if _, err := b.Tiers.EnsureBuiltIn(ctx); err != nil {
		return err
	}
	if err := b.Clients.Ensure(ctx, backbone.CreateClientRequest{ClientID: "test", ClientSecret: "test"}); err != nil {
		return err
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /blobstats", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(blobs.Stats())
	})
	mux.Handle("/", httpapi.Mount(httpapi.New(b, httpapi.Options{}), httpapi.NewAdmin(b, httpapi.AdminOptions{APIKey: *adminKey})))
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux}
	srv.RegisterOnShutdown(func() { _ = sse.Close() })
	work := make(chan error, 1)
	go func() { work <- b.Run(ctx) }()
	go func() { <-ctx.Done(); _ = srv.Shutdown(context.WithoutCancel(ctx)) }()
	if ready != nil {
		ready <- ln.Addr().String()
	}
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return <-work
}
