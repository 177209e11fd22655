package pushtest

import (
	"testing"
)

// testPlatform checks Platform: what a registration's platform is matched
// against, so it must be set and never change.
func testPlatform(t *testing.T, newHarness HarnessMaker) {
	rule(t, newHarness, "IsNonEmpty", func(e *env) {
		if e.push.Platform() == "" {
			e.failf("Platform() is empty")
		}
	})

	rule(t, newHarness, "IsStable", func(e *env) {
		first := e.push.Platform()
		if again := e.push.Platform(); again != first {
			e.failf("Platform() returned %q, then %q", first, again)
		}
		// Another provider of the same kind, as another replica makes it.
		if other := e.makePush().Platform(); other != first {
			e.failf("Platform() of a second provider is %q, of the first %q", other, first)
		}
		// Sending changes nothing.
		tg := e.target(Reply{Behaviour: Accept})
		if err := e.send(e.ctx, tg, notification(tg)); err != nil {
			e.failf("Send to an accepted target: %s", describe(err))
		}
		if after := e.push.Platform(); after != first {
			e.failf("Platform() changed from %q to %q after Send", first, after)
		}
	})
}
