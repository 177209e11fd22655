package bustest

import "testing"

func testPublish(t *testing.T, newHarness HarnessMaker) {
	rule(t, newHarness, "EverySubscriptionReceivesEachMessage", func(e *env) {
		topic := e.topic()
		a := e.subscribe(e.bus, topic, "a")
		b := e.subscribe(e.bus, topic, "b")
		msgs := messages(5)
		e.publish(e.bus, topic, msgs...)
		if d := diffIDs(e.receiveIDs(a, len(msgs), "subscription a's messages"), idSet(msgs)); d != "" {
			e.failf("subscription a: %s", d)
		}
		if d := diffIDs(e.receiveIDs(b, len(msgs), "subscription b's messages"), idSet(msgs)); d != "" {
			e.failf("subscription b: %s", d)
		}
	})

	rule(t, newHarness, "ManyMessagesInOneCallAllArrive", func(e *env) {
		topic := e.topic()
		s := e.subscribe(e.bus, topic, "a")
		msgs := messages(100)
		e.publish(e.bus, topic, msgs...)
		if d := diffIDs(e.receiveIDs(s, len(msgs), "the published messages"), idSet(msgs)); d != "" {
			e.failf("%s", d)
		}
	})

	rule(t, newHarness, "WithoutSubscriptionsSucceeds", func(e *env) {
		if err := e.bus.Publish(e.ctx, e.topic(), messages(2)...); err != nil {
			e.failf("Publish to a topic without subscriptions: %v", err)
		}
	})

	rule(t, newHarness, "NoMessagesIsANoOp", func(e *env) {
		topic := e.topic()
		s := e.subscribe(e.bus, topic, "a")
		if err := e.bus.Publish(e.ctx, topic); err != nil {
			e.failf("Publish without messages: %v", err)
		}
		e.expectNothing(s, "Publish without messages must send nothing")
	})

	rule(t, newHarness, "MessagesReachOnlyTheirTopic", func(e *env) {
		mine, other := e.topic(), e.topic()
		s := e.subscribe(e.bus, mine, "a")
		e.subscribe(e.bus, other, "a")
		stray := messages(1)
		e.publish(e.bus, other, stray...)
		marker := messages(1)
		e.publish(e.bus, mine, marker...)
		d := e.receive(s, "the message of its own topic")
		d.Ack()
		if d.Message().ID != marker[0].ID {
			e.failf("received %q, published to another topic", d.Message().ID)
		}
		e.expectNothing(s, "a message published to another topic must not arrive")
	})
}
