package bustest

import (
	"bytes"
	"maps"
	"testing"
)

func testNack(t *testing.T, newHarness HarnessMaker) {
	rule(t, newHarness, "RedeliversTheMessage", func(e *env) {
		topic := e.topic()
		s := e.subscribe(e.bus, topic, "a")
		sent := messages(1)[0]
		e.publish(e.bus, topic, sent)
		e.receive(s, "the message to nack").Nack()
		d := e.receive(s, "the nacked message, delivered again")
		d.Ack()
		got := d.Message()
		if got.ID != sent.ID || !bytes.Equal(got.Body, sent.Body) || !maps.Equal(got.Metadata, sent.Metadata) {
			e.failf("after Nack received %q %q %q, want %q %q %q", got.ID, got.Body, got.Metadata, sent.ID, sent.Body, sent.Metadata)
		}
		e.expectNothing(s, "a redelivered message, once acked, must not be delivered again")
	})

	rule(t, newHarness, "LeavesOtherSubscriptionsAlone", func(e *env) {
		topic := e.topic()
		a := e.subscribe(e.bus, topic, "a")
		b := e.subscribe(e.bus, topic, "b")
		e.publish(e.bus, topic, messages(1)...)
		e.receive(a, "subscription a's message").Ack()
		d := e.receive(b, "subscription b's message")
		d.Nack()
		e.receive(b, "subscription b's message, delivered again").Ack()
		e.expectNothing(a, "a nack on subscription b must not deliver the message to subscription a again")
	})
}
