package gocloudbus

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"gocloud.dev/pubsub"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// subscription is one subscriber. It remembers the deliveries it handed out
// and not yet settled, so that Close can nack them: gocloud's Shutdown only
// flushes acks, and a message it leaves unsettled would wait for the
// provider's ack deadline before anyone else could receive it.
type subscription struct {
	bus *Bus
	a   attachment

	// done ends when Close starts; it unblocks Receive calls in flight.
	done   context.Context
	cancel context.CancelFunc

	mu          sync.Mutex
	closed      bool
	outstanding map[*delivery]struct{}
}

var _ driver.Subscription = (*subscription)(nil)

func newSubscription(b *Bus, a attachment) *subscription {
	done, cancel := context.WithCancel(context.Background())
	return &subscription{bus: b, a: a, done: done, cancel: cancel, outstanding: map[*delivery]struct{}{}}
}

// Receive blocks until a message arrives, ctx ends or the subscription is
// closed.
func (s *subscription) Receive(ctx context.Context) (driver.Delivery, error) {
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(s.done, cancel)
	defer stop()

	pm, err := s.a.sub.Receive(rctx)
	if err != nil {
		switch {
		case ctx.Err() != nil:
			return nil, fmt.Errorf("gocloudbus: receive: %w", ctx.Err())
		case s.done.Err() != nil:
			return nil, ErrClosed
		}
		return nil, translate("receive", err)
	}
	d := &delivery{s: s, pm: pm, msg: toMessage(pm, s.bus.p.reserved)}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		settle(pm, false)
		return nil, ErrClosed
	}
	s.outstanding[d] = struct{}{}
	return d, nil
}

func toMessage(pm *pubsub.Message, reserved func(string) bool) driver.Message {
	m := driver.Message{Body: pm.Body}
	var empty []string
	for k, v := range pm.Metadata {
		switch {
		case k == idKey:
			m.ID = v
			continue
		case k == emptyKeysKey:
			_ = json.Unmarshal([]byte(v), &empty)
			continue
		case reserved(k):
			continue
		}
		if m.Metadata == nil {
			m.Metadata = make(map[string]string, len(pm.Metadata))
		}
		m.Metadata[k] = v
	}
	for _, k := range empty {
		if m.Metadata == nil {
			m.Metadata = make(map[string]string, len(empty))
		}
		m.Metadata[k] = ""
	}
	return m
}

// Close nacks the deliveries not yet settled, so they are delivered again at
// once, and detaches. Closing twice does nothing.
func (s *subscription) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for d := range s.outstanding {
		settle(d.pm, false)
	}
	s.outstanding = nil
	s.mu.Unlock()
	s.cancel()
	s.bus.forget(s)

	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	return translate("close subscription", s.a.detach(ctx))
}

// settle acks or nacks. A provider that cannot nack redelivers after its ack
// deadline instead.
func settle(pm *pubsub.Message, ack bool) {
	switch {
	case ack:
		pm.Ack()
	case pm.Nackable():
		pm.Nack()
	}
}

type delivery struct {
	s   *subscription
	pm  *pubsub.Message
	msg driver.Message
}

func (d *delivery) Message() driver.Message { return d.msg }
func (d *delivery) Ack()                    { d.settle(true) }
func (d *delivery) Nack()                   { d.settle(false) }

// settle acts once; later calls, and calls after the subscription closed
// (which nacked the delivery), do nothing.
func (d *delivery) settle(ack bool) {
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	if _, ok := d.s.outstanding[d]; !ok {
		return
	}
	delete(d.s.outstanding, d)
	settle(d.pm, ack)
}
