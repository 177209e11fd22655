package gocloudbus

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	amqp "github.com/rabbitmq/amqp091-go"
	"gocloud.dev/pubsub/rabbitpubsub"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

func TestTranslate(t *testing.T) {
	noRoute := fmt.Errorf("rabbitpubsub: message returned from %s: %s (code %d)", "ob.T", "NO_ROUTE", 312)
	other := fmt.Errorf("rabbitpubsub: message returned from %s: %s (code %d)", "ob.T", "NO_CONSUMERS", 313)
	if err := translate("publish", noRoute); err != nil {
		t.Errorf("NO_ROUTE on publish: %v, want nil (a topic without subscriptions drops messages)", err)
	}
	if err := translate("publish", rabbitpubsub.MultiError{noRoute, noRoute}); err != nil {
		t.Errorf("several NO_ROUTE on publish: %v, want nil", err)
	}
	if err := translate("publish", rabbitpubsub.MultiError{noRoute, other}); err == nil {
		t.Error("a mix of NO_ROUTE and another return on publish: nil, want an error")
	}
	if err := translate("receive", noRoute); err == nil {
		t.Error("NO_ROUTE outside publish: nil, want an error")
	}
	for _, err := range []error{&amqp.Error{Code: amqp.NotFound, Reason: "NOT_FOUND - no exchange"}, jetstream.ErrStreamNotFound, jetstream.ErrConsumerNotFound} {
		if got := translate("open", err); !errors.Is(got, driver.ErrNotFound) || !errors.Is(got, err) {
			t.Errorf("translate(%v) = %v, want it to wrap driver.ErrNotFound and the cause", err, got)
		}
	}
	if got := translate("receive", context.DeadlineExceeded); !errors.Is(got, context.DeadlineExceeded) {
		t.Errorf("translate(DeadlineExceeded) = %v", got)
	}
	if got := translate("x", ErrClosed); got != ErrClosed {
		t.Errorf("translate(ErrClosed) = %v", got)
	}
}
