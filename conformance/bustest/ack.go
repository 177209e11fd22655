package bustest

import "testing"

func testAck(t *testing.T, newHarness HarnessMaker) {
	rule(t, newHarness, "AckedMessageIsNotRedelivered", func(e *env) {
		topic := e.topic()
		s := e.subscribe(e.bus, topic, "a")
		acked := messages(1)
		e.publish(e.bus, topic, acked...)
		e.receive(s, "the message to ack").Ack()
		// Detaching would hand back anything unacknowledged.
		if !closes(e.t, "Subscription.Close", s) {
			return
		}
		s = e.subscribe(e.bus, topic, "a")
		marker := messages(1)
		e.publish(e.bus, topic, marker...)
		d := e.receive(s, "the message published after the ack")
		d.Ack()
		if d.Message().ID != marker[0].ID {
			e.failf("received %q again after it was acked", d.Message().ID)
		}
		e.expectNothing(s, "an acked message must not be delivered again")
	})
}
