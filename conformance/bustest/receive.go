package bustest

import (
	"context"
	"errors"
	"testing"
	"time"
)

func testReceive(t *testing.T, newHarness HarnessMaker) {
	rule(t, newHarness, "ReturnsWhenContextEnds", func(e *env) {
		s := e.subscribe(e.bus, e.topic(), "a")
		ctx, cancel := context.WithTimeout(e.ctx, 100*time.Millisecond)
		defer cancel()
		var err error
		if !within(e.t, "Receive on an empty subscription with a 100ms deadline", func() { _, err = s.Receive(ctx) }) {
			return
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			e.failf("Receive whose context passed its deadline must return an error wrapping context.DeadlineExceeded; got %v", err)
		}
	})

	rule(t, newHarness, "ReturnsWhenContextIsCanceled", func(e *env) {
		s := e.subscribe(e.bus, e.topic(), "a")
		ctx, cancel := context.WithCancel(e.ctx)
		errc := make(chan error, 1)
		go func() {
			_, err := s.Receive(ctx)
			errc <- err
		}()
		cancel()
		select {
		case err := <-errc:
			if !errors.Is(err, context.Canceled) {
				e.failf("Receive whose context was canceled must return an error wrapping context.Canceled; got %v", err)
			}
		case <-time.After(waitTimeout):
			e.failf("Receive did not return within %v of its context being canceled", waitTimeout)
		}
	})
}
