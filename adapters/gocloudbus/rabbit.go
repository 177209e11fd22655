package gocloudbus

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"

	amqp "github.com/rabbitmq/amqp091-go"
	"gocloud.dev/pubsub"
	"gocloud.dev/pubsub/rabbitpubsub"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// rabbitProvider maps a topic to a durable fanout exchange and a subscription
// to a durable queue bound to it, named "<exchange>_<subscription>", and a
// transient subscription to an exclusive, non-durable classic queue bound to
// it, named "<exchange>_transient_<random>". rabbitpubsub declares none of
// them, so this does, with amqp091.
//
// Each subscriber gets a connection of its own: rabbitpubsub's Subscription
// never closes its AMQP channel, and closing the connection is the one way to
// hand its unacknowledged and prefetched messages back to the queue at once.
type rabbitProvider struct {
	cfg  config
	conn *amqp.Connection // declarations and publishing
}

func openRabbit(ctx context.Context, cfg config) (*rabbitProvider, error) {
	conn, err := dialRabbit(ctx, cfg.server)
	if err != nil {
		return nil, err
	}
	return &rabbitProvider{cfg: cfg, conn: conn}, nil
}

func dialRabbit(ctx context.Context, server string) (*amqp.Connection, error) {
	type result struct {
		conn *amqp.Connection
		err  error
	}
	c := make(chan result, 1)
	go func() {
		conn, err := amqp.DialConfig(server, amqp.Config{Properties: amqp.Table{"connection_name": "openbackbone gocloudbus"}})
		c <- result{conn, err}
	}()
	select {
	case r := <-c:
		return r.conn, r.err
	case <-ctx.Done():
		go func() {
			if r := <-c; r.conn != nil {
				_ = r.conn.Close()
			}
		}()
		return nil, ctx.Err()
	}
}

// declare runs f on a channel of its own: a failed declaration closes the
// channel it ran on.
func (p *rabbitProvider) declare(f func(ch *amqp.Channel) error) error {
	return onChannel(p.conn, f)
}

func onChannel(conn *amqp.Connection, f func(ch *amqp.Channel) error) error {
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	defer ch.Close()
	return f(ch)
}

func (p *rabbitProvider) declareExchange(ch *amqp.Channel, exchange string) error {
	return ch.ExchangeDeclare(exchange, amqp.ExchangeFanout, true, false, false, false, nil)
}

func (p *rabbitProvider) openTopic(_ context.Context, name string) (*pubsub.Topic, error) {
	err := p.declare(func(ch *amqp.Channel) error { return p.declareExchange(ch, name) })
	if err != nil {
		return nil, err
	}
	return rabbitpubsub.OpenTopic(p.conn, name, nil), nil
}

func (p *rabbitProvider) attach(ctx context.Context, topic, sub string) (attachment, error) {
	queue := topic + "_" + sub
	err := p.declare(func(ch *amqp.Channel) error {
		if err := p.declareExchange(ch, topic); err != nil {
			return err
		}
		args := amqp.Table{"x-queue-type": p.cfg.queueType}
		if p.cfg.queueExpires > 0 {
			args["x-expires"] = p.cfg.queueExpires.Milliseconds()
		}
		if _, err := ch.QueueDeclare(queue, true, false, false, false, args); err != nil {
			return err
		}
		return ch.QueueBind(queue, "", topic, false, nil)
	})
	if err != nil {
		return attachment{}, err
	}
	conn, err := dialRabbit(ctx, p.cfg.server)
	if err != nil {
		return attachment{}, err
	}
	ps := p.consume(conn, queue)
	return attachment{sub: ps, detach: func(ctx context.Context) error {
		// Shutdown flushes the acks and nacks; closing the connection
		// requeues whatever is left.
		return errors.Join(ps.Shutdown(ctx), closeConn(conn))
	}}, nil
}

// attachTransient declares the queue on the subscriber's own connection,
// exclusive to it: the broker deletes an exclusive queue when its connection
// closes, however the process ends. (Auto-delete would not do: it deletes the
// queue when its consumer is cancelled, which rabbitpubsub does and then
// consumes again after a channel error; and RabbitMQ 4 deprecates
// non-exclusive transient queues. An x-expires would delete the queue of a
// subscriber that has not called Receive yet, as rabbitpubsub starts
// consuming on the first Receive.) Classic, as quorum queues are durable.
func (p *rabbitProvider) attachTransient(ctx context.Context, topic string) (attachment, error) {
	queue := topic + "_transient_" + rand.Text()
	conn, err := dialRabbit(ctx, p.cfg.server)
	if err != nil {
		return attachment{}, err
	}
	err = onChannel(conn, func(ch *amqp.Channel) error {
		if err := p.declareExchange(ch, topic); err != nil {
			return err
		}
		args := amqp.Table{"x-queue-type": "classic"}
		if _, err := ch.QueueDeclare(queue, false, false, true, false, args); err != nil {
			return err
		}
		return ch.QueueBind(queue, "", topic, false, nil)
	})
	if err != nil {
		return attachment{}, errors.Join(err, closeConn(conn))
	}
	ps := p.consume(conn, queue)
	return attachment{sub: ps, detach: func(ctx context.Context) error {
		// Delete the queue before closing the connection, which would delete
		// it too, but asynchronously. A connection that is gone took it along.
		err := ps.Shutdown(ctx)
		del := onChannel(conn, func(ch *amqp.Channel) error {
			_, err := ch.QueueDelete(queue, false, false, false)
			return err
		})
		if errors.Is(del, amqp.ErrClosed) || notFound(del) {
			del = nil
		}
		return errors.Join(err, del, closeConn(conn))
	}}, nil
}

func (p *rabbitProvider) consume(conn *amqp.Connection, queue string) *pubsub.Subscription {
	prefetch := p.cfg.prefetch
	return rabbitpubsub.OpenSubscription(conn, queue, &rabbitpubsub.SubscriptionOptions{PrefetchCount: &prefetch})
}

// decorate makes the message persistent and sets the AMQP message ID, for
// tools that look at the queue.
func (p *rabbitProvider) decorate(pm *pubsub.Message, m driver.Message) {
	pm.BeforeSend = func(as func(any) bool) error {
		var pub *amqp.Publishing
		if as(&pub) {
			pub.DeliveryMode = amqp.Persistent
			pub.MessageId = m.ID
		}
		return nil
	}
}

// reserved: RabbitMQ adds headers of its own on the way ("x-delivery-count"
// on quorum queues, "x-death" after dead-lettering); "x-" is its prefix.
func (p *rabbitProvider) reserved(key string) bool { return strings.HasPrefix(key, "x-") }

func (p *rabbitProvider) hasSubscriptions(string) bool { return true }

func (p *rabbitProvider) close(context.Context) error { return closeConn(p.conn) }

// closeConn closes conn; one the broker already closed is no error.
func closeConn(conn *amqp.Connection) error {
	if err := conn.Close(); err != nil && !errors.Is(err, amqp.ErrClosed) {
		return err
	}
	return nil
}
