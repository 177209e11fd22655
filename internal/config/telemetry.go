package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
)

// Metrics configures the Prometheus metrics.
type Metrics struct {
	// Enabled serves the metrics (default true).
	Enabled bool `yaml:"enabled"`
	// Listen is an address of their own, e.g. ":9464", so that they stay
	// off the public listener; empty serves them at /metrics on Listen.
	Listen string `yaml:"listen"`
}

// Tracing configures OpenTelemetry traces; off unless Endpoint is set.
type Tracing struct {
	// Endpoint is the OTLP/HTTP collector, http(s)://host:port; /v1/traces
	// is added unless the URL has a path. The OTEL_EXPORTER_OTLP_HEADERS
	// environment variable adds headers (e.g. credentials).
	Endpoint string `yaml:"endpoint"`
	// SampleRatio is the share of new traces recorded, 0 to 1 (default 1);
	// a request whose traceparent says sampled is always recorded.
	SampleRatio float64 `yaml:"sampleRatio"`
	// ServiceName is the service.name of the spans (default openbackbone).
	ServiceName string `yaml:"serviceName"`
}

func (c *Config) telemetryDefaults() {
	c.Metrics = Metrics{Enabled: true}
	c.Tracing = Tracing{SampleRatio: 1, ServiceName: "openbackbone"}
}

// fixedPort reports whether addr names a port; ":0" lets the system pick a
// free one, so two such addresses do not collide.
func fixedPort(addr string) bool {
	_, port, err := net.SplitHostPort(addr)
	return err == nil && port != "0"
}

func (c Config) validateTelemetry() []error {
	var errs []error
	if fixedPort(c.Metrics.Listen) && (c.Metrics.Listen == c.Listen || c.Metrics.Listen == c.Admin.Listen) {
		errs = append(errs, errors.New("config: metrics.listen must differ from listen and admin.listen; leave it empty to serve /metrics on listen"))
	}
	if c.Tracing.Endpoint != "" {
		if u, err := url.Parse(c.Tracing.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("config: tracing.endpoint %q must be an http:// or https:// URL with a host", c.Tracing.Endpoint))
		}
	}
	if c.Tracing.SampleRatio < 0 || c.Tracing.SampleRatio > 1 {
		errs = append(errs, fmt.Errorf("config: tracing.sampleRatio %v must be between 0 and 1", c.Tracing.SampleRatio))
	}
	return errs
}
