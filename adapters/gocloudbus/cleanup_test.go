package gocloudbus_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/openbackbone/openbackbone/adapters/gocloudbus"
	"github.com/openbackbone/openbackbone/backbone/driver"
)

// names records the topics and subscriptions a test used, so the harness can
// delete them from a shared broker afterwards (by the names the package
// documentation gives).
type names struct {
	prefix string
	mu     sync.Mutex
	topics map[string]map[string]bool
}

func (n *names) add(topic, sub string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.topics == nil {
		n.topics = map[string]map[string]bool{}
	}
	if n.topics[topic] == nil {
		n.topics[topic] = map[string]bool{}
	}
	if sub != "" {
		n.topics[topic][sub] = true
	}
}

// recording is a Bus that records the names used through it, and, with
// prepare, has them created first. It keeps the Bus's driver.BroadcastBus, so
// the suite's transient rules run through it.
type recording struct {
	*gocloudbus.Bus
	names   *names
	prepare func(ctx context.Context, n *names, topic, sub string) error
}

var _ driver.BroadcastBus = recording{}

func (r recording) Publish(ctx context.Context, topic string, msgs ...driver.Message) error {
	r.names.add(topic, "")
	if r.prepare != nil {
		if err := r.prepare(ctx, r.names, topic, ""); err != nil {
			return err
		}
	}
	return r.Bus.Publish(ctx, topic, msgs...)
}

func (r recording) Subscribe(ctx context.Context, topic, sub string) (driver.Subscription, error) {
	r.names.add(topic, sub)
	if r.prepare != nil {
		if err := r.prepare(ctx, r.names, topic, sub); err != nil {
			return nil, err
		}
	}
	return r.Bus.Subscribe(ctx, topic, sub)
}

// SubscribeTransient records the topic only: transient subscriptions remove
// themselves.
func (r recording) SubscribeTransient(ctx context.Context, topic string) (driver.Subscription, error) {
	r.names.add(topic, "")
	return r.Bus.SubscribeTransient(ctx, topic)
}

// removeRabbit deletes the exchange P+T and queues P+T_S of each test.
func removeRabbit(t testing.TB, server string) func(*names) {
	return func(n *names) {
		conn, err := amqp.Dial(server)
		if err != nil {
			t.Logf("clean up RabbitMQ: %v", err)
			return
		}
		defer conn.Close()
		for topic, subs := range n.topics {
			for sub := range subs {
				if ch, err := conn.Channel(); err == nil {
					_, _ = ch.QueueDelete(n.prefix+topic+"_"+sub, false, false, false)
					_ = ch.Close()
				}
			}
			if ch, err := conn.Channel(); err == nil {
				_ = ch.ExchangeDelete(n.prefix+topic, false, false)
				_ = ch.Close()
			}
		}
	}
}

// removeNATS deletes the stream of each topic (its consumers go with it).
func removeNATS(t testing.TB, server string) func(*names) {
	return func(n *names) {
		nc, err := nats.Connect(server)
		if err != nil {
			t.Logf("clean up NATS: %v", err)
			return
		}
		defer nc.Close()
		js, err := jetstream.New(nc)
		if err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for topic := range n.topics {
			_ = js.DeleteStream(ctx, strings.ReplaceAll(n.prefix+topic, ".", "_"))
		}
	}
}
