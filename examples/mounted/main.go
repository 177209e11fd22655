// Command mounted is an existing web application that embeds a Backbone:
// the application keeps its own routes, logger and request logging, serves
// the Consumer API under /backbone/ and the Admin API under
// /backbone/admin/, where its own operator login (HTTP basic auth) comes
// before the Admin API's key.
//
//	go run ./examples/mounted -listen 127.0.0.1:8080 -operator alice:wonderland -admin-key secret
//	curl localhost:8080/backbone/api/v2/Version
//	curl -u alice:wonderland -H 'X-API-KEY: secret' localhost:8080/backbone/admin/api/v1/Clients
package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

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
	if err := run(ctx, os.Args[1:], os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "mounted:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends, logging JSON to logOut; ready, if not nil,
// receives the listening address.
func run(ctx context.Context, args []string, logOut io.Writer, ready chan<- string) error {
	fs := flag.NewFlagSet("mounted", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8080", "address to serve on")
	db := fs.String("db", "sqlite:mounted.db", "database: sqlite:PATH or postgres://…")
	blobURL := fs.String("blob", "mem://", "blob store URL, e.g. file:///var/lib/app/blobs")
	operator := fs.String("operator", "", "USER:PASSWORD of the application's operator login (required)")
	adminKey := fs.String("admin-key", "", "Admin API key (empty refuses every Admin API request)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	user, password, ok := strings.Cut(*operator, ":")
	if !ok || user == "" || password == "" {
		return errors.New("-operator USER:PASSWORD is required")
	}
	// The application's logger; the Backbone and its adapters log through
	// it, so their records land where the application's do.
	logger := slog.New(slog.NewJSONHandler(logOut, &slog.HandlerOptions{Level: slog.LevelInfo}))

	b, closeAll, err := openBackbone(ctx, *db, *blobURL, logger)
	if err != nil {
		return err
	}
	defer closeAll()

	app := http.NewServeMux()
	app.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "Welcome to the application.\n")
	})
	// The Backbone's handlers see paths without the prefix; BasePath puts
	// it back into the OpenAPI documents and the URLs the API answers with.
	app.Handle("/backbone/", http.StripPrefix("/backbone",
		httpapi.New(b, httpapi.Options{Logger: logger, BasePath: "/backbone"})))
	app.Handle("/backbone/admin/", requireOperator(user, password, http.StripPrefix("/backbone/admin",
		httpapi.NewAdmin(b, httpapi.AdminOptions{APIKey: *adminKey, Logger: logger, BasePath: "/backbone/admin"}))))

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: logRequests(logger, app), ReadHeaderTimeout: 10 * time.Second}
	// Background work gets its own context so that the events of the last
	// requests are still published while the server drains.
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	work := make(chan error, 1)
	go func() { work <- b.Run(workCtx) }()
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	logger.Info("serving", "address", ln.Addr().String())
	if ready != nil {
		ready <- ln.Addr().String()
	}
	select {
	case err := <-serveErr:
		stopWork()
		<-work
		return err
	case err := <-work:
		_ = srv.Close()
		return fmt.Errorf("background work stopped: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	stopWork()
	return <-work
}

// openBackbone builds the Backbone on the adapters; closeAll releases them.
func openBackbone(ctx context.Context, db, blobURL string, logger *slog.Logger) (*backbone.Backbone, func(), error) {
	var closers []func() error
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			_ = closers[i]()
		}
	}
	fail := func(err error) (*backbone.Backbone, func(), error) { closeAll(); return nil, nil, err }

	store, err := sqlstore.Open(ctx, db, sqlstore.Options{Logger: logger})
	if err != nil {
		return fail(err)
	}
	closers = append(closers, store.Close)
	if err := store.Migrate(ctx); err != nil {
		return fail(err)
	}
	bus, err := gocloudbus.Open(ctx, "mem://", gocloudbus.Options{})
	if err != nil {
		return fail(err)
	}
	closers = append(closers, bus.Close)
	blobs, err := gocloudblob.Open(ctx, blobURL, gocloudblob.Options{})
	if err != nil {
		return fail(err)
	}
	closers = append(closers, blobs.Close)
	sse, err := ssepush.Open(ctx, bus, ssepush.Options{Logger: logger})
	if err != nil {
		return fail(err)
	}
	// Closed first: it ends open event streams, which would keep the
	// server from draining.
	closers = append(closers, sse.Close)

	cfg := backbone.DevelopmentConfig()
	cfg.DidDomainName = "localhost"
	_, cfg.TokenSigningKey, _ = ed25519.GenerateKey(nil) // replicas need a shared, stored key
	cfg.NotificationTexts = []backbone.NotificationText{{Code: "TestCode", Translations: map[string]backbone.PushMessage{"en": {Title: "Test", Body: "A test notification."}}}}
	cfg.Logger = logger
	b, err := backbone.New(cfg, backbone.Drivers{Store: store, Bus: bus, Blob: blobs, Push: []driver.Push{sse}})
	if err != nil {
		return fail(err)
	}
	if _, err := b.Tiers.EnsureBuiltIn(ctx); err != nil {
		return fail(err)
	}
	if err := b.Clients.Ensure(ctx, backbone.CreateClientRequest{ClientID: "test", ClientSecret: "test"}); err != nil {
		return fail(err)
	}
	return b, closeAll, nil
}
