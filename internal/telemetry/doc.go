// Package telemetry is the reference server's observability: Prometheus
// metrics on a private registry, OpenTelemetry traces exported over
// OTLP/HTTP when configured, and a slog handler that masks personal data.
// It wraps HTTP handlers from the outside and reads the Backbone through
// its public accessors (Check, OutboxBacklog, PushStats), so package
// backbone and httpapi stay free of metric and tracing libraries.
package telemetry
