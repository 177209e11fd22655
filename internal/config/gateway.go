package config

import (
	"fmt"
	"net/url"
	"time"

	"github.com/openbackbone/openbackbone/internal/gateway"
)

// TLS makes the server speak HTTPS itself (TLS 1.2 and up); without it,
// TLS ends at the ingress in front.
type TLS struct {
	CertFile string `yaml:"certFile"`
	KeyFile  string `yaml:"keyFile"`
}

// HTTP bounds what one request may take of the server.
type HTTP struct {
	MaxHeaderBytes    int           `yaml:"maxHeaderBytes"`
	ReadHeaderTimeout time.Duration `yaml:"readHeaderTimeout"`
	ReadTimeout       time.Duration `yaml:"readTimeout"`
	WriteTimeout      time.Duration `yaml:"writeTimeout"`
	IdleTimeout       time.Duration `yaml:"idleTimeout"`
}

// Limits returns the settings for the gateway package.
func (h HTTP) Limits() gateway.Limits {
	return gateway.Limits{MaxHeaderBytes: h.MaxHeaderBytes, ReadHeaderTimeout: h.ReadHeaderTimeout, ReadTimeout: h.ReadTimeout, WriteTimeout: h.WriteTimeout, IdleTimeout: h.IdleTimeout}
}

// RateLimit limits requests to the APIs and the token endpoint per
// authenticated identity and per client address.
type RateLimit struct {
	PerIdentity Rate `yaml:"perIdentity"`
	PerIP       Rate `yaml:"perIp"`
	// TrustedProxies are the addresses or CIDR prefixes of the proxies
	// whose X-Forwarded-For is believed.
	TrustedProxies []string `yaml:"trustedProxies"`
	// Redis (redis:// or rediss://) shares the limits of all replicas;
	// empty limits each replica on its own.
	Redis string `yaml:"redis"`
}

// Rate is Requests per Period with bursts of up to Burst; 0 requests is no
// limit.
type Rate struct {
	Requests int           `yaml:"requests"`
	Period   time.Duration `yaml:"period"`
	Burst    int           `yaml:"burst"`
}

// Rule returns the rate for the gateway package.
func (r Rate) Rule() gateway.Rule {
	return gateway.Rule{Requests: r.Requests, Period: r.Period, Burst: r.Burst}
}

// CORS lets web pages of other origins call the APIs.
type CORS struct {
	AllowedOrigins   []string `yaml:"allowedOrigins"`
	ExposedHeaders   []string `yaml:"exposedHeaders"`
	AllowCredentials bool     `yaml:"allowCredentials"`
}

// Options returns the settings for the gateway package.
func (c CORS) Options() gateway.CORSOptions {
	return gateway.CORSOptions{AllowedOrigins: c.AllowedOrigins, ExposedHeaders: c.ExposedHeaders, AllowCredentials: c.AllowCredentials}
}

// gatewayDefaults sets the gateway duties of a built-in landscape: the
// same timeouts everywhere, rate limits outside dev (where tests and
// tools hammer the server from one address).
func (c *Config) gatewayDefaults(landscape string) {
	c.HTTP = HTTP{
		MaxHeaderBytes:    64 << 10,
		ReadHeaderTimeout: 10 * time.Second,
		// A 20 MiB upload or download over a slow mobile link.
		ReadTimeout: 2 * time.Minute, WriteTimeout: 2 * time.Minute,
		IdleTimeout: 2 * time.Minute,
	}
	c.CORS.ExposedHeaders = append([]string(nil), gateway.DefaultExposedHeaders...)
	if landscape != "dev" {
		// A syncing app sends bursts of a few dozen requests; a shared
		// address (NAT, a company proxy) carries many identities.
		c.RateLimit.PerIdentity = Rate{Requests: 1200, Period: time.Minute, Burst: 200}
		c.RateLimit.PerIP = Rate{Requests: 3000, Period: time.Minute, Burst: 600}
	}
}

func (c Config) validateGateway() []error {
	var errs []error
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		errs = append(errs, fmt.Errorf("config: give both tls.certFile and tls.keyFile, or neither"))
	}
	if err := c.HTTP.Limits().Validate(); err != nil {
		errs = append(errs, fmt.Errorf("config: http: %w", err))
	}
	if c.HTTP.MaxHeaderBytes != 0 && c.HTTP.MaxHeaderBytes < 4096 {
		errs = append(errs, fmt.Errorf("config: http.maxHeaderBytes %d is too small for a bearer token; use at least 4096", c.HTTP.MaxHeaderBytes))
	}
	for _, r := range []struct {
		name string
		rate Rate
	}{{"perIdentity", c.RateLimit.PerIdentity}, {"perIp", c.RateLimit.PerIP}} {
		if err := r.rate.Rule().Validate(); err != nil {
			errs = append(errs, fmt.Errorf("config: rateLimit.%s: %w", r.name, err))
		}
	}
	for _, p := range c.RateLimit.TrustedProxies {
		if _, err := gateway.ParseProxy(p); err != nil {
			errs = append(errs, fmt.Errorf("config: rateLimit.trustedProxies: %w", err))
		}
	}
	if c.RateLimit.Redis != "" {
		if u, err := url.Parse(c.RateLimit.Redis); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
			errs = append(errs, fmt.Errorf("config: rateLimit.redis must be a redis:// or rediss:// URL"))
		}
	}
	if err := c.CORS.Options().Validate(); err != nil {
		errs = append(errs, fmt.Errorf("config: cors: %w", err))
	}
	return errs
}
