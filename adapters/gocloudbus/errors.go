package gocloudbus

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
	amqp "github.com/rabbitmq/amqp091-go"
	"gocloud.dev/gcerrors"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// ErrClosed is returned by the methods of a closed Bus or Subscription.
var ErrClosed = errors.New("gocloudbus: closed")

// translate is the one place where provider errors become the bus's errors:
// context errors stay matchable with errors.Is, missing resources wrap
// driver.ErrNotFound, everything else is wrapped with the operation.
//
// It also decides one thing that is not an error: RabbitMQ returns a message
// that no queue is bound to (NO_ROUTE) because gocloud publishes with the
// mandatory flag. A topic without subscriptions drops its messages by
// contract, so that return means success.
func translate(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrClosed):
		return err
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("gocloudbus: %s: %w", op, err)
	case op == "publish" && unroutable(err):
		return nil
	case notFound(err):
		return fmt.Errorf("gocloudbus: %s: %w: %w", op, driver.ErrNotFound, err)
	}
	return fmt.Errorf("gocloudbus: %s: %w", op, err)
}

func notFound(err error) bool {
	var aerr *amqp.Error
	if errors.As(err, &aerr) && aerr.Code == amqp.NotFound {
		return true
	}
	if errors.Is(err, jetstream.ErrStreamNotFound) || errors.Is(err, jetstream.ErrConsumerNotFound) {
		return true
	}
	return gcerrors.Code(err) == gcerrors.NotFound
}

// unroutable reports whether err consists only of rabbitpubsub's
// "message returned … NO_ROUTE (code 312)" errors. rabbitpubsub formats them
// with fmt.Errorf, so the text is all there is to match.
func unroutable(err error) bool {
	for _, line := range strings.Split(err.Error(), "; ") {
		if !strings.Contains(line, "rabbitpubsub: message returned from") || !strings.Contains(line, "(code 312)") {
			return false
		}
	}
	return true
}
