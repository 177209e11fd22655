package backbone

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/backbone/internal/events"
)

// ErrNotChecked is what Check reports for a driver that cannot be asked
// (it does not implement driver.Pinger): unknown, not failing.
var ErrNotChecked = errors.New("backbone: the driver has no health check")

// checkTimeout bounds each driver's answer, so that a hanging backend makes
// a readiness probe fail rather than hang.
const checkTimeout = 2 * time.Second

// Check asks the store and, when configured, the bus and the blob store
// whether they can serve now, concurrently and each for at most two
// seconds (less if ctx ends sooner). The result has one entry per driver,
// "store", "bus" and "blob": nil when it answered, ErrNotChecked when it
// cannot be asked, else the error. It is for readiness probes.
func (b *Backbone) Check(ctx context.Context) map[string]error {
	drivers := map[string]any{"store": b.store}
	if b.bus != nil {
		drivers["bus"] = b.bus
	}
	if b.blob != nil {
		drivers["blob"] = b.blob
	}
	out := make(map[string]error, len(drivers))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, d := range drivers {
		p, ok := d.(driver.Pinger)
		if !ok {
			out[name] = ErrNotChecked
			continue
		}
		wg.Go(func() {
			err := ping(ctx, p)
			mu.Lock()
			out[name] = err
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

// ping gives up at the timeout even if the driver ignores its context.
func ping(ctx context.Context, p driver.Pinger) error {
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- p.Ping(ctx) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// OutboxBacklog is what waits in the outbox to be published.
type OutboxBacklog = driver.OutboxBacklog

// OutboxBacklog counts the domain events not yet published on the bus and
// dates the oldest, for the outbox lag metric. It returns ErrNotChecked when
// the store's outbox cannot be inspected (no driver.OutboxInspector).
func (b *Backbone) OutboxBacklog(ctx context.Context) (OutboxBacklog, error) {
	in, ok := b.store.Outbox().(driver.OutboxInspector)
	if !ok {
		return OutboxBacklog{}, ErrNotChecked
	}
	return in.Backlog(ctx)
}

// PushStats counts what happened to the push notifications of one platform
// since the Backbone was built: sent, retried after a failure, given up after
// the last attempt, refused for a dead handle (whose registration is then
// removed), refused as undeliverable, and dropped (queue full, or no
// provider for the platform).
type PushStats struct {
	Sent, Retried, GaveUp, InvalidHandles, Undeliverable, Dropped int64
}

// PushStats returns the counts per platform.
func (b *Backbone) PushStats() map[string]PushStats {
	out := map[string]PushStats{}
	for platform, s := range b.pushQueue.StatsByPlatform() {
		out[platform] = PushStats(s)
	}
	return out
}

// ConsumerStats counts the events one subscription handled from one topic
// since the Backbone was built: Failed ones are delivered again.
type ConsumerStats struct {
	Subscription, Topic string
	Processed, Failed   int64
}

// ConsumerStats returns the counts of every subscription and topic Run
// consumes.
func (b *Backbone) ConsumerStats() []ConsumerStats {
	b.consumed.mu.Lock()
	defer b.consumed.mu.Unlock()
	out := make([]ConsumerStats, 0, len(b.consumed.m))
	for k, c := range b.consumed.m {
		out = append(out, ConsumerStats{Subscription: k[0], Topic: k[1], Processed: c.processed.Load(), Failed: c.failed.Load()})
	}
	return out
}

type consumerCounters struct {
	mu sync.Mutex
	m  map[[2]string]*consumerCount
}

type consumerCount struct{ processed, failed atomic.Int64 }

// count wraps the handlers of a subscription so that each outcome is
// counted under its subscription and topic.
func (cc *consumerCounters) count(subscription string, handlers map[string]events.Handler) map[string]events.Handler {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.m == nil {
		cc.m = map[[2]string]*consumerCount{}
	}
	out := make(map[string]events.Handler, len(handlers))
	for topic, h := range handlers {
		c := cc.m[[2]string{subscription, topic}]
		if c == nil {
			c = &consumerCount{}
			cc.m[[2]string{subscription, topic}] = c
		}
		out[topic] = func(ctx context.Context, m driver.Message) error {
			err := h(ctx, m)
			if err != nil {
				c.failed.Add(1)
			} else {
				c.processed.Add(1)
			}
			return err
		}
	}
	return out
}
