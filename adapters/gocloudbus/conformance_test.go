package gocloudbus_test

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"testing"

	"github.com/openbackbone/openbackbone/adapters/gocloudbus"
	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/conformance/bustest"
)

// harness opens buses on one URL under a prefix of its own, so tests sharing
// a broker never see each other's topics.
type harness struct {
	url, prefix string
	durable     bool
	names       *names // what the test declared on a real broker, removed by Close
	remove      func(*names)
}

func (h *harness) MakeBus(ctx context.Context) (driver.Bus, error) {
	b, err := gocloudbus.Open(ctx, h.url, gocloudbus.Options{Prefix: h.prefix})
	if err != nil || h.remove == nil {
		return b, err
	}
	return recording{b, h.names}, nil
}
func (h *harness) SupportsDurableSubscriptions() bool { return h.durable }
func (h *harness) Close() {
	if h.remove != nil {
		h.remove(h.names)
	}
}

// maker returns harnesses on rawURL; remove, if not nil, deletes what a test
// declared.
func maker(rawURL string, durable bool, remove func(*names)) bustest.HarnessMaker {
	return func(context.Context, testing.TB) (bustest.Harness, error) {
		prefix := "obtest." + rand.Text()[:10] + "."
		return &harness{rawURL, prefix, durable, &names{prefix: prefix}, remove}, nil
	}
}

// server returns the broker named by env, or skips.
func server(t testing.TB, env string) string {
	s := os.Getenv(env)
	if s == "" {
		t.Skipf("set %s to run against a real broker", env)
	}
	return s
}

func TestConformance(t *testing.T) {
	t.Run("mem", func(t *testing.T) {
		bustest.RunConformanceTests(t, maker("mem://", false, nil))
	})
	t.Run("rabbit", func(t *testing.T) {
		s := server(t, "OPENBACKBONE_TEST_RABBITMQ_URL") // amqp://guest:guest@127.0.0.1:5672/
		bustest.RunConformanceTests(t, maker("rabbit://?server="+url.QueryEscape(s), true, removeRabbit(t, s)))
	})
	t.Run("nats", func(t *testing.T) {
		s := server(t, "OPENBACKBONE_TEST_NATS_URL") // nats://127.0.0.1:4222
		bustest.RunConformanceTests(t, maker("nats://?storage=memory&server="+url.QueryEscape(s), true, removeNATS(t, s)))
	})
}

func BenchmarkBus(b *testing.B) {
	b.Run("mem", func(b *testing.B) { bustest.RunBenchmarks(b, maker("mem://", false, nil)) })
	b.Run("rabbit", func(b *testing.B) {
		s := server(b, "OPENBACKBONE_TEST_RABBITMQ_URL")
		bustest.RunBenchmarks(b, maker("rabbit://?server="+url.QueryEscape(s), true, removeRabbit(b, s)))
	})
	b.Run("nats", func(b *testing.B) {
		s := server(b, "OPENBACKBONE_TEST_NATS_URL")
		bustest.RunBenchmarks(b, maker("nats://?storage=memory&server="+url.QueryEscape(s), true, removeNATS(b, s)))
	})
}
