package driver

import "context"

// Message is one event on the bus. Body is opaque to the bus.
type Message struct {
	// ID identifies the message for deduplication by consumers; the bus
	// may deliver a message more than once.
	ID       string
	Body     []byte
	Metadata map[string]string
}

// Bus carries events between the processes of a Backbone: at-least-once,
// unordered. Drivers should not retry; the portable layer above does.
type Bus interface {
	// Publish sends the messages to the topic. When it returns nil, every
	// message has been accepted by the broker.
	Publish(ctx context.Context, topic string, msgs ...Message) error
	// Subscribe attaches to a named, durable subscription of the topic:
	// every subscription receives each message, and subscribers that share a
	// subscription name share its messages (competing consumers). The
	// subscription exists once the first Subscribe to it has returned, and
	// from then on receives every message published to the topic, whether or
	// not a subscriber is attached.
	Subscribe(ctx context.Context, topic, subscription string) (Subscription, error)
	// Close releases the bus's resources.
	Close() error
}

// Subscription receives messages of one subscription.
type Subscription interface {
	// Receive blocks until a message arrives or ctx ends; then it returns an
	// error wrapping ctx.Err(). After Close it returns an error.
	Receive(ctx context.Context) (Delivery, error)
	// Close detaches from the subscription; unacknowledged messages are
	// delivered again.
	Close() error
}

// Delivery is a received message; exactly one of Ack and Nack must be
// called on it.
type Delivery interface {
	Message() Message
	// Ack marks the message handled.
	Ack()
	// Nack asks for the message to be delivered again later.
	Nack()
}

// BroadcastBus is implemented by buses that can attach transient
// subscribers: each receives every message published to the topic while it
// is attached, independently of every other subscriber, and nothing is kept
// for it once it is detached or its process is gone. Replicas use it to hear
// about things that concern connections only they hold (server-sent
// events).
type BroadcastBus interface {
	Bus
	// SubscribeTransient attaches a new transient subscriber to the topic.
	// Messages published after it returns reach it; Close detaches it and,
	// unlike the Close of a durable subscriber, drops its undelivered and
	// unacknowledged messages. Nack asks for a redelivery to this same
	// subscriber. A bus whose backend cannot attach transient subscribers
	// (it depends on the broker a URL names) returns an error wrapping
	// errors.ErrUnsupported.
	SubscribeTransient(ctx context.Context, topic string) (Subscription, error)
}
