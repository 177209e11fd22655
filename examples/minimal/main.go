// Command minimal is the smallest useful embedded Backbone: SQLite, the
// in-process bus and a blob directory, with the Consumer API and the Admin
// API on one listener. One process, no replicas: the bus and the signing key
// live in memory.
//
//	go run ./examples/minimal -listen 127.0.0.1:8080 -data ./data -admin-key secret
package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/openbackbone/openbackbone/adapters/gocloudblob"
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
		fmt.Fprintln(os.Stderr, "minimal:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends; ready, if not nil, receives the address.
func run(ctx context.Context, args []string, ready chan<- string) error {
	fs := flag.NewFlagSet("minimal", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8080", "address to serve on")
	data := fs.String("data", "./data", "directory for the database and the file contents")
	adminKey := fs.String("admin-key", "", "Admin API key (empty refuses every Admin API request)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(*data, "blobs"), 0o700); err != nil {
		return err
	}
	store, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(*data, "backbone.db"), sqlstore.Options{})
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
	blobDir, _ := filepath.Abs(filepath.Join(*data, "blobs"))
	blobs, err := gocloudblob.Open(ctx, "file://"+filepath.ToSlash(blobDir), gocloudblob.Options{})
	if err != nil {
		return err
	}
	defer blobs.Close()
	sse, err := ssepush.Open(ctx, bus, ssepush.Options{}) // push over server-sent events
	if err != nil {
		return err
	}
	defer sse.Close()

	cfg := backbone.DevelopmentConfig()
	cfg.DidDomainName = "localhost"
	// A fresh key per start logs every device out on restart; replicas
	// and restarts need one loaded from a secret store.
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

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: httpapi.Mount(httpapi.New(b, httpapi.Options{}), httpapi.NewAdmin(b, httpapi.AdminOptions{APIKey: *adminKey}))}
	srv.RegisterOnShutdown(func() { _ = sse.Close() }) // ends open event streams
	work := make(chan error, 1)
	// Outbox relay and event consumers. They stop with the server here, so
	// events of the last requests wait in the outbox for the next start;
	// examples/mounted stops them after draining.
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
