// Package events moves domain events from the outbox to the bus and from
// the bus to their consumers. Embedders never name it: a Backbone runs it
// in Backbone.Run.
package events

import (
	"context"
	"log/slog"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// Relay publishes outbox messages after their transaction committed and
// deletes them once the bus accepted them. A message published but not yet
// deleted when the process dies is published again by the next relay: the
// bus delivers at least once, and consumers deduplicate by message ID.
type Relay struct {
	Store  driver.Store
	Bus    driver.Bus
	Clock  driver.Clock
	Logger *slog.Logger
	// Interval is how often the relay looks for messages nobody told it
	// about (from other replicas, or left by a crash).
	Interval time.Duration
	// Lease is how long a claimed message is reserved for this relay.
	Lease     time.Duration
	BatchSize int

	wake chan struct{}
}

// NewRelay fills the defaults.
func NewRelay(r Relay) *Relay {
	if r.Interval <= 0 {
		r.Interval = time.Second
	}
	if r.Lease <= 0 {
		r.Lease = 30 * time.Second
	}
	if r.BatchSize <= 0 {
		r.BatchSize = 100
	}
	r.wake = make(chan struct{}, 1)
	return &r
}

// Notify tells the relay that new messages were committed, so they go out
// without waiting for the next interval.
func (r *Relay) Notify() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run relays until ctx ends.
func (r *Relay) Run(ctx context.Context) error {
	t := time.NewTicker(r.Interval)
	defer t.Stop()
	for {
		for {
			n, err := r.RelayOnce(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				r.Logger.WarnContext(ctx, "outbox relay failed; retrying", "error", err)
				break
			}
			if n < r.BatchSize {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-r.wake:
		}
	}
}

// RelayOnce publishes one batch and returns how many messages it sent.
func (r *Relay) RelayOnce(ctx context.Context) (int, error) {
	now := r.Clock.Now()
	msgs, err := r.Store.Outbox().Claim(ctx, now, now.Add(r.Lease), r.BatchSize)
	if err != nil || len(msgs) == 0 {
		return 0, err
	}
	byTopic := map[string][]driver.Message{}
	var order []string
	for _, m := range msgs {
		if _, ok := byTopic[m.Topic]; !ok {
			order = append(order, m.Topic)
		}
		byTopic[m.Topic] = append(byTopic[m.Topic], driver.Message{ID: m.ID, Body: m.Body})
	}
	var sent []string
	for _, topic := range order {
		if err := r.Bus.Publish(ctx, topic, byTopic[topic]...); err != nil {
			// What went out is deleted; the rest is claimed again after
			// its lease.
			_ = r.Store.Outbox().Delete(ctx, sent)
			return len(sent), err
		}
		for _, m := range byTopic[topic] {
			sent = append(sent, m.ID)
		}
	}
	return len(sent), r.Store.Outbox().Delete(ctx, sent)
}
