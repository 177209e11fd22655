package pushtest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// testSend checks that an accepted notification reaches the service whole.
func testSend(t *testing.T, newHarness HarnessMaker) {
	rule(t, newHarness, "AcceptedTargetSucceeds", func(e *env) {
		tg := e.target(Reply{Behaviour: Accept})
		if err := e.send(e.ctx, tg, notification(tg)); err != nil {
			e.failf("Send to a target the service accepts: %s", describe(err))
		}
	})

	rule(t, newHarness, "NotificationReachesTheService", func(e *env) {
		tg := e.target(Reply{Behaviour: Accept})
		n := notification(tg)
		if err := e.send(e.ctx, tg, n); err != nil {
			e.failf("Send: %s", describe(err))
		}
		got := e.waitReceived(tg, 1)
		if len(got) != 1 {
			e.failf("the service received %d notifications for the target, want 1", len(got))
		}
		if d := diffReceived(got[0], n, e.h.Carries()); d != "" {
			e.failf("the service received another notification than was sent: %s", d)
		}
	})

	rule(t, newHarness, "EachNotificationReachesOnlyItsTarget", func(e *env) {
		a, b := e.target(Reply{Behaviour: Accept}), e.target(Reply{Behaviour: Accept})
		na, nb := notification(a), notification(b)
		for _, s := range []struct {
			tg driver.PushTarget
			n  driver.PushNotification
		}{{a, na}, {a, na}, {b, nb}} {
			if err := e.send(e.ctx, s.tg, s.n); err != nil {
				e.failf("Send: %s", describe(err))
			}
		}
		gotA := e.waitReceived(a, 2)
		gotB := e.waitReceived(b, 1)
		if len(gotA) != 2 || len(gotB) != 1 {
			e.failf("the service received %d notifications for the first target (want 2) and %d for the second (want 1)", len(gotA), len(gotB))
		}
		for i, g := range gotA {
			if d := diffReceived(g, na, e.h.Carries()); d != "" {
				e.errorf("first target, notification %d: %s", i+1, d)
			}
		}
		if d := diffReceived(gotB[0], nb, e.h.Carries()); d != "" {
			e.errorf("second target: %s", d)
		}
	})

	rule(t, newHarness, "TextOnlyNotificationSucceeds", func(e *env) {
		// A notification without event name and content (announcements)
		// is valid; a provider that cannot carry text drops it quietly.
		tg := e.target(Reply{Behaviour: Accept})
		n := driver.PushNotification{Title: "Wartung", Body: "Heute Nacht " + randomHex(3)}
		if err := e.send(e.ctx, tg, n); err != nil {
			e.failf("Send of a text-only notification: %s", describe(err))
		}
		if e.h.Carries()&(FieldTitle|FieldBody) != FieldTitle|FieldBody {
			return
		}
		got := e.waitReceived(tg, 1)
		if len(got) != 1 {
			e.failf("the service received %d notifications, want 1", len(got))
		}
		if d := diffReceived(got[0], n, e.h.Carries()); d != "" {
			e.failf("%s", d)
		}
	})

	rule(t, newHarness, "SafeForConcurrentUse", func(e *env) {
		const senders = 16
		targets := make([]driver.PushTarget, senders)
		notes := make([]driver.PushNotification, senders)
		for i := range targets {
			targets[i] = e.target(Reply{Behaviour: Accept})
			notes[i] = notification(targets[i])
		}
		errs := make([]error, senders)
		var wg sync.WaitGroup
		for i := range senders {
			wg.Go(func() {
				for range 2 {
					if err := e.push.Send(e.ctx, targets[i], notes[i]); err != nil {
						errs[i] = err
						return
					}
				}
			})
		}
		if !within(e.t, fmt.Sprintf("%d concurrent Sends", 2*senders), wg.Wait) {
			e.t.FailNow()
		}
		for i, err := range errs {
			if err != nil {
				e.errorf("concurrent Send %d: %s", i, describe(err))
			}
		}
		if e.t.Failed() {
			return
		}
		if _, err := e.h.Received(e.ctx, targets[0]); errors.Is(err, ErrNotSupported) {
			// The sends succeeded, which is what can be checked.
			e.t.Logf("not checking what arrived: %v", err)
			return
		}
		for i, tg := range targets {
			got := e.waitReceived(tg, 2)
			if len(got) != 2 {
				e.errorf("target %d: the service received %d notifications, want 2", i, len(got))
				continue
			}
			for _, g := range got {
				if d := diffReceived(g, notes[i], e.h.Carries()); d != "" {
					e.errorf("target %d: %s", i, d)
				}
			}
		}
	})
}
