package gateway

import (
	"log/slog"
	"net/http"
	"strings"
)

// RateLimitOptions configure RateLimit.
type RateLimitOptions struct {
	// PerIdentity limits each authenticated caller, PerIP each client
	// address; a request must pass both.
	PerIdentity Rule
	PerIP       Rule
	// Identify names the caller of a request ("" when anonymous). It runs
	// on every limited request, so it must be cheap: the reference server
	// checks the access token's signature, without the database.
	Identify func(*http.Request) string
	// ClientIP finds the client's address (nil: the peer's address).
	ClientIP *ClientIP
	Limiter  Limiter
	Logger   *slog.Logger
}

// Limited reports whether the rate limiter counts a path: the APIs and the
// token endpoint, not health checks, metrics or static pages.
func Limited(path string) bool {
	// The API matches paths case-insensitively, so must the limit, or
	// /API/v2/… would be served unlimited.
	path = strings.ToLower(path)
	return strings.HasPrefix(path, "/api/") || path == "/connect/token"
}

// RateLimit refuses requests over their limits with 429 and Retry-After.
// A failing limiter lets requests through (fail open) and logs why.
func RateLimit(next http.Handler, o RateLimitOptions) http.Handler {
	if !o.PerIdentity.Enabled() && !o.PerIP.Enabled() {
		return next
	}
	if o.ClientIP == nil {
		o.ClientIP = &ClientIP{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Limiter == nil {
		o.Limiter = NewMemoryLimiter(nil)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !Limited(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		if o.PerIP.Enabled() {
			if ip := o.ClientIP.Of(r); ip.IsValid() && !o.take(w, r, "ip:"+ip.String(), o.PerIP) {
				return
			}
		}
		if o.PerIdentity.Enabled() && o.Identify != nil {
			if id := o.Identify(r); id != "" && !o.take(w, r, "id:"+id, o.PerIdentity) {
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// take counts the request under key and answers 429 when it is over.
func (o RateLimitOptions) take(w http.ResponseWriter, r *http.Request, key string, rule Rule) bool {
	allowed, retryAfter, err := o.Limiter.Take(r.Context(), key, rule)
	if err != nil {
		o.Logger.WarnContext(r.Context(), "rate limiter failed; letting the request through", "error", err)
		return true
	}
	if !allowed {
		writeTooMany(w, retryAfter)
		return false
	}
	return true
}
