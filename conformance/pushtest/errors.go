package pushtest

import (
	"errors"
	"testing"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// testErrors checks how Send reports the service's failures: the backbone
// removes a registration on ErrInvalidHandle, drops the notification on
// ErrNotDeliverable, waits on a *RetryAfterError and retries the rest, so a
// wrong mapping loses registrations or notifications.
func testErrors(t *testing.T, newHarness HarnessMaker) {
	rule(t, newHarness, "DeadHandleIsErrInvalidHandle", func(e *env) {
		tg := e.target(Reply{Behaviour: Dead})
		err := e.send(e.ctx, tg, notification(tg))
		if !errors.Is(err, driver.ErrInvalidHandle) {
			e.failf("Send to a handle the service reports dead: got %s, want an error wrapping ErrInvalidHandle", describe(err))
		}
		if errors.Is(err, driver.ErrNotDeliverable) {
			e.failf("Send to a dead handle wraps ErrNotDeliverable as well: %s", describe(err))
		}
	})

	rule(t, newHarness, "EmptyHandleIsErrInvalidHandle", func(e *env) {
		tg := e.target(Reply{Behaviour: Accept})
		tg.Handle = ""
		err := e.send(e.ctx, tg, notification(tg))
		if err == nil {
			// Providers that address devices by ID, not handle, may
			// accept it; they must then deliver as usual.
			return
		}
		if !errors.Is(err, driver.ErrInvalidHandle) {
			e.failf("Send to an empty handle failed with %s; if it fails it must wrap ErrInvalidHandle", describe(err))
		}
	})

	rule(t, newHarness, "TransientFailureIsNeitherSentinel", func(e *env) {
		tg := e.target(Reply{Behaviour: Transient})
		err := e.send(e.ctx, tg, notification(tg))
		if err == nil {
			e.failf("Send to a failing service returned nil")
		}
		if errors.Is(err, driver.ErrInvalidHandle) || errors.Is(err, driver.ErrNotDeliverable) {
			e.failf("a transient failure must be retried, but Send returned %s", describe(err))
		}
		var ra *driver.RetryAfterError
		if errors.As(err, &ra) {
			e.failf("the service asked for no pause, but Send returned a RetryAfterError: %s", describe(err))
		}
	})

	rule(t, newHarness, "RetryAfterIsRetryAfterError", func(e *env) {
		const after = 7 * time.Second
		tg := e.target(Reply{Behaviour: RetryAfter, After: after})
		err := e.send(e.ctx, tg, notification(tg))
		var ra *driver.RetryAfterError
		if !errors.As(err, &ra) {
			e.failf("Send to a service asking to retry after %v: got %s, want a *driver.RetryAfterError", after, describe(err))
		}
		if ra.After != after {
			e.failf("RetryAfterError.After = %v, want the %v the service asked for", ra.After, after)
		}
		if errors.Is(err, driver.ErrInvalidHandle) || errors.Is(err, driver.ErrNotDeliverable) {
			e.failf("a pause is transient, but Send returned %s", describe(err))
		}
	})

	rule(t, newHarness, "RefusedNotificationIsErrNotDeliverable", func(e *env) {
		tg := e.target(Reply{Behaviour: Refuse})
		err := e.send(e.ctx, tg, notification(tg))
		if !errors.Is(err, driver.ErrNotDeliverable) {
			e.failf("Send of a notification the service refuses for good: got %s, want an error wrapping ErrNotDeliverable", describe(err))
		}
		if errors.Is(err, driver.ErrInvalidHandle) {
			e.failf("a refused notification must keep the registration, but Send returned %s", describe(err))
		}
	})

	rule(t, newHarness, "FailureAffectsOnlyItsTarget", func(e *env) {
		dead := e.target(Reply{Behaviour: Dead})
		ok := e.target(Reply{Behaviour: Accept})
		_ = e.send(e.ctx, dead, notification(dead))
		if err := e.send(e.ctx, ok, notification(ok)); err != nil {
			e.failf("Send to an accepted target after a dead one: %s", describe(err))
		}
	})
}
