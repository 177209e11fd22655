package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// CORSOptions configure CORS. With no allowed origins CORS is off and
// browsers keep pages of other origins from reading the API.
type CORSOptions struct {
	// AllowedOrigins are the origins (scheme://host[:port]) whose pages
	// may call the API, or "*" for any (not with AllowCredentials).
	AllowedOrigins []string
	// ExposedHeaders are the response headers such pages may read.
	ExposedHeaders []string
	// AllowCredentials lets such pages send cookies and Authorization.
	AllowCredentials bool
}

// DefaultExposedHeaders is the reference's default list (its Helm chart's
// Cors:ExposedHeaders).
var DefaultExposedHeaders = []string{"X-Request-Time", "X-Response-Time", "X-Response-Duration-ms", "X-Trace-Id"}

// preflightMaxAge is how long browsers may cache a preflight answer, in
// seconds: short, so a configuration change takes effect soon.
const preflightMaxAge = "600"

// Validate reports origins that can never match and a wildcard with
// credentials, which browsers reject and which would hand any site the
// caller's session.
func (o CORSOptions) Validate() error {
	var errs []error
	for _, origin := range o.AllowedOrigins {
		if origin == "*" {
			if o.AllowCredentials {
				errs = append(errs, errors.New(`allowed origin "*" cannot be combined with allowCredentials; list the origins`))
			}
			continue
		}
		u, err := url.Parse(origin)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			errs = append(errs, fmt.Errorf("allowed origin %q: want scheme://host[:port], such as https://app.example.org", origin))
		}
	}
	return errors.Join(errs...)
}

// CORS answers preflight requests of allowed origins and marks their
// actual requests readable; any header and method may be used, as in the
// reference. Requests of other origins pass unmarked.
func CORS(next http.Handler, o CORSOptions) http.Handler {
	if len(o.AllowedOrigins) == 0 {
		return next
	}
	anyOrigin := slices.Contains(o.AllowedOrigins, "*")
	allowed := map[string]bool{}
	for _, origin := range o.AllowedOrigins {
		allowed[strings.TrimSuffix(strings.ToLower(origin), "/")] = true
	}
	exposed := strings.Join(o.ExposedHeaders, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		h := w.Header()
		h.Add("Vary", "Origin")
		preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
		if origin == "" || !(anyOrigin || allowed[strings.ToLower(origin)]) {
			if preflight {
				// Not ours to allow: answer without permission rather than
				// hand a preflight to the API, which has no OPTIONS routes.
				w.WriteHeader(http.StatusNoContent)
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		if anyOrigin {
			h.Set("Access-Control-Allow-Origin", "*")
		} else {
			h.Set("Access-Control-Allow-Origin", origin)
		}
		if o.AllowCredentials {
			h.Set("Access-Control-Allow-Credentials", "true")
		}
		if preflight {
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			h.Set("Access-Control-Allow-Methods", r.Header.Get("Access-Control-Request-Method"))
			if hdrs := r.Header.Get("Access-Control-Request-Headers"); hdrs != "" {
				h.Set("Access-Control-Allow-Headers", hdrs)
			}
			h.Set("Access-Control-Max-Age", preflightMaxAge)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if exposed != "" {
			h.Set("Access-Control-Expose-Headers", exposed)
		}
		next.ServeHTTP(w, r)
	})
}
