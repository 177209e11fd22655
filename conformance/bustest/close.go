package bustest

import (
	"context"
	"testing"
)

func testClose(t *testing.T, newHarness HarnessMaker) {
	rule(t, newHarness, "UnackedMessageIsRedelivered", func(e *env) {
		topic := e.topic()
		s := e.subscribe(e.bus, topic, "a")
		sent := messages(1)
		e.publish(e.bus, topic, sent...)
		e.receive(s, "the message left unacked") // neither Ack nor Nack
		if !closes(e.t, "Subscription.Close", s) {
			return
		}
		next := e.subscribe(e.bus, topic, "a")
		d := e.receive(next, "the message its closed subscriber left unacked")
		d.Ack()
		if d.Message().ID != sent[0].ID {
			e.failf("received %q, want %q", d.Message().ID, sent[0].ID)
		}
	})

	// A subscriber may have fetched more than it handed out; Close must give
	// back those too, not only the one delivered and unacked.
	rule(t, newHarness, "EveryUnackedMessageIsRedelivered", func(e *env) {
		topic := e.topic()
		s := e.subscribe(e.bus, topic, "a")
		msgs := messages(50)
		e.publish(e.bus, topic, msgs...)
		acked := e.receiveIDs(s, 20, "the messages acked before Close")
		e.receive(s, "the message left unacked")
		if !closes(e.t, "Subscription.Close", s) {
			return
		}
		rest := idSet(msgs)
		for id := range acked {
			delete(rest, id)
		}
		next := e.subscribe(e.bus, topic, "a")
		if d := diffIDs(e.receiveIDs(next, len(rest), "the messages not acked before Close"), rest); d != "" {
			e.failf("%s", d)
		}
	})

	rule(t, newHarness, "UnackedMessageGoesToARemainingSubscriber", func(e *env) {
		topic := e.topic()
		leaving := e.subscribe(e.bus, topic, "a")
		staying := e.subscribe(e.bus, topic, "a")
		sent := messages(1)
		e.publish(e.bus, topic, sent...)
		// The staying subscriber is attached but not receiving yet.
		e.receive(leaving, "the message left unacked") // neither Ack nor Nack
		if !closes(e.t, "Subscription.Close", leaving) {
			return
		}
		got := e.receive(staying, "the message the closed subscriber left unacked")
		got.Ack()
		if got.Message().ID != sent[0].ID {
			e.failf("received %q, want %q", got.Message().ID, sent[0].ID)
		}
	})

	rule(t, newHarness, "OtherSubscribersKeepReceiving", func(e *env) {
		topic := e.topic()
		leaving := e.subscribe(e.bus, topic, "a")
		staying := e.subscribe(e.bus, topic, "a")
		if !closes(e.t, "Subscription.Close", leaving) {
			return
		}
		msgs := messages(3)
		e.publish(e.bus, topic, msgs...)
		if d := diffIDs(e.receiveIDs(staying, len(msgs), "messages after another subscriber closed"), idSet(msgs)); d != "" {
			e.failf("%s", d)
		}
	})

	rule(t, newHarness, "ReceiveAfterCloseReturnsAnError", func(e *env) {
		s := e.subscribe(e.bus, e.topic(), "a")
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
		s := e.subscribe(e.bus, e.topic(), "a")
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
				e.failf("Receive waiting during Close returned a message from an empty subscription")
			}
		case <-ctx.Done():
			e.failf("Receive waiting during Close did not return")
		}
	})
}
