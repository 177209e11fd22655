package gocloudbus

import (
	"context"
	"errors"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

var _ driver.Pinger = (*Bus)(nil)

// pingTimeout bounds a Ping whose context has no deadline.
const pingTimeout = 5 * time.Second

// Ping checks the broker connection: RabbitMQ opens and closes a channel,
// NATS flushes a round trip to the server. The in-process bus is always up.
// The cloud brokers (Azure Service Bus, SNS/SQS, Pub/Sub) have no cheap
// probe and connect per call, so for them Ping only reports a closed Bus.
func (b *Bus) Ping(ctx context.Context) error {
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return ErrClosed
	}
	switch p := b.p.(type) {
	case *rabbitProvider:
		if p.conn.IsClosed() {
			return errors.New("gocloudbus: ping: the RabbitMQ connection is closed")
		}
		ch, err := p.conn.Channel()
		if err != nil {
			return translate("ping", err)
		}
		return translate("ping", ch.Close())
	case *natsProvider:
		if _, ok := ctx.Deadline(); !ok {
			// The NATS client insists on a deadline.
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, pingTimeout)
			defer cancel()
		}
		return translate("ping", p.nc.FlushWithContext(ctx))
	}
	return nil
}
