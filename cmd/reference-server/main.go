// Command reference-server runs OpenBackbone with the adapters of this
// repository, configured by landscape, YAML file, environment and flags.
//
//	reference-server [flags]          serve the Consumer API
//	reference-server migrate [flags]  apply pending database migrations and exit
//	reference-server job NAME [flags] run one job once and exit: reminders,
//	                                  actual-deletion or housekeeping
//
// With no configuration it serves the dev landscape on 127.0.0.1:8080 with
// SQLite under ./data.
package main

import (
	"context"
	"errors"
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
	"github.com/openbackbone/openbackbone/internal/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "reference-server:", err)
		os.Exit(1)
	}
}

// run is main without the process: tests call it with their own arguments,
// environment and a channel that receives the listening address.
func run(ctx context.Context, args []string, getenv func(string) string, logOut io.Writer, ready chan<- string) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	var job string // jobs.go
	if cmd == "job" && len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		job, args = args[0], args[1:]
	}
	cfg, err := config.Load(args, getenv)
	if err != nil {
		return err
	}
	logger, err := newLogger(cfg, logOut)
	if err != nil {
		return err
	}
	logger = masked(logger) // telemetry.go
	switch cmd {
	case "serve":
		return serve(ctx, cfg, logger, ready)
	case "migrate":
		return migrate(ctx, cfg, logger)
	case "job":
		return runJob(ctx, cfg, logger, job)
	default:
		return fmt.Errorf("unknown command %q (known: serve, migrate, job)", cmd)
	}
}

func openStore(ctx context.Context, cfg config.Config, logger *slog.Logger) (*sqlstore.Store, error) {
	if strings.HasPrefix(cfg.Database, "sqlite:") {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, err
		}
	}
	return sqlstore.Open(ctx, cfg.Database, sqlstore.Options{Logger: logger})
}

func migrate(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	store, err := openStore(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		return err
	}
	logger.Info("database migrated", "database", redactDSN(cfg.Database))
	return nil
}

// openBackbone opens the store (migrating it when configured), the bus, the
// blob store and the push providers, and builds the Backbone on them. The
// SSE provider, if any, is returned so that serve can end open streams on
// shutdown; closeAll releases everything, in reverse order.
func openBackbone(ctx context.Context, cfg config.Config, logger *slog.Logger) (b *backbone.Backbone, sse *ssepush.Provider, closeAll func(), err error) {
	var closers []func()
	release := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	defer func() {
		if err != nil {
			release() // what was opened before the failure
		}
	}()
	store, err := openStore(ctx, cfg, logger)
	if err != nil {
		return nil, nil, nil, err
	}
	closers = append(closers, func() { store.Close() })
	if cfg.MigrateOnStart {
		if err := store.Migrate(ctx); err != nil {
			return nil, nil, nil, err
		}
	}
	key, err := signingKey(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	bcfg := backboneConfig(cfg, logger)
	bcfg.TokenSigningKey = key
	bus, err := gocloudbus.Open(ctx, cfg.Bus, gocloudbus.Options{})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("bus: %w", err)
	}
	closers = append(closers, func() { bus.Close() })
	blob, err := gocloudblob.Open(ctx, cfg.Blob, gocloudblob.Options{})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("blob: %w", err)
	}
	closers = append(closers, func() { blob.Close() })
	push, sse, err := pushProviders(ctx, cfg.Push, bus, logger)
	if err != nil {
		return nil, nil, nil, err
	}
	if sse != nil {
		closers = append(closers, func() { sse.Close() })
	}
	b, err = backbone.New(bcfg, backbone.Drivers{Store: store, Bus: bus, Blob: blob, Push: push})
	if err != nil {
		return nil, nil, nil, err
	}
	return b, sse, release, nil
}

func serve(ctx context.Context, cfg config.Config, logger *slog.Logger, ready chan<- string) error {
	b, sse, closeAll, err := openBackbone(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer closeAll()
	if err := seed(ctx, b, cfg); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	defer ln.Close() // for the returns before Serve, which closes it itself
	handler, adminHandler := apiHandlers(b, cfg, logger)
	if handler, adminHandler, err = withAdminUI(cfg, logger, handler, adminHandler); err != nil {
		return err
	}
	gw, err := newGateway(cfg, b, logger) // gateway.go: TLS, limits, rate limiting, CORS
	if err != nil {
		return err
	}
	defer gw.Close()
	obs, err := startTelemetry(cfg, b, logger) // telemetry.go: metrics, tracing
	if err != nil {
		return err
	}
	defer obs.stop()
	srv := &http.Server{
		Handler:  obs.wrap(gw.wrap(handler), true),
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	gw.configure(srv)
	var adminSrv *http.Server
	var adminLn net.Listener
	if adminHandler != nil {
		if adminLn, err = net.Listen("tcp", cfg.Admin.Listen); err != nil {
			return fmt.Errorf("admin listener: %w", err)
		}
		adminSrv = &http.Server{Handler: obs.wrap(gw.wrap(adminHandler), false), ErrorLog: srv.ErrorLog}
		gw.configure(adminSrv)
		logger.Info("serving the Admin API", "address", adminLn.Addr().String())
	}
	if sse != nil {
		// Streams never end by themselves; closing the provider ends them
		// so that Shutdown can drain.
		srv.RegisterOnShutdown(func() { _ = sse.Close() })
	}
	logger.Info("serving", "address", ln.Addr().String(), "landscape", cfg.Landscape, "database", redactDSN(cfg.Database), "didDomainName", cfg.DidDomainName)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	// Background work (outbox relay, event consumers) stops after the
	// HTTP server has drained, so events of the last requests still go out.
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	workDone := make(chan error, 1)
	go func() { workDone <- b.Run(workCtx) }()
	if cfg.Jobs.Embedded {
		go runScheduler(workCtx, b, cfg, logger)
	}
	errc := make(chan error, 1)
	go func() { errc <- gw.serve(srv, ln) }()
	adminErrc := make(chan error, 1)
	if adminSrv != nil {
		go func() { adminErrc <- gw.serve(adminSrv, adminLn) }()
	}
	select {
	case err := <-errc:
		return err
	case err := <-adminErrc:
		return fmt.Errorf("admin server: %w", err)
	case err := <-workDone:
		return fmt.Errorf("background work stopped: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if adminSrv != nil {
		if err := adminSrv.Shutdown(shutdownCtx); err != nil {
			return err
		}
	}
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	stopWork()
	return <-workDone
}

func backboneConfig(cfg config.Config, logger *slog.Logger) backbone.Config {
	c := backbone.DefaultConfig()
	c.DidDomainName = cfg.DidDomainName
	c.AccessTokenLifetime = cfg.Auth.TokenLifetime
	c.MaxFailedLogins = cfg.Auth.MaxFailedLogins
	c.LockoutDuration = cfg.Auth.LockoutDuration
	req := cfg.Auth.PasswordRequireClasses
	c.PasswordPolicy = backbone.PasswordPolicy{MinLength: cfg.Auth.PasswordMinLength, RequireUpper: req, RequireLower: req, RequireDigit: req, RequireNonAlnum: req}
	c.DefaultPageSize = cfg.Pagination.DefaultPageSize
	c.MaxPageSize = cfg.Pagination.MaxPageSize
	c.PublicRelationshipTemplateReferences = cfg.PublicRelationshipTemplateReferences
	c.MaxMessageRecipients = cfg.Messages.MaxRecipients
	c.MaxUnreceivedMessagesFromOneSender = cfg.Messages.MaxUnreceivedFromOneSender
	c.NotificationTexts = cfg.NotificationTexts
	c.Tags = backbone.TagsConfig(cfg.Tags)
	c.Push.Attempts = cfg.Push.Attempts
	c.Push.SendTimeout = cfg.Push.SendTimeout
	c.Deletion.GracePeriod = cfg.Jobs.GracePeriod
	c.Logger = logger
	return c
}

// seed creates the built-in tiers and the configured OAuth clients; every
// replica runs it on start, and it is safe to run concurrently.
func seed(ctx context.Context, b *backbone.Backbone, cfg config.Config) error {
	if _, err := b.Tiers.EnsureBuiltIn(ctx); err != nil {
		return fmt.Errorf("seed tiers: %w", err)
	}
	for _, c := range cfg.SeedClients {
		if err := b.Clients.Ensure(ctx, backbone.CreateClientRequest{ClientID: c.ClientID, ClientSecret: c.ClientSecret, DisplayName: c.DisplayName}); err != nil {
			return fmt.Errorf("seed client %s: %w", c.ClientID, err)
		}
	}
	return nil
}

func newLogger(cfg config.Config, out io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return nil, fmt.Errorf("logLevel: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch cfg.LogFormat {
	case "json":
		return slog.New(slog.NewJSONHandler(out, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(out, opts)), nil
	}
	return nil, fmt.Errorf("logFormat %q: want json or text", cfg.LogFormat)
}

// redactDSN hides a password in a database URL before it is logged.
func redactDSN(dsn string) string {
	if at := strings.LastIndex(dsn, "@"); at > 0 {
		if scheme := strings.Index(dsn, "://"); scheme > 0 && scheme < at {
			if colon := strings.Index(dsn[scheme+3:at], ":"); colon >= 0 {
				return dsn[:scheme+3+colon] + ":***" + dsn[at:]
			}
		}
	}
	return dsn
}
