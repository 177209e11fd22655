package pushtest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// testListen checks driver.PushStreamer. A provider without it skips every
// rule, saying so: the capability is optional, but its absence shows.
func testListen(t *testing.T, newHarness HarnessMaker) {
	rule(t, newHarness, "ReceivesEventsSentToItsDevice", func(e *env) {
		s := e.streamer()
		tg := e.target(Reply{Behaviour: Accept})
		other := e.target(Reply{Behaviour: Accept})
		ch := e.listen(e.ctx, s, tg)
		otherCh := e.listen(e.ctx, s, other)
		n := notification(tg)
		n.EventName = "MessageReceived"
		if err := e.send(e.ctx, tg, n); err != nil {
			e.failf("Send: %s", describe(err))
		}
		if got := e.event(ch, "the event sent to the device"); got != n.EventName {
			e.failf("the stream received %q, want %q", got, n.EventName)
		}
		e.nothing(otherCh, "a stream of another device must not receive the event")
	})

	rule(t, newHarness, "EveryStreamOfTheDeviceReceivesEachEvent", func(e *env) {
		s := e.streamer()
		tg := e.target(Reply{Behaviour: Accept})
		var chs []<-chan string
		for range 3 {
			chs = append(chs, e.listen(e.ctx, s, tg))
		}
		events := []string{"ExternalEventCreated", "MessageReceived"}
		for _, ev := range events {
			n := notification(tg)
			n.EventName = ev
			if err := e.send(e.ctx, tg, n); err != nil {
				e.failf("Send: %s", describe(err))
			}
		}
		for i, ch := range chs {
			for j, want := range events {
				if got := e.event(ch, fmt.Sprintf("event %d at stream %d", j+1, i+1)); got != want {
					e.errorf("stream %d, event %d: got %q, want %q", i+1, j+1, got, want)
				}
			}
			e.nothing(ch, "each stream must receive each event once")
		}
	})

	rule(t, newHarness, "StreamClosesWhenContextEnds", func(e *env) {
		s := e.streamer()
		tg := e.target(Reply{Behaviour: Accept})
		ctx, cancel := context.WithCancel(e.ctx)
		ch := e.listen(ctx, s, tg)
		kept := e.listen(e.ctx, s, tg)
		cancel()
		deadline := time.After(waitTimeout)
		for closed := false; !closed; {
			select {
			case _, ok := <-ch:
				closed = !ok
			case <-deadline:
				e.failf("the stream was not closed within %v after its context ended", waitTimeout)
			}
		}
		// The device's other stream goes on.
		n := notification(tg)
		if err := e.send(e.ctx, tg, n); err != nil {
			e.failf("Send: %s", describe(err))
		}
		if got := e.event(kept, "the event at the stream whose context goes on"); got != n.EventName {
			e.failf("the remaining stream received %q, want %q", got, n.EventName)
		}
	})
}

// streamer returns the provider as a PushStreamer or skips the rule.
func (e *env) streamer() driver.PushStreamer {
	e.t.Helper()
	s, ok := e.push.(driver.PushStreamer)
	if !ok {
		e.t.Skipf("provider %T does not implement driver.PushStreamer", e.push)
	}
	return s
}

func (e *env) listen(ctx context.Context, s driver.PushStreamer, tg driver.PushTarget) <-chan string {
	e.t.Helper()
	ch, err := s.Listen(ctx, tg.IdentityAddress, tg.DeviceID)
	if err != nil {
		e.t.Fatalf("Listen(%q, %q): %v", tg.IdentityAddress, tg.DeviceID, err)
	}
	return ch
}

// event waits up to waitTimeout for an event on ch.
func (e *env) event(ch <-chan string, what string) string {
	e.t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			e.failf("the stream closed while waiting for %s", what)
		}
		return ev
	case <-time.After(waitTimeout):
		e.failf("waited %v for %s", waitTimeout, what)
	}
	return ""
}

// nothing fails if an event arrives on ch within quietPeriod.
func (e *env) nothing(ch <-chan string, what string) {
	e.t.Helper()
	select {
	case ev, ok := <-ch:
		if ok {
			e.failf("%s, but received %q", what, ev)
		}
		e.failf("%s, but the stream closed", what)
	case <-time.After(quietPeriod):
	}
}
