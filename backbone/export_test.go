package backbone

import (
	"context"
	"encoding/json"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// RaiseForTest records domain events through the outbox as a service
// would, so tests can drive the event pipeline before the features that
// raise them exist.
func RaiseForTest(ctx context.Context, b *Backbone, evs ...any) error {
	return b.inTx(ctx, func(tx driver.Tx) error {
		for _, ev := range evs {
			if err := b.raise(ctx, tx, b.now(), ev.(domainEvent)); err != nil {
				return err
			}
		}
		return nil
	})
}

// PushStatsForTest returns what the push queue did so far.
func PushStatsForTest(b *Backbone) (sent, retried, gaveUp, invalidHandles, undeliverable, dropped int64) {
	s := b.pushQueue.Stats()
	return s.Sent, s.Retried, s.GaveUp, s.InvalidHandles, s.Undeliverable, s.Dropped
}

// HandleForTest runs the devices consumer's handler for ev as if it had
// arrived on the bus.
func HandleForTest(ctx context.Context, b *Backbone, ev any) error {
	e := ev.(domainEvent)
	body, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return b.devicesHandlers()[e.eventName()](ctx, driver.Message{ID: NewID(prefixDomainEvent), Body: body})
}
