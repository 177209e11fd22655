package gocloudbus

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"gocloud.dev/pubsub"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// Options configures Open. Query parameters of the URL override them.
type Options struct {
	// Prefix is prepended to every topic name (and to subscription names
	// where the provider has one namespace for them), so that several
	// deployments can share a broker. Example: "openbackbone.". Query
	// parameter: prefix.
	Prefix string
	// ServerURL is the broker of rabbit:// (amqp://…) and nats://
	// (nats://…) buses, for callers who keep credentials out of the bus URL.
	// Query parameter: server.
	ServerURL string
}

// idKey is the metadata key that carries driver.Message.ID across every
// provider. Publish rejects messages whose own metadata uses it.
const idKey = "openbackbone-message-id"

// emptyKeysKey carries, as a JSON array, the metadata keys whose values are
// empty, for providers that refuse empty values (SNS); Receive restores
// them. Publish rejects messages whose own metadata uses it.
const emptyKeysKey = "openbackbone-empty-keys"

// closeTimeout bounds how long Close waits for pending acknowledgements and
// sends to reach the broker.
const closeTimeout = 10 * time.Second

// Bus is a driver.Bus on gocloud.dev/pubsub. It is safe for concurrent use.
type Bus struct {
	p provider

	mu     sync.Mutex
	closed bool
	topics map[string]*pubsub.Topic   // by provider name; opened on first use
	subs   map[*subscription]struct{} // open subscribers, closed by Close
	prefix string
}

var (
	_ driver.Bus          = (*Bus)(nil)
	_ driver.BroadcastBus = (*Bus)(nil)
)

// provider is what differs between brokers.
type provider interface {
	// openTopic opens the provider topic called name, declaring it where the
	// provider needs that (name already carries the prefix).
	openTopic(ctx context.Context, name string) (*pubsub.Topic, error)
	// attach declares the durable subscription sub of topic where needed and
	// attaches one subscriber to it. topic carries the prefix, sub does not.
	attach(ctx context.Context, topic, sub string) (attachment, error)
	// attachTransient creates a subscription of topic for one subscriber
	// alone and attaches it; its detach removes the subscription. topic
	// carries the prefix.
	attachTransient(ctx context.Context, topic string) (attachment, error)
	// decorate adds provider-native fields to an outgoing message.
	decorate(pm *pubsub.Message, m driver.Message)
	// reserved reports whether a metadata key is the broker's: Publish
	// rejects it and Receive drops it.
	reserved(key string) bool
	// hasSubscriptions reports whether publishing to topic can reach anyone;
	// false only when the provider knows for certain.
	hasSubscriptions(topic string) bool
	close(ctx context.Context) error
}

// attachment is one subscriber's handle on a subscription.
type attachment struct {
	sub *pubsub.Subscription
	// detach releases the subscriber after its unacknowledged messages have
	// been nacked; it must leave them for redelivery (a transient
	// subscription, which detach removes, drops them).
	detach func(ctx context.Context) error
}

// Open returns a Bus for the broker named by rawURL's scheme; see the package
// documentation for the URL forms and their query parameters. Unknown schemes
// and parameters are errors. Open connects to rabbit:// and nats:// brokers
// at once; the cloud providers connect on first use.
func Open(ctx context.Context, rawURL string, opts Options) (*Bus, error) {
	cfg, err := parseURL(rawURL, opts)
	if err != nil {
		return nil, err
	}
	var p provider
	switch cfg.scheme {
	case "mem":
		p = newMemProvider(cfg)
	case "rabbit":
		p, err = openRabbit(ctx, cfg)
	case "nats":
		p, err = openNATS(ctx, cfg)
	case "azuresb", "awssnssqs", "gcppubsub":
		p, err = openCloud(cfg)
	}
	if err != nil {
		return nil, translate("open "+cfg.scheme, err)
	}
	return &Bus{
		p:      p,
		topics: map[string]*pubsub.Topic{},
		subs:   map[*subscription]struct{}{},
		prefix: cfg.prefix,
	}, nil
}

// Publish sends the messages to every subscription of the topic and returns
// when the broker has accepted all of them. The messages are sent
// concurrently, so the broker may batch them.
func (b *Bus) Publish(ctx context.Context, topic string, msgs ...driver.Message) error {
	if err := validateName("topic", topic); err != nil {
		return err
	}
	for _, m := range msgs {
		for k := range m.Metadata {
			if k == idKey || k == emptyKeysKey || b.p.reserved(k) {
				return fmt.Errorf("gocloudbus: publish to %q: metadata key %q is reserved", topic, k)
			}
		}
	}
	name := b.prefix + topic
	t, err := b.topic(ctx, name)
	if err != nil || len(msgs) == 0 || !b.p.hasSubscriptions(name) {
		return err
	}
	if len(msgs) == 1 {
		return translate("publish", t.Send(ctx, b.message(msgs[0])))
	}
	errs := make([]error, len(msgs))
	var wg sync.WaitGroup
	for i, m := range msgs {
		wg.Go(func() { errs[i] = translate("publish", t.Send(ctx, b.message(m))) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (b *Bus) message(m driver.Message) *pubsub.Message {
	md := make(map[string]string, len(m.Metadata)+1)
	for k, v := range m.Metadata {
		md[k] = v
	}
	if m.ID != "" {
		md[idKey] = m.ID
	}
	pm := &pubsub.Message{Body: m.Body, Metadata: md}
	b.p.decorate(pm, m)
	return pm
}

// topic returns the cached topic, opening it on first use.
func (b *Bus) topic(ctx context.Context, name string) (*pubsub.Topic, error) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, ErrClosed
	}
	t := b.topics[name]
	b.mu.Unlock()
	if t != nil {
		return t, nil
	}
	t, err := b.p.openTopic(ctx, name)
	if err != nil {
		return nil, translate(fmt.Sprintf("open topic %q", name), err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if other := b.topics[name]; other != nil || b.closed {
		// Lost a race with another opener, or with Close. (A provider may
		// hand out one shared Topic, which then must stay open.)
		if t != other {
			_ = t.Shutdown(ctx)
		}
		if b.closed {
			return nil, ErrClosed
		}
		return other, nil
	}
	b.topics[name] = t
	return t, nil
}

// Subscribe attaches a subscriber to the durable subscription, declaring the
// subscription on first use: from then on it receives every message published
// to the topic, whether or not a subscriber is attached.
func (b *Bus) Subscribe(ctx context.Context, topic, subscription string) (driver.Subscription, error) {
	if err := validateName("topic", topic); err != nil {
		return nil, err
	}
	if err := validateName("subscription", subscription); err != nil {
		return nil, err
	}
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	a, err := b.p.attach(ctx, b.prefix+topic, subscription)
	if err != nil {
		return nil, translate(fmt.Sprintf("subscribe %q to %q", subscription, topic), err)
	}
	return b.register(a)
}

// SubscribeTransient attaches a transient subscriber: a subscription of the
// topic for it alone, which receives every message published after
// SubscribeTransient returns, independently of every other subscriber, and
// which is removed, with its undelivered messages, when the subscriber is
// closed or its process is gone. mem, rabbit and nats buses support it; the
// cloud providers return an error wrapping errors.ErrUnsupported. See the
// package documentation for what each provider creates.
func (b *Bus) SubscribeTransient(ctx context.Context, topic string) (driver.Subscription, error) {
	if err := validateName("topic", topic); err != nil {
		return nil, err
	}
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	a, err := b.p.attachTransient(ctx, b.prefix+topic)
	if err != nil {
		return nil, translate(fmt.Sprintf("subscribe transiently to %q", topic), err)
	}
	return b.register(a)
}

// register wraps a new attachment in a subscription that Close will close.
func (b *Bus) register(a attachment) (driver.Subscription, error) {
	s := newSubscription(b, a)
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		_ = s.Close()
		return nil, ErrClosed
	}
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	return s, nil
}

func (b *Bus) forget(s *subscription) {
	b.mu.Lock()
	delete(b.subs, s)
	b.mu.Unlock()
}

// Close closes the Bus's open subscribers (the unacknowledged messages of
// durable subscriptions are delivered again; transient subscriptions are
// removed), flushes and closes its topics and disconnects. Closing a closed
// Bus does nothing.
func (b *Bus) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	subs, topics := b.subs, b.topics
	b.subs, b.topics = nil, nil
	b.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	var errs []error
	for s := range subs {
		errs = append(errs, s.Close())
	}
	for name, t := range topics {
		if err := t.Shutdown(ctx); err != nil {
			errs = append(errs, translate(fmt.Sprintf("close topic %q", name), err))
		}
	}
	errs = append(errs, translate("close", b.p.close(ctx)))
	return errors.Join(errs...)
}
