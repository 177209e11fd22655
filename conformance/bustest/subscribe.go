package bustest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

func testSubscribe(t *testing.T, newHarness HarnessMaker) {
	rule(t, newHarness, "SubscriptionReceivesOnlyMessagesPublishedAfterItExists", func(e *env) {
		topic := e.topic()
		// An older subscription keeps the earlier message alive on brokers
		// that retain messages per topic.
		e.subscribe(e.bus, topic, "older")
		before := messages(1)
		e.publish(e.bus, topic, before...)
		s := e.subscribe(e.bus, topic, "newer")
		after := messages(1)
		e.publish(e.bus, topic, after...)
		d := e.receive(s, "the message published after Subscribe")
		d.Ack()
		if d.Message().ID != after[0].ID {
			e.failf("received %q, published before the subscription existed", d.Message().ID)
		}
		e.expectNothing(s, "a message published before the subscription existed must not arrive")
	})

	rule(t, newHarness, "SubscriptionKeepsMessagesWhileNoSubscriberIsAttached", func(e *env) {
		topic := e.topic()
		first := e.subscribe(e.bus, topic, "a")
		if !closes(e.t, "Subscription.Close", first) {
			return
		}
		msgs := messages(3)
		e.publish(e.bus, topic, msgs...)
		s := e.subscribe(e.bus, topic, "a")
		if d := diffIDs(e.receiveIDs(s, len(msgs), "messages published while no subscriber was attached"), idSet(msgs)); d != "" {
			e.failf("%s", d)
		}
	})

	rule(t, newHarness, "AnySubscriberOfASubscriptionReceivesItsMessages", func(e *env) {
		topic := e.topic()
		e.subscribe(e.bus, topic, "a") // attached, never receiving
		active := e.subscribe(e.bus, topic, "a")
		msgs := messages(5)
		e.publish(e.bus, topic, msgs...)
		if d := diffIDs(e.receiveIDs(active, len(msgs), "the subscription's messages at its receiving subscriber"), idSet(msgs)); d != "" {
			e.failf("%s", d)
		}
	})

	rule(t, newHarness, "SubscribersOfOneSubscriptionCompete", func(e *env) {
		topic := e.topic()
		s1 := e.subscribe(e.bus, topic, "a")
		s2 := e.subscribe(e.bus, topic, "a")
		other := e.subscribe(e.bus, topic, "b")
		msgs := messages(20)
		e.publish(e.bus, topic, msgs...)

		ctx, cancel := context.WithTimeout(e.ctx, waitTimeout)
		defer cancel()
		var c collector
		var wg sync.WaitGroup
		for name, s := range map[string]driver.Subscription{"first": s1, "second": s2} {
			wg.Go(func() {
				for {
					d, err := s.Receive(ctx)
					if err != nil {
						return
					}
					d.Ack()
					if c.add(name, d.Message().ID) == len(msgs) {
						cancel()
					}
				}
			})
		}
		wg.Wait()
		ids, by := c.snapshot()
		if d := diffIDs(ids, idSet(msgs)); d != "" {
			e.failf("the subscribers together must receive each message once: %s (per subscriber: %v)", d, by)
		}
		// The competition is within one subscription: another one still gets
		// everything.
		if d := diffIDs(e.receiveIDs(other, len(msgs), "the other subscription's messages"), idSet(msgs)); d != "" {
			e.failf("subscription b: %s", d)
		}
		e.expectNothing(s1, "no message may be delivered twice to the subscription's subscribers")
		e.expectNothing(s2, "no message may be delivered twice to the subscription's subscribers")
	})

	rule(t, newHarness, "SubscriptionOutlivesTheBus", func(e *env) {
		if !e.h.SupportsDurableSubscriptions() {
			e.t.Skip("harness reports SupportsDurableSubscriptions() == false")
		}
		topic := e.topic()
		first := e.makeBus()
		s := e.subscribe(first, topic, "a")
		if !closes(e.t, "Subscription.Close", s) ||
			!closes(e.t, "Bus.Close", first) {
			return
		}
		msgs := messages(3)
		e.publish(e.makeBus(), topic, msgs...)
		later := e.subscribe(e.makeBus(), topic, "a")
		if d := diffIDs(e.receiveIDs(later, len(msgs), "messages published while the subscription's Bus was closed"), idSet(msgs)); d != "" {
			e.failf("%s", d)
		}
	})

	rule(t, newHarness, "SubscriptionsAreNamedPerTopic", func(e *env) {
		t1, t2 := e.topic(), e.topic()
		s1 := e.subscribe(e.bus, t1, "a")
		s2 := e.subscribe(e.bus, t2, "a")
		m1, m2 := messages(1), messages(1)
		e.publish(e.bus, t1, m1...)
		e.publish(e.bus, t2, m2...)
		for i, c := range []struct {
			s    driver.Subscription
			want string
		}{{s1, m1[0].ID}, {s2, m2[0].ID}} {
			d := e.receive(c.s, fmt.Sprintf("topic %d's message", i+1))
			d.Ack()
			if d.Message().ID != c.want {
				e.failf("subscription a of topic %d received %q, the message of the other topic", i+1, d.Message().ID)
			}
		}
		e.expectNothing(s1, "a subscription of one topic must not receive another topic's messages")
		e.expectNothing(s2, "a subscription of one topic must not receive another topic's messages")
	})
}
