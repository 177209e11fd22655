package gocloudbus_test

import (
	"context"
	"crypto/rand"
	"net/url"
	"testing"

	"github.com/openbackbone/openbackbone/adapters/gocloudbus"
	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/conformance/bustest"
	"github.com/openbackbone/openbackbone/internal/testservices"
)

// backend is what a harness needs to know about one broker.
type backend struct {
	// url returns the bus URL for one test; it may start a fake for it,
	// stopped at t's cleanup.
	url func(t testing.TB) string
	// durable: subscriptions outlive a Bus (a broker, not an in-process bus).
	durable bool
	// transient: SubscribeTransient works. Where it does not, the harness
	// hands the suite buses without driver.BroadcastBus, so that the suite
	// reports the Transient rules as skipped for that reason.
	transient bool
	// remove, if not nil, deletes what a test declared on a shared broker.
	remove func(*names)
	// prepare, if not nil, creates topics and subscriptions before the
	// adapter uses them, on brokers where infrastructure tooling would.
	prepare func(ctx context.Context, n *names, topic, sub string) error
}

// harness opens buses on one URL under a prefix of its own, so tests sharing
// a broker never see each other's topics.
type harness struct {
	be     backend
	url    string
	prefix string
	names  *names // what the test declared on a real broker, removed by Close
}

func (h *harness) MakeBus(ctx context.Context) (driver.Bus, error) {
	b, err := gocloudbus.Open(ctx, h.url, gocloudbus.Options{Prefix: h.prefix})
	if err != nil {
		return nil, err
	}
	var bus driver.Bus = b
	if h.be.remove != nil || h.be.prepare != nil {
		bus = recording{Bus: b, names: h.names, prepare: h.be.prepare}
	}
	if !h.be.transient {
		bus = struct{ driver.Bus }{bus} // hides driver.BroadcastBus
	}
	return bus, nil
}
func (h *harness) SupportsDurableSubscriptions() bool { return h.be.durable }
func (h *harness) Close() {
	if h.be.remove != nil {
		h.be.remove(h.names)
	}
}

// maker returns harnesses on the backend.
func maker(be backend) bustest.HarnessMaker {
	return func(_ context.Context, t testing.TB) (bustest.Harness, error) {
		prefix := "obtest." + rand.Text()[:10] + "."
		return &harness{be: be, url: be.url(t), prefix: prefix, names: &names{prefix: prefix}}, nil
	}
}

// fixed is a backend URL shared by every test.
func fixed(rawURL string) func(testing.TB) string {
	return func(testing.TB) string { return rawURL }
}

func memBackend() backend { return backend{url: fixed("mem://"), transient: true} }

func rabbitBackend(t testing.TB) backend {
	s := testservices.RabbitMQ(t)
	return backend{url: fixed("rabbit://?server=" + url.QueryEscape(s)), durable: true, transient: true, remove: removeRabbit(t, s)}
}

func natsBackend(t testing.TB) backend {
	s := testservices.NATS(t)
	return backend{url: fixed("nats://?storage=memory&server=" + url.QueryEscape(s)), durable: true, transient: true, remove: removeNATS(t, s)}
}

func TestConformance(t *testing.T) {
	t.Run("mem", func(t *testing.T) { bustest.RunConformanceTests(t, maker(memBackend())) })
	t.Run("rabbit", func(t *testing.T) { bustest.RunConformanceTests(t, maker(rabbitBackend(t))) })
	t.Run("nats", func(t *testing.T) { bustest.RunConformanceTests(t, maker(natsBackend(t))) })
	t.Run("gcppubsub", func(t *testing.T) { bustest.RunConformanceTests(t, maker(pubsubBackend())) })
	t.Run("azuresb", func(t *testing.T) { bustest.RunConformanceTests(t, maker(azureBackend(t))) })
	t.Run("awssnssqs", func(t *testing.T) { bustest.RunConformanceTests(t, maker(awsBackend(t))) })
}

func BenchmarkBus(b *testing.B) {
	b.Run("mem", func(b *testing.B) { bustest.RunBenchmarks(b, maker(memBackend())) })
	b.Run("rabbit", func(b *testing.B) { bustest.RunBenchmarks(b, maker(rabbitBackend(b))) })
	b.Run("nats", func(b *testing.B) { bustest.RunBenchmarks(b, maker(natsBackend(b))) })
	b.Run("gcppubsub", func(b *testing.B) { bustest.RunBenchmarks(b, maker(pubsubBackend())) })
}
