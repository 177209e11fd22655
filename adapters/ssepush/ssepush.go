// Package ssepush delivers push notifications as server-sent events to the
// devices that hold a stream open to the server, on however many replicas.
//
// Send publishes the event on the bus; every replica attaches a transient
// subscriber (driver.BroadcastBus) and hands the event to the streams of the
// device it holds. So a request served by one replica reaches a device
// whose stream is held by another, and no replica needs to know where a
// device is connected.
//
//	sse, err := ssepush.Open(ctx, bus, ssepush.Options{})
//	defer sse.Close()
//	b, err := backbone.New(cfg, backbone.Drivers{Store: st, Bus: bus, Push: []driver.Push{sse}})
//
// Events carry no payload: a device that receives one syncs. A stream whose
// reader falls more than Options.Buffer events behind loses the overflow;
// the next event tells it to sync all the same.
package ssepush

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// DefaultTopic is the bus topic events travel on between replicas.
const DefaultTopic = "ServerSentEvents"

// Options configure Open.
type Options struct {
	// Topic is the bus topic; default DefaultTopic. Every replica of one
	// Backbone must use the same.
	Topic string
	// Buffer is how many events a stream may fall behind (default 64).
	Buffer int
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Provider is a driver.PushStreamer for the platform "sse". It is safe for
// concurrent use.
type Provider struct {
	bus  driver.BroadcastBus
	opts Options

	mu      sync.Mutex
	streams map[string]map[*stream]struct{} // by device ID
	closed  bool
	dropped atomic.Int64

	stop context.CancelFunc
	done chan struct{}
}

var _ driver.PushStreamer = (*Provider)(nil)

type stream struct {
	identity string
	events   chan string
}

// event is what travels on the bus.
type event struct {
	IdentityAddress string `json:"identityAddress"`
	DeviceID        string `json:"deviceId"`
	EventName       string `json:"eventName"`
}

// Open attaches the provider to the bus: from its return on, events sent by
// any replica reach the streams this one holds. It fails if the bus cannot
// attach transient subscribers.
func Open(ctx context.Context, bus driver.Bus, opts Options) (*Provider, error) {
	bb, ok := bus.(driver.BroadcastBus)
	if !ok {
		return nil, fmt.Errorf("ssepush: the bus %T cannot attach transient subscribers (driver.BroadcastBus)", bus)
	}
	if opts.Topic == "" {
		opts.Topic = DefaultTopic
	}
	if opts.Buffer <= 0 {
		opts.Buffer = 64
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	sub, err := bb.SubscribeTransient(ctx, opts.Topic)
	if err != nil {
		return nil, fmt.Errorf("ssepush: subscribe: %w", err)
	}
	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	p := &Provider{bus: bb, opts: opts, streams: map[string]map[*stream]struct{}{}, stop: stop, done: make(chan struct{})}
	go p.receive(runCtx, sub)
	return p, nil
}

// Platform returns driver.PlatformSSE.
func (p *Provider) Platform() string { return driver.PlatformSSE }

// SupportsApp reports true: streams need no per-app credentials.
func (p *Provider) SupportsApp(string) bool { return true }

// Send publishes the event name for the target device to every replica.
// Text-only notifications (no event name) are not streamed.
func (p *Provider) Send(ctx context.Context, t driver.PushTarget, n driver.PushNotification) error {
	if n.EventName == "" {
		return nil
	}
	body, err := json.Marshal(event{IdentityAddress: t.IdentityAddress, DeviceID: t.DeviceID, EventName: n.EventName})
	if err != nil {
		return err
	}
	if err := p.bus.Publish(ctx, p.opts.Topic, driver.Message{Body: body}); err != nil {
		return fmt.Errorf("ssepush: publish: %w", err)
	}
	return nil
}

// Listen attaches a stream of the device held by this process; see
// driver.PushStreamer.
func (p *Provider) Listen(ctx context.Context, identityAddress, deviceID string) (<-chan string, error) {
	s := &stream{identity: identityAddress, events: make(chan string, p.opts.Buffer)}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, errors.New("ssepush: provider closed")
	}
	if p.streams[deviceID] == nil {
		p.streams[deviceID] = map[*stream]struct{}{}
	}
	p.streams[deviceID][s] = struct{}{}
	p.mu.Unlock()
	context.AfterFunc(ctx, func() { p.detach(deviceID, s) })
	return s.events, nil
}

func (p *Provider) detach(deviceID string, s *stream) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.streams[deviceID][s]; !ok {
		return // closed with the provider
	}
	delete(p.streams[deviceID], s)
	if len(p.streams[deviceID]) == 0 {
		delete(p.streams, deviceID)
	}
	close(s.events)
}

// Streams returns how many streams this replica holds.
func (p *Provider) Streams() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, ss := range p.streams {
		n += len(ss)
	}
	return n
}

// Dropped returns how many events were dropped because a stream's reader
// fell behind.
func (p *Provider) Dropped() int64 { return p.dropped.Load() }

// receive hands events from the bus to local streams until Close. A
// subscription that breaks (a broker restart) is attached anew; events
// published in between are lost to this replica's streams, which is why
// devices also sync when they reconnect.
func (p *Provider) receive(ctx context.Context, sub driver.Subscription) {
	defer close(p.done)
	for {
		err := p.consume(ctx, sub)
		_ = sub.Close()
		if ctx.Err() != nil {
			return
		}
		p.opts.Logger.Warn("ssepush: subscription failed; attaching again", "error", err)
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
			if sub, err = p.bus.SubscribeTransient(ctx, p.opts.Topic); err == nil {
				break
			}
			p.opts.Logger.Warn("ssepush: subscribe failed", "error", err)
		}
	}
}

func (p *Provider) consume(ctx context.Context, sub driver.Subscription) error {
	for {
		d, err := sub.Receive(ctx)
		if err != nil {
			return err
		}
		var e event
		if err := json.Unmarshal(d.Message().Body, &e); err == nil {
			p.deliver(e)
		} else {
			p.opts.Logger.Warn("ssepush: dropping undecodable event", "error", err)
		}
		d.Ack()
	}
}

func (p *Provider) deliver(e event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for s := range p.streams[e.DeviceID] {
		if s.identity != e.IdentityAddress {
			continue
		}
		select {
		case s.events <- e.EventName:
		default:
			p.dropped.Add(1)
			p.opts.Logger.Warn("ssepush: stream is too slow; event dropped", "device", e.DeviceID, "event", e.EventName)
		}
	}
}

// Close detaches from the bus and ends every stream this replica holds.
func (p *Provider) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	for id, ss := range p.streams {
		for s := range ss {
			close(s.events)
		}
		delete(p.streams, id)
	}
	p.mu.Unlock()
	p.stop()
	<-p.done
	return nil
}
