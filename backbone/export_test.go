package backbone

import (
	"context"

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
