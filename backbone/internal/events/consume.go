package events

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

const retryPause = 500 * time.Millisecond

// Handler processes one message. It must be idempotent: the bus delivers
// at least once. An error makes the bus deliver the message again.
type Handler func(ctx context.Context, m driver.Message) error

// Consume subscribes to every topic under the subscription name and runs
// handlers until ctx ends. A subscription that fails is re-opened after a
// pause, so a broker restart does not stop consumption.
func Consume(ctx context.Context, bus driver.Bus, subscription string, handlers map[string]Handler, logger *slog.Logger) {
	var wg sync.WaitGroup
	for topic, h := range handlers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				err := consumeTopic(ctx, bus, topic, subscription, h, logger)
				if ctx.Err() != nil {
					return
				}
				logger.WarnContext(ctx, "event subscription failed; re-subscribing", "topic", topic, "subscription", subscription, "error", err)
				select {
				case <-ctx.Done():
				case <-time.After(time.Second):
				}
			}
		}()
	}
	wg.Wait()
}

// Subscribe creates the subscriptions so that messages published from now on
// are kept for them, before Consume starts reading.
func Subscribe(ctx context.Context, bus driver.Bus, subscription string, topics []string) error {
	for _, topic := range topics {
		sub, err := bus.Subscribe(ctx, topic, subscription)
		if err != nil {
			return err
		}
		if err := sub.Close(); err != nil {
			return err
		}
	}
	return nil
}

func consumeTopic(ctx context.Context, bus driver.Bus, topic, subscription string, h Handler, logger *slog.Logger) error {
	sub, err := bus.Subscribe(ctx, topic, subscription)
	if err != nil {
		return err
	}
	defer sub.Close()
	for {
		d, err := sub.Receive(ctx)
		if err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return ctx.Err()
			}
			return err
		}
		if err := h(ctx, d.Message()); err != nil {
			logger.WarnContext(ctx, "event handler failed; the message comes again", "topic", topic, "subscription", subscription, "id", d.Message().ID, "error", err)
			// A pause keeps a persistent failure from spinning.
			select {
			case <-ctx.Done():
			case <-time.After(retryPause):
			}
			d.Nack()
			continue
		}
		d.Ack()
	}
}
