package backbone

import (
	"context"
	"encoding/json"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// PeriodIntervalForTest exposes the calendar period containing now.
func PeriodIntervalForTest(period string, now time.Time) (time.Time, time.Time) {
	return periodInterval(period, now)
}

// HandleQuotasForTest runs the quotas consumer's handler for ev as if it
// had arrived on the bus.
func HandleQuotasForTest(ctx context.Context, b *Backbone, ev any) error {
	e := ev.(domainEvent)
	body, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return b.quotasHandlers()[e.eventName()](ctx, driver.Message{ID: NewID(prefixDomainEvent), Body: body})
}

// CheckQuotasForTest runs the enforcement read of a quota-checked command.
func CheckQuotasForTest(ctx context.Context, b *Backbone, as Caller, metricKeys ...string) error {
	return b.checkQuotas(ctx, as, metricKeys...)
}
