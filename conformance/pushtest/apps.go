package pushtest

import (
	"errors"
	"testing"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// testApps checks that SupportsApp agrees with Send: the backbone asks
// SupportsApp before it accepts a registration, so an app it approves must
// not be refused by Send, and one it rejects must be.
func testApps(t *testing.T, newHarness HarnessMaker) {
	rule(t, newHarness, "ConfiguredAppIsSupported", func(e *env) {
		tg := e.target(Reply{Behaviour: Accept})
		if !e.push.SupportsApp(tg.AppID) {
			e.failf("SupportsApp(%q) = false for the app of a target the harness configured", tg.AppID)
		}
		if err := e.send(e.ctx, tg, notification(tg)); err != nil {
			e.failf("Send to a supported app: %s", describe(err))
		}
	})

	rule(t, newHarness, "UnconfiguredAppIsErrNotDeliverable", func(e *env) {
		app, err := e.h.UnconfiguredApp()
		e.skipUnsupported("UnconfiguredApp", err)
		if e.push.SupportsApp(app) {
			e.failf("SupportsApp(%q) = true for an app the provider has no credentials for", app)
		}
		tg := e.target(Reply{Behaviour: Accept})
		tg.AppID = app
		err = e.send(e.ctx, tg, notification(tg))
		if !errors.Is(err, driver.ErrNotDeliverable) {
			e.failf("Send to unconfigured app %q: got %s, want an error wrapping ErrNotDeliverable", app, describe(err))
		}
		if errors.Is(err, driver.ErrInvalidHandle) {
			e.failf("Send to unconfigured app %q wraps ErrInvalidHandle: the registration would be removed though the handle is fine", app)
		}
		if got := e.received(tg); len(got) != 0 {
			e.failf("the service received %d notifications for an app the provider has no credentials for", len(got))
		}
	})
}
