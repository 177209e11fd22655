package gocloudbus

import (
	"context"
	"crypto/rand"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/internal/testservices"
)

// The conformance suite checks what transient subscribers receive; these
// tests check that each provider removes what it created for one.

func TestTransientMemSubscriptionLeavesTheFanOut(t *testing.T) {
	ctx := context.Background()
	b, err := Open(ctx, "mem://", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	p := b.p.(*memProvider)
	count := func() int {
		p.mu.Lock()
		defer p.mu.Unlock()
		return len(p.topics["topic"].transient)
	}
	s, err := b.SubscribeTransient(ctx, "topic")
	if err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Fatalf("after SubscribeTransient the fan-out has %d transient subscriptions, want 1", n)
	}
	if err := b.Publish(ctx, "topic", driver.Message{ID: "1"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 0 {
		t.Errorf("after Close the fan-out has %d transient subscriptions, want 0", n)
	}
	if b.p.hasSubscriptions("topic") {
		t.Error("a topic whose only subscriber was transient and closed still reports subscriptions")
	}
}

func TestTransientSubscriberIsClosedWithTheBus(t *testing.T) {
	ctx := context.Background()
	b, err := Open(ctx, "mem://", Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := b.SubscribeTransient(ctx, "topic")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Receive(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Receive on a transient subscriber of a closed Bus: %v, want ErrClosed", err)
	}
	if _, err := b.SubscribeTransient(ctx, "topic"); !errors.Is(err, ErrClosed) {
		t.Errorf("SubscribeTransient after Close: %v, want ErrClosed", err)
	}
	if _, err := b.SubscribeTransient(ctx, "bad_topic"); err == nil || !strings.Contains(err.Error(), `invalid topic name "bad_topic"`) {
		t.Errorf("SubscribeTransient to an invalid topic name: %v", err)
	}
}

func TestTransientIsUnsupportedByCloudProviders(t *testing.T) {
	t.Setenv("SERVICEBUS_CONNECTION_STRING", "Endpoint=sb://example.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=c2VjcmV0")
	for _, u := range []string{
		"azuresb://",
		"awssnssqs://?region=eu-central-1&account=123456789012",
		"gcppubsub://?project=my-project",
	} {
		b, err := Open(context.Background(), u, Options{})
		if err != nil {
			t.Fatalf("Open(%q): %v", u, err)
		}
		scheme, _, _ := strings.Cut(u, ":")
		_, err = b.SubscribeTransient(context.Background(), "topic")
		if !errors.Is(err, errors.ErrUnsupported) || !strings.Contains(err.Error(), scheme+"://") || !strings.Contains(err.Error(), "mem://, rabbit:// or nats://") {
			t.Errorf("%s: SubscribeTransient: %v, want an error wrapping errors.ErrUnsupported that names the scheme and the ones that work", scheme, err)
		}
		_ = b.Close()
	}
}

func TestTransientRabbitQueueGoes(t *testing.T) {
	server := testservices.RabbitMQ(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	prefix := "obtest." + rand.Text()[:10] + "."
	b, err := Open(ctx, "rabbit://?server="+url.QueryEscape(server), Options{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	exchange := prefix + "topic"

	// A raw publisher with the mandatory flag and confirms: the broker returns
	// a message no queue is bound to before it confirms it.
	conn, err := amqp.Dial(server)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ch.ExchangeDelete(exchange, false, false) }()
	if err := ch.Confirm(false); err != nil {
		t.Fatal(err)
	}
	returns := ch.NotifyReturn(make(chan amqp.Return, 1))
	routed := func() bool {
		t.Helper()
		c, err := ch.PublishWithDeferredConfirmWithContext(ctx, exchange, "", true, false, amqp.Publishing{Body: []byte("probe")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.WaitContext(ctx); err != nil {
			t.Fatal(err)
		}
		select {
		case <-returns:
			return false
		default:
			return true
		}
	}
	// eventuallyUnrouted waits for the broker to remove the queue, which it
	// does asynchronously when a connection closes.
	eventuallyUnrouted := func() bool {
		t.Helper()
		for range 50 {
			if !routed() {
				return true
			}
			time.Sleep(100 * time.Millisecond)
		}
		return false
	}

	s, err := b.SubscribeTransient(ctx, "topic")
	if err != nil {
		t.Fatal(err)
	}
	if !routed() {
		t.Fatal("a message to the topic of a transient subscriber reached no queue")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if routed() {
		t.Error("after Close of the transient subscriber, a message to its topic still reached a queue")
	}

	// A subscriber whose process dies: its connection goes, and its
	// exclusive queue with it.
	a, err := b.p.attachTransient(ctx, exchange)
	if err != nil {
		t.Fatal(err)
	}
	var subConn *amqp.Connection
	if !a.sub.As(&subConn) {
		t.Fatal("rabbitpubsub subscription does not expose its connection")
	}
	if !routed() {
		t.Fatal("a message to the topic of a transient subscription reached no queue")
	}
	_ = subConn.Close()
	if !eventuallyUnrouted() {
		t.Error("after its connection closed, the transient subscription's queue is still bound")
	}
	if err := a.detach(ctx); err != nil {
		t.Errorf("detach after the connection is gone: %v", err)
	}
}

func TestTransientNATSConsumerGoes(t *testing.T) {
	server := testservices.NATS(t)
	defer func(d time.Duration) { transientInactivity = d }(transientInactivity)
	transientInactivity = 1500 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	prefix := "obtest." + rand.Text()[:10] + "."
	b, err := Open(ctx, "nats://?storage=memory&server="+url.QueryEscape(server), Options{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	nc, err := nats.Connect(server)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	stream := dotless(prefix + "topic")
	defer func() { _ = js.DeleteStream(context.Background(), stream) }()
	consumers := func() []*jetstream.ConsumerInfo {
		t.Helper()
		st, err := js.Stream(ctx, stream)
		if err != nil {
			t.Fatal(err)
		}
		var infos []*jetstream.ConsumerInfo
		l := st.ListConsumers(ctx)
		for ci := range l.Info() {
			infos = append(infos, ci)
		}
		if err := l.Err(); err != nil {
			t.Fatal(err)
		}
		return infos
	}

	s, err := b.SubscribeTransient(ctx, "topic")
	if err != nil {
		t.Fatal(err)
	}
	cs := consumers()
	if len(cs) != 1 {
		t.Fatalf("after SubscribeTransient the stream has %d consumers, want 1", len(cs))
	}
	if c := cs[0].Config; c.Durable != "" || c.InactiveThreshold != transientInactivity || c.DeliverPolicy != jetstream.DeliverNewPolicy || c.AckPolicy != jetstream.AckExplicitPolicy {
		t.Errorf("transient consumer config: durable %q, inactive threshold %v, deliver policy %v, ack policy %v", c.Durable, c.InactiveThreshold, c.DeliverPolicy, c.AckPolicy)
	}

	// Not receiving for twice the threshold: the keep-alive pulls hold the
	// consumer, and what they pulled is delivered again.
	if err := b.Publish(ctx, "topic", driver.Message{ID: "early"}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * transientInactivity)
	if err := b.Publish(ctx, "topic", driver.Message{ID: "late"}); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for range 2 {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		d, err := s.Receive(rctx)
		cancel()
		if err != nil {
			t.Fatalf("Receive after an idle %v (got %v so far): %v", 2*transientInactivity, got, err)
		}
		got[d.Message().ID] = true
		d.Ack()
	}
	if !got["early"] || !got["late"] {
		t.Errorf("after an idle %v received %v, want early and late", 2*transientInactivity, got)
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if cs := consumers(); len(cs) != 0 {
		t.Errorf("after Close the stream has %d consumers, want 0", len(cs))
	}

	// A subscriber whose process dies stops pulling; the server deletes its
	// consumer after the threshold. (Shutdown stops the pulls and leaves the
	// consumer, as a dead process would.)
	a, err := b.p.attachTransient(ctx, prefix+"topic")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.sub.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5*transientInactivity + 5*time.Second)
	for len(consumers()) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the consumer of a transient subscriber that stopped pulling still exists after %v", 5*transientInactivity+5*time.Second)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
