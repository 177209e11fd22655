package pushtest

import (
	"context"
	"errors"
	"testing"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// testCancel checks that Send gives up when its context ends: the backbone
// bounds each delivery with a deadline, and a provider that waits on a
// stalled service past it holds up its worker.
func testCancel(t *testing.T, newHarness HarnessMaker) {
	rule(t, newHarness, "CancelledContextEndsSendWithError", func(e *env) {
		tg := e.target(Reply{Behaviour: Stall})
		ctx, cancel := context.WithCancel(e.ctx)
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- e.push.Send(ctx, tg, notification(tg)) }()
		// Cancel once the request is held by the service, so that Send
		// is waiting on it, not yet to start.
		if got := e.waitReceived(tg, 1); len(got) == 0 {
			cancel()
			<-done
			e.failf("the stalled request did not reach the service within %v", waitTimeout)
		}
		cancel()
		var err error
		if !within(e.t, "Send after its context was cancelled", func() { err = <-done }) {
			e.failf("Send did not return after its context was cancelled")
		}
		if err == nil {
			e.failf("Send returned nil though its context was cancelled before the service answered")
		}
		if errors.Is(err, driver.ErrInvalidHandle) || errors.Is(err, driver.ErrNotDeliverable) {
			e.failf("a cancelled Send must be retried, but returned %s", describe(err))
		}
	})

	rule(t, newHarness, "ExpiredDeadlineEndsSendWithError", func(e *env) {
		tg := e.target(Reply{Behaviour: Stall})
		ctx, cancel := context.WithTimeout(e.ctx, quietPeriod)
		defer cancel()
		err := e.send(ctx, tg, notification(tg))
		if err == nil {
			e.failf("Send returned nil though the service never answered before the deadline")
		}
		if errors.Is(err, driver.ErrInvalidHandle) || errors.Is(err, driver.ErrNotDeliverable) {
			e.failf("a Send past its deadline must be retried, but returned %s", describe(err))
		}
	})
}
