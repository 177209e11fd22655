package bustest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// RunBenchmarks measures throughput: b.N messages published in batches of 1
// and of 100 while one subscriber receives and acks them.
func RunBenchmarks(b *testing.B, newHarness HarnessMaker) {
	for _, batch := range []int{1, 100} {
		b.Run(fmt.Sprintf("PublishReceive/Batch=%d", batch), func(b *testing.B) {
			benchPublishReceive(b, newHarness, batch)
		})
	}
}

func benchPublishReceive(b *testing.B, newHarness HarnessMaker, batch int) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	h, err := newHarness(ctx, b)
	if err != nil {
		b.Fatalf("make harness: %v", err)
	}
	defer h.Close()
	bus, err := h.MakeBus(ctx)
	if err != nil {
		b.Fatalf("make bus: %v", err)
	}
	defer bus.Close()
	topic := "bustest.bench." + randomHex(6)
	s, err := bus.Subscribe(ctx, topic, "a")
	if err != nil {
		b.Fatalf("Subscribe: %v", err)
	}
	defer s.Close()
	body := make([]byte, 256)

	b.ResetTimer()
	start := time.Now()
	errc := make(chan error, 1)
	go func() {
		for range b.N {
			d, err := s.Receive(ctx)
			if err != nil {
				errc <- err
				return
			}
			d.Ack()
		}
		errc <- nil
	}()
	msgs := make([]driver.Message, 0, batch)
	for i := range b.N {
		msgs = append(msgs, driver.Message{ID: fmt.Sprint(i), Body: body})
		if len(msgs) == batch || i == b.N-1 {
			if err := bus.Publish(ctx, topic, msgs...); err != nil {
				b.Fatalf("Publish: %v", err)
			}
			msgs = msgs[:0]
		}
	}
	if err := <-errc; err != nil {
		b.Fatalf("Receive: %v", err)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}
