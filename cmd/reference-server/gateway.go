package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/internal/config"
	"github.com/openbackbone/openbackbone/internal/gateway"
)

// streamPaths are the routes that hold a response open for hours (the
// server-sent events of httpapi/push.go); the server's timeouts spare them.
var streamPaths = []string{"/api/v1/sse", "/api/v2/sse"}

// gatewayDuties are what the server does in place of a gateway in front:
// TLS, limits and timeouts, rate limiting and CORS. One value serves both
// listeners, so the Admin API's listener shares the rate limits.
type gatewayDuties struct {
	cfg     config.Config
	tls     *tls.Config
	limiter gateway.Limiter
	rate    gateway.RateLimitOptions
}

func newGateway(cfg config.Config, b *backbone.Backbone, logger *slog.Logger) (*gatewayDuties, error) {
	g := &gatewayDuties{cfg: cfg}
	if cfg.TLS.CertFile != "" {
		var err error
		if g.tls, err = gateway.TLSConfig(cfg.TLS.CertFile, cfg.TLS.KeyFile); err != nil {
			return nil, err
		}
	}
	clientIP, err := gateway.NewClientIP(cfg.RateLimit.TrustedProxies)
	if err != nil {
		return nil, err
	}
	g.limiter = gateway.NewMemoryLimiter(nil)
	if cfg.RateLimit.Redis != "" {
		rl, err := gateway.NewRedisLimiter(cfg.RateLimit.Redis, logger)
		if err != nil {
			return nil, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if err := rl.Ping(ctx); err != nil {
			// Not fatal: the limiter falls back to per-replica limits
			// until Redis answers.
			logger.Warn("rate limiting: Redis does not answer yet", "error", err)
		}
		cancel()
		g.limiter = rl
	}
	g.rate = gateway.RateLimitOptions{
		PerIdentity: cfg.RateLimit.PerIdentity.Rule(),
		PerIP:       cfg.RateLimit.PerIP.Rule(),
		Identify:    identify(b),
		ClientIP:    clientIP,
		Limiter:     g.limiter,
		Logger:      logger,
	}
	return g, nil
}

// identify names the caller by the identity address in its access token.
// Checking the token is a signature check, no database query.
func identify(b *backbone.Backbone) func(*http.Request) string {
	return func(r *http.Request) string {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			return ""
		}
		c, err := b.Auth.Authenticate(strings.TrimSpace(token))
		if err != nil {
			return ""
		}
		return c.Address
	}
}

// wrap puts the duties around h: CORS outermost, so that preflights are
// answered without counting and refusals stay readable to web pages; then
// rate limiting; then the lifting of timeouts for streams.
func (g *gatewayDuties) wrap(h http.Handler) http.Handler {
	return gateway.CORS(gateway.RateLimit(gateway.Streams(h, streamPaths...), g.rate), g.cfg.CORS.Options())
}

// configure sets the limits, timeouts and TLS on srv.
func (g *gatewayDuties) configure(srv *http.Server) {
	g.cfg.HTTP.Limits().Apply(srv)
	srv.TLSConfig = g.tls
}

// serve serves srv on ln, over TLS when configured.
func (g *gatewayDuties) serve(srv *http.Server, ln net.Listener) error {
	if srv.TLSConfig != nil {
		return srv.ServeTLS(ln, "", "")
	}
	return srv.Serve(ln)
}

func (g *gatewayDuties) Close() error {
	if err := g.limiter.Close(); err != nil {
		return fmt.Errorf("rate limiter: %w", err)
	}
	return nil
}
