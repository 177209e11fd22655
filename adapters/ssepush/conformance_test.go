package ssepush_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sync"
	"testing"

	"github.com/openbackbone/openbackbone/adapters/gocloudbus"
	"github.com/openbackbone/openbackbone/adapters/ssepush"
	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/conformance/pushtest"
	"github.com/openbackbone/openbackbone/internal/testservices"
)

// TestConformance runs the push suite against the provider on the in-memory
// bus, and on the RabbitMQ and NATS testservices gives (skipped, saying
// why, without them). The service is the bus: the harness listens on the
// provider's topic as another replica would.
func TestConformance(t *testing.T) {
	urls := map[string]func(t *testing.T) string{
		"mem":      func(*testing.T) string { return "mem://" },
		"rabbitmq": func(t *testing.T) string { return "rabbit://?server=" + url.QueryEscape(testservices.RabbitMQ(t)) },
		"nats":     func(t *testing.T) string { return "nats://?server=" + url.QueryEscape(testservices.NATS(t)) },
	}
	for name, busURL := range urls {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			u := busURL(t)
			pushtest.RunConformanceTests(t, func(ctx context.Context, t *testing.T) (pushtest.Harness, error) {
				return newHarness(ctx, u)
			})
		})
	}
}

// harness is a bus, a topic of its own on it and a transient subscriber
// that records the events published there.
type harness struct {
	bus   *gocloudbus.Bus
	topic string
	sub   driver.Subscription
	stop  context.CancelFunc
	done  chan struct{}

	mu     sync.Mutex
	events []sseEvent
	err    error // why recording stopped early
}

// sseEvent is what ssepush publishes on the bus.
type sseEvent struct {
	IdentityAddress string `json:"identityAddress"`
	DeviceID        string `json:"deviceId"`
	EventName       string `json:"eventName"`
}

func newHarness(ctx context.Context, url string) (*harness, error) {
	bus, err := gocloudbus.Open(ctx, url, gocloudbus.Options{Prefix: "obtest.pushtest."})
	if err != nil {
		return nil, err
	}
	// A topic per harness, so that rules running at once on one broker
	// see only their own events.
	topic := "sse-" + pushtest.RandomHex(6)
	sub, err := bus.SubscribeTransient(ctx, topic)
	if err != nil {
		_ = bus.Close()
		return nil, err
	}
	runCtx, stop := context.WithCancel(context.Background())
	h := &harness{bus: bus, topic: topic, sub: sub, stop: stop, done: make(chan struct{})}
	go h.record(runCtx)
	return h, nil
}

func (h *harness) record(ctx context.Context) {
	defer close(h.done)
	for {
		d, err := h.sub.Receive(ctx)
		if err != nil {
			if ctx.Err() == nil {
				h.mu.Lock()
				h.err = err
				h.mu.Unlock()
			}
			return
		}
		var ev sseEvent
		err = json.Unmarshal(d.Message().Body, &ev)
		d.Ack()
		h.mu.Lock()
		if err != nil {
			h.err = fmt.Errorf("undecodable event %s: %v", d.Message().Body, err)
		} else {
			h.events = append(h.events, ev)
		}
		h.mu.Unlock()
	}
}

func (h *harness) MakePush(ctx context.Context) (driver.Push, error) {
	return ssepush.Open(ctx, h.bus, ssepush.Options{Topic: h.topic})
}

func (h *harness) TargetThat(_ context.Context, r pushtest.Reply) (driver.PushTarget, error) {
	if r.Behaviour != pushtest.Accept {
		return driver.PushTarget{}, fmt.Errorf("a bus takes every event; it cannot play %v: %w", r.Behaviour, pushtest.ErrNotSupported)
	}
	// Streams are named by identity and device; the handle is unused.
	return pushtest.NewTarget("eu.enmeshed.app", "sse"), nil
}

func (h *harness) Received(_ context.Context, tg driver.PushTarget) ([]pushtest.Received, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.err != nil {
		return nil, fmt.Errorf("recording events on %s: %w", h.topic, h.err)
	}
	var out []pushtest.Received
	for _, ev := range h.events {
		if ev.DeviceID == tg.DeviceID && ev.IdentityAddress == tg.IdentityAddress {
			out = append(out, pushtest.Received{EventName: ev.EventName})
		}
	}
	return out, nil
}

// Carries: events carry only their name; a device that receives one syncs.
func (h *harness) Carries() pushtest.Fields { return pushtest.FieldEventName }

func (h *harness) UnconfiguredApp() (string, error) {
	return "", fmt.Errorf("streams need no per-app credentials: %w", pushtest.ErrNotSupported)
}

func (h *harness) Close() {
	h.stop()
	<-h.done
	_ = h.sub.Close()
	_ = h.bus.Close()
}
