package pushqueue

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

type counting struct {
	platform string
	sends    atomic.Int64
}

func (c *counting) Platform() string        { return c.platform }
func (c *counting) SupportsApp(string) bool { return true }
func (c *counting) Send(context.Context, driver.PushTarget, driver.PushNotification) error {
	c.sends.Add(1)
	return nil
}

func TestEnqueueDropsWhatItCannotHold(t *testing.T) {
	p := &counting{platform: "fcm"}
	q := New([]driver.Push{p}, Options{Capacity: 2})
	q.Enqueue("fcm", Job{}, Job{}, Job{})
	q.Enqueue("apns", Job{})
	assert.Equal(t, int64(2), q.Stats().Dropped, "one over capacity, one without a provider")

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { q.Run(ctx); close(done) }()
	require.Eventually(t, func() bool { return q.Stats().Sent == 2 }, 5*time.Second, time.Millisecond)
	assert.Equal(t, int64(2), p.sends.Load())
	cancel()
	<-done
}

func TestBackoffDoublesUpToTheMaximumWithJitter(t *testing.T) {
	q := New(nil, Options{FirstBackoff: 100 * time.Millisecond, MaxBackoff: time.Second})
	for attempt, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 60: time.Second} {
		for range 20 {
			d := q.backoff(attempt)
			assert.LessOrEqual(t, d, want, "attempt %d", attempt)
			assert.GreaterOrEqual(t, d, want-want/4, "attempt %d", attempt)
		}
	}
}

// Retries scheduled when Run ends are dropped, not fired into a stopped
// queue.
func TestRetriesEndWithRun(t *testing.T) {
	failing := &failingPush{}
	q := New([]driver.Push{failing}, Options{FirstBackoff: time.Hour, Attempts: 3})
	q.Enqueue("fcm", Job{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { q.Run(ctx); close(done) }()
	require.Eventually(t, func() bool { return q.Stats().Retried == 1 }, 5*time.Second, time.Millisecond)
	cancel()
	<-done
	q.mu.Lock()
	defer q.mu.Unlock()
	assert.Empty(t, q.timers)
	assert.True(t, q.stopped)
}

type failingPush struct{}

func (failingPush) Platform() string        { return "fcm" }
func (failingPush) SupportsApp(string) bool { return true }
func (failingPush) Send(context.Context, driver.PushTarget, driver.PushNotification) error {
	return context.DeadlineExceeded
}

// A full lane makes EnqueueWait wait until the workers make room; nothing
// is dropped.
func TestEnqueueWaitWaitsForRoom(t *testing.T) {
	p := &counting{platform: "fcm"}
	q := New([]driver.Push{p}, Options{Capacity: 2, Workers: 1})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { q.Run(ctx); close(done) }()
	jobs := make([]Job, 50)
	require.NoError(t, q.EnqueueWait(context.Background(), "fcm", jobs...))
	require.Eventually(t, func() bool { return q.Stats().Sent == 50 }, 5*time.Second, time.Millisecond)
	assert.Zero(t, q.Stats().Dropped)
	cancel()
	<-done

	// With no workers, it gives up when its context ends.
	q = New([]driver.Push{p}, Options{Capacity: 1})
	waitCtx, stop := context.WithCancel(context.Background())
	stop()
	assert.ErrorIs(t, q.EnqueueWait(waitCtx, "fcm", Job{}, Job{}), context.Canceled)
}
