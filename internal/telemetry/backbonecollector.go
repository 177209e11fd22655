package telemetry

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/openbackbone/openbackbone/backbone"
)

// BackboneSource is what the collector reads; *backbone.Backbone has it.
type BackboneSource interface {
	OutboxBacklog(ctx context.Context) (backbone.OutboxBacklog, error)
	PushStats() map[string]backbone.PushStats
	ConsumerStats() []backbone.ConsumerStats
}

// backboneCollector reads the outbox backlog and the push counts when
// Prometheus scrapes, so that there is no sampling loop to run and stop and
// the numbers are as fresh as the scrape.
type backboneCollector struct {
	src     BackboneSource
	timeout time.Duration
	now     func() time.Time
	logger  *slog.Logger

	outboxCount, outboxAge, outboxUp, push, consumed *prometheus.Desc
}

// NewBackboneCollector returns a collector of the outbox lag and the push
// results of src. The outbox query gets at most timeout per scrape; when it
// fails or times out, openbackbone_outbox_up is 0 and the lag is left out.
func NewBackboneCollector(src BackboneSource, timeout time.Duration, logger *slog.Logger) prometheus.Collector {
	if logger == nil {
		logger = slog.Default()
	}
	return &backboneCollector{
		src: src, timeout: timeout, now: time.Now, logger: logger,
		outboxCount: prometheus.NewDesc(namespace+"_outbox_pending_messages",
			"Domain events in the outbox not yet published on the bus.", nil, nil),
		outboxAge: prometheus.NewDesc(namespace+"_outbox_oldest_message_age_seconds",
			"Age of the oldest domain event not yet published on the bus (0 when none waits): the outbox lag.", nil, nil),
		outboxUp: prometheus.NewDesc(namespace+"_outbox_up",
			"1 when the outbox backlog could be read at this scrape, else 0.", nil, nil),
		push: prometheus.NewDesc(namespace+"_push_notifications_total",
			"Push notification results by provider platform and outcome: sent, retried, gave_up, dead_handle, undeliverable, dropped.",
			[]string{"platform", "outcome"}, nil),
		consumed: prometheus.NewDesc(namespace+"_bus_consumed_events_total",
			"Events handled by the bus consumers, by subscription, topic and outcome: processed, or failed (and delivered again).",
			[]string{"subscription", "topic", "outcome"}, nil),
	}
}

func (c *backboneCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.outboxCount
	ch <- c.outboxAge
	ch <- c.outboxUp
	ch <- c.push
	ch <- c.consumed
}

func (c *backboneCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	backlog, err := c.src.OutboxBacklog(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(c.outboxUp, prometheus.GaugeValue, 0)
		if !errors.Is(err, backbone.ErrNotChecked) {
			c.logger.Warn("metrics: reading the outbox backlog failed", "error", err)
		}
	} else {
		ch <- prometheus.MustNewConstMetric(c.outboxUp, prometheus.GaugeValue, 1)
		ch <- prometheus.MustNewConstMetric(c.outboxCount, prometheus.GaugeValue, float64(backlog.Count))
		age := 0.0
		if backlog.Count > 0 && !backlog.Oldest.IsZero() {
			age = max(0, c.now().Sub(backlog.Oldest).Seconds())
		}
		ch <- prometheus.MustNewConstMetric(c.outboxAge, prometheus.GaugeValue, age)
	}
	for platform, s := range c.src.PushStats() {
		for outcome, n := range map[string]int64{
			"sent": s.Sent, "retried": s.Retried, "gave_up": s.GaveUp,
			"dead_handle": s.InvalidHandles, "undeliverable": s.Undeliverable, "dropped": s.Dropped,
		} {
			ch <- prometheus.MustNewConstMetric(c.push, prometheus.CounterValue, float64(n), platform, outcome)
		}
	}
	for _, s := range c.src.ConsumerStats() {
		ch <- prometheus.MustNewConstMetric(c.consumed, prometheus.CounterValue, float64(s.Processed), s.Subscription, s.Topic, "processed")
		ch <- prometheus.MustNewConstMetric(c.consumed, prometheus.CounterValue, float64(s.Failed), s.Subscription, s.Topic, "failed")
	}
}
