package telemetry

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// TracingConfig turns tracing on: spans of HTTP requests exported over
// OTLP/HTTP.
type TracingConfig struct {
	// Endpoint is the collector's base URL, http(s)://host:port, to which
	// /v1/traces is added unless the URL has a path of its own. Empty
	// turns tracing off: no exporter, no spans.
	Endpoint string
	// SampleRatio is the share of new traces recorded, 0 to 1; requests
	// that arrive with a sampled W3C traceparent are always recorded.
	SampleRatio float64
	// ServiceName is the service.name resource attribute.
	ServiceName string
}

// Tracing exports spans while it runs; the zero value (and nil) is tracing
// off.
type Tracing struct {
	provider *sdktrace.TracerProvider
}

// NewTracing starts the exporter when cfg.Endpoint is set. It connects
// lazily: a collector that is down loses spans, never requests.
func NewTracing(cfg TracingConfig) (*Tracing, error) {
	if cfg.Endpoint == "" {
		return &Tracing{}, nil
	}
	endpoint, err := TracesURL(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	if cfg.SampleRatio < 0 || cfg.SampleRatio > 1 {
		return nil, fmt.Errorf("telemetry: sample ratio %v must be between 0 and 1", cfg.SampleRatio)
	}
	exporter, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpointURL(endpoint))
	if err != nil {
		return nil, fmt.Errorf("telemetry: OTLP exporter: %w", err)
	}
	name := cfg.ServiceName
	if name == "" {
		name = "openbackbone"
	}
	provider := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exporter),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(cfg.SampleRatio))),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", name))),
	)
	return &Tracing{provider: provider}, nil
}

// TracesURL is endpoint with the OTLP traces path added when it has none;
// it refuses what is not an http(s) URL with a host.
func TracesURL(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("telemetry: tracing endpoint %q must be an http:// or https:// URL with a host", endpoint)
	}
	if strings.Trim(u.Path, "/") == "" {
		u.Path = "/v1/traces"
	}
	return u.String(), nil
}

// Enabled reports whether spans are exported.
func (t *Tracing) Enabled() bool { return t != nil && t.provider != nil }

// wrap starts a server span per request, continuing a W3C trace context
// from the request headers. The span is named after the method until
// observe, inside it, knows the route.
func (t *Tracing) wrap(next http.Handler) http.Handler {
	if !t.Enabled() {
		return next
	}
	return otelhttp.NewHandler(next, "http.server",
		otelhttp.WithTracerProvider(t.provider),
		otelhttp.WithPropagators(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method }),
	)
}

// Shutdown exports the spans still buffered and stops the exporter.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if !t.Enabled() {
		return nil
	}
	return t.provider.Shutdown(ctx)
}
