package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/httpapi"
	"github.com/openbackbone/openbackbone/internal/config"
	"github.com/openbackbone/openbackbone/internal/telemetry"
)

// outboxScrapeTimeout bounds the outbox query of one metrics scrape.
const outboxScrapeTimeout = 2 * time.Second

// masked returns logger with identity addresses, device IDs, usernames and
// credentials masked in every record, as the reference's log enricher does.
func masked(logger *slog.Logger) *slog.Logger {
	return slog.New(telemetry.MaskingHandler(logger.Handler()))
}

// observability is the metrics registry, the span exporter and, when the
// metrics have an address of their own, their server.
type observability struct {
	metrics    *telemetry.Metrics // nil when metrics.enabled is false
	tracing    *telemetry.Tracing
	metricsSrv *http.Server
	logger     *slog.Logger
}

// startTelemetry builds what cfg.Metrics and cfg.Tracing ask for and starts
// the metrics listener if it is separate.
func startTelemetry(cfg config.Config, b *backbone.Backbone, logger *slog.Logger) (*observability, error) {
	o := &observability{logger: logger}
	tracing, err := telemetry.NewTracing(telemetry.TracingConfig{
		Endpoint: cfg.Tracing.Endpoint, SampleRatio: cfg.Tracing.SampleRatio, ServiceName: cfg.Tracing.ServiceName,
	})
	if err != nil {
		return nil, err
	}
	o.tracing = tracing
	if tracing.Enabled() {
		logger.Info("exporting traces", "endpoint", cfg.Tracing.Endpoint, "sampleRatio", cfg.Tracing.SampleRatio)
	}
	if !cfg.Metrics.Enabled {
		return o, nil
	}
	o.metrics = telemetry.NewMetrics()
	if err := o.metrics.Register(telemetry.NewBackboneCollector(b, outboxScrapeTimeout, logger)); err != nil {
		return nil, err
	}
	if cfg.Metrics.Listen != "" {
		ln, err := net.Listen("tcp", cfg.Metrics.Listen)
		if err != nil {
			_ = tracing.Shutdown(context.Background())
			return nil, fmt.Errorf("metrics listener: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET "+telemetry.MetricsPath, o.metrics.Handler())
		o.metricsSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
		go func() {
			if err := o.metricsSrv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				logger.Error("metrics listener stopped", "error", err)
			}
		}()
		logger.Info("serving metrics", "address", ln.Addr().String()+telemetry.MetricsPath)
	}
	return o, nil
}

// wrap observes h; the main listener also serves /metrics unless they have
// a listener of their own. A nil h (no separate Admin listener) stays nil.
func (o *observability) wrap(h http.Handler, main bool) http.Handler {
	if h == nil {
		return nil
	}
	return telemetry.Wrap(h, o.metrics, o.tracing, httpapi.RecordRoute, main && o.metricsSrv == nil)
}

// stop flushes the spans of the last requests and closes the metrics
// listener; serve calls it after the HTTP servers drained.
func (o *observability) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if o.metricsSrv != nil {
		_ = o.metricsSrv.Shutdown(ctx)
	}
	if err := o.tracing.Shutdown(ctx); err != nil {
		o.logger.Warn("flushing traces failed", "error", err)
	}
}
