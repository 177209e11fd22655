package bustest

import (
	"context"
	"testing"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// testTransient checks driver.BroadcastBus. A bus without it skips every
// rule, saying so: the capability is optional, but its absence shows.
func testTransient(t *testing.T, newHarness HarnessMaker) {
	rule(t, newHarness, "ReceivesMessagesPublishedAfterItAttached", func(e *env) {
		bus := e.broadcast()
		topic := e.topic()
		s := e.subscribeTransient(bus, topic)
		msgs := messages(3)
		e.publish(bus, topic, msgs...)
		if d := diffIDs(e.receiveIDs(s, len(msgs), "the messages published after SubscribeTransient"), idSet(msgs)); d != "" {
			e.failf("%s", d)
		}
		e.expectNothing(s, "an acked message must not be delivered again")
	})

	rule(t, newHarness, "EveryTransientSubscriberReceivesEachMessage", func(e *env) {
		bus := e.broadcast()
		topic := e.topic()
		a := e.subscribeTransient(bus, topic)
		b := e.subscribeTransient(bus, topic)
		msgs := messages(5)
		e.publish(bus, topic, msgs...)
		if d := diffIDs(e.receiveIDs(a, len(msgs), "the first transient subscriber's messages"), idSet(msgs)); d != "" {
			e.failf("first transient subscriber: %s", d)
		}
		if d := diffIDs(e.receiveIDs(b, len(msgs), "the second transient subscriber's messages"), idSet(msgs)); d != "" {
			e.failf("second transient subscriber: %s", d)
		}
		e.expectNothing(a, "each transient subscriber must receive each message once")
		e.expectNothing(b, "each transient subscriber must receive each message once")
	})

	rule(t, newHarness, "TransientAndDurableSubscribersEachReceiveEachMessage", func(e *env) {
		bus := e.broadcast()
		topic := e.topic()
		durable := e.subscribe(bus, topic, "a")
		transient := e.subscribeTransient(bus, topic)
		msgs := messages(5)
		e.publish(bus, topic, msgs...)
		if d := diffIDs(e.receiveIDs(transient, len(msgs), "the transient subscriber's messages"), idSet(msgs)); d != "" {
			e.failf("transient subscriber: %s", d)
		}
		if d := diffIDs(e.receiveIDs(durable, len(msgs), "the durable subscription's messages"), idSet(msgs)); d != "" {
			e.failf("durable subscription a: %s", d)
		}
		e.expectNothing(transient, "the transient subscriber must receive each message once")
		e.expectNothing(durable, "the durable subscription must receive each message once")
	})

	rule(t, newHarness, "SubscribersOnDifferentBusesEachReceiveEachMessage", func(e *env) {
		if !e.h.SupportsDurableSubscriptions() {
			e.t.Skip("harness reports SupportsDurableSubscriptions() == false: its buses share no broker")
		}
		e.broadcast()
		topic := e.topic()
		// As replicas of one server would: a bus each, and a publisher apart.
		var subs []driver.Subscription
		for range 2 {
			b, ok := e.makeBus().(driver.BroadcastBus)
			if !ok {
				e.t.Skip("bus does not implement driver.BroadcastBus")
			}
			subs = append(subs, e.subscribeTransient(b, topic))
		}
		msgs := messages(3)
		e.publish(e.bus, topic, msgs...)
		for i, s := range subs {
			if d := diffIDs(e.receiveIDs(s, len(msgs), "the messages at the transient subscriber of a bus of its own"), idSet(msgs)); d != "" {
				e.failf("transient subscriber of bus %d: %s", i+1, d)
			}
		}
	})

	rule(t, newHarness, "DoesNotReceiveMessagesPublishedBeforeItAttached", func(e *env) {
		bus := e.broadcast()
		topic := e.topic()
		// A subscription keeps the earlier message alive on brokers that
		// retain messages per topic.
		e.subscribe(bus, topic, "older")
		before := messages(1)
		e.publish(bus, topic, before...)
		s := e.subscribeTransient(bus, topic)
		after := messages(1)
		e.publish(bus, topic, after...)
		d := e.receive(s, "the message published after SubscribeTransient")
		d.Ack()
		if d.Message().ID != after[0].ID {
			e.failf("received %q, published before the transient subscriber attached", d.Message().ID)
		}
		e.expectNothing(s, "a message published before the transient subscriber attached must not arrive")
	})

	rule(t, newHarness, "NackRedeliversToTheSameSubscriber", func(e *env) {
		bus := e.broadcast()
		topic := e.topic()
		s := e.subscribeTransient(bus, topic)
		other := e.subscribeTransient(bus, topic)
		sent := messages(1)
		e.publish(bus, topic, sent...)
		e.receive(s, "the message to nack").Nack()
		d := e.receive(s, "the nacked message, delivered again to the same transient subscriber")
		d.Ack()
		if d.Message().ID != sent[0].ID {
			e.failf("after Nack received %q, want %q", d.Message().ID, sent[0].ID)
		}
		e.expectNothing(s, "a redelivered message, once acked, must not be delivered again")
		e.receive(other, "the other transient subscriber's copy").Ack()
		e.expectNothing(other, "a nack by one transient subscriber must not deliver the message to another again")
	})

	rule(t, newHarness, "NothingIsKeptAfterClose", func(e *env) {
		bus := e.broadcast()
		topic := e.topic()
		old := e.subscribeTransient(bus, topic)
		backlog := messages(2)
		e.publish(bus, topic, backlog...)
		e.receive(old, "a message then left unacked") // neither Ack nor Nack
		if !closes(e.t, "Subscription.Close", old) {
			return
		}
		e.publish(bus, topic, messages(1)...) // published while nobody is attached
		s := e.subscribeTransient(bus, topic)
		after := messages(1)
		e.publish(bus, topic, after...)
		d := e.receive(s, "the message published after the new transient subscriber attached")
		d.Ack()
		if d.Message().ID != after[0].ID {
			e.failf("a new transient subscriber received %q, left behind by a closed one", d.Message().ID)
		}
		e.expectNothing(s, "a new transient subscriber must not receive what a closed one left behind")
		ctx, cancel := context.WithTimeout(e.ctx, waitTimeout)
		defer cancel()
		var err error
		if !within(e.t, "Receive after Close", func() { _, err = old.Receive(ctx) }) {
			return
		}
		if err == nil {
			e.failf("the closed transient subscriber still received a message")
		}
	})

	rule(t, newHarness, "OtherSubscribersKeepReceivingAfterOneCloses", func(e *env) {
		bus := e.broadcast()
		topic := e.topic()
		leaving := e.subscribeTransient(bus, topic)
		staying := e.subscribeTransient(bus, topic)
		durable := e.subscribe(bus, topic, "a")
		if !closes(e.t, "Subscription.Close", leaving) {
			return
		}
		msgs := messages(3)
		e.publish(bus, topic, msgs...)
		if d := diffIDs(e.receiveIDs(staying, len(msgs), "messages at a transient subscriber after another closed"), idSet(msgs)); d != "" {
			e.failf("transient subscriber: %s", d)
		}
		if d := diffIDs(e.receiveIDs(durable, len(msgs), "messages at a durable subscription after a transient subscriber closed"), idSet(msgs)); d != "" {
			e.failf("durable subscription a: %s", d)
		}
	})

	rule(t, newHarness, "ReceiveAfterCloseReturnsAnError", func(e *env) {
		bus := e.broadcast()
		s := e.subscribeTransient(bus, e.topic())
		if !closes(e.t, "Subscription.Close", s) {
			return
		}
		ctx, cancel := context.WithTimeout(e.ctx, waitTimeout)
		defer cancel()
		var err error
		if !within(e.t, "Receive after Close", func() { _, err = s.Receive(ctx) }) {
			return
		}
		if err == nil || ctx.Err() != nil {
			e.failf("Receive after Close must return an error at once; got %v after its context ended: %v", err, ctx.Err() != nil)
		}
	})

	rule(t, newHarness, "CloseEndsAWaitingReceive", func(e *env) {
		bus := e.broadcast()
		s := e.subscribeTransient(bus, e.topic())
		ctx, cancel := context.WithTimeout(e.ctx, 4*waitTimeout)
		defer cancel()
		errc := make(chan error, 1)
		go func() {
			_, err := s.Receive(ctx)
			errc <- err
		}()
		if !closes(e.t, "Subscription.Close", s) {
			return
		}
		select {
		case err := <-errc:
			if err == nil {
				e.failf("Receive waiting during Close returned a message from an empty transient subscription")
			}
		case <-ctx.Done():
			e.failf("Receive waiting during Close did not return")
		}
	})
}

// broadcast returns the rule's bus as a driver.BroadcastBus, or skips.
func (e *env) broadcast() driver.BroadcastBus {
	e.t.Helper()
	b, ok := e.bus.(driver.BroadcastBus)
	if !ok {
		e.t.Skip("bus does not implement driver.BroadcastBus")
	}
	return b
}

// subscribeTransient attaches a transient subscriber that is closed at
// cleanup.
func (e *env) subscribeTransient(bus driver.BroadcastBus, topic string) driver.Subscription {
	e.t.Helper()
	s, err := bus.SubscribeTransient(e.ctx, topic)
	if err != nil {
		e.failf("SubscribeTransient(%q): %v", topic, err)
	}
	e.t.Cleanup(func() { closes(e.t, "Subscription.Close", s) })
	return s
}
