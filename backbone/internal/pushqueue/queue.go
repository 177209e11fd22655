// Package pushqueue sends push notifications in the background: one lane of
// workers per provider, so a slow or failing provider delays nobody else,
// with retries after exponential backoff and a clean give-up. Embedders never
// name it: a Backbone runs it in Backbone.Run.
package pushqueue

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// Job is one notification for one device.
type Job struct {
	Target       driver.PushTarget
	Notification driver.PushNotification
	attempt      int
}

// Options tune a Queue. Zero values take the defaults.
type Options struct {
	// Attempts is how often a notification is tried before it is given up
	// (default 5).
	Attempts int
	// FirstBackoff is the pause before the first retry; each further retry
	// waits twice as long, up to MaxBackoff (defaults 1 s and 1 min).
	FirstBackoff, MaxBackoff time.Duration
	// SendTimeout bounds one attempt (default 10 s).
	SendTimeout time.Duration
	// Workers is the number of concurrent sends per provider (default 8).
	Workers int
	// Capacity bounds the notifications waiting per provider; beyond it new
	// ones are dropped rather than held in memory (default 10000).
	Capacity int
	// InvalidHandle is called when a provider reports a handle as dead; it
	// removes the registration.
	InvalidHandle func(ctx context.Context, platform string, t driver.PushTarget)
	Logger        *slog.Logger
}

// maxRetryAfter bounds how long a provider's request to wait is honoured.
const maxRetryAfter = time.Hour

// Stats counts what a Queue did, for metrics and tests.
type Stats struct {
	Sent, Retried, GaveUp, InvalidHandles, Undeliverable, Dropped int64
}

// Queue is safe for concurrent use. Enqueue works before Run; jobs wait until
// Run starts the workers.
type Queue struct {
	opts  Options
	lanes map[string]*lane

	// counts are per platform, for metrics by provider; platforms without
	// a provider get theirs when their first notification is dropped.
	countsMu sync.Mutex
	counts   map[string]*counters

	mu      sync.Mutex
	stopped bool
	timers  map[*time.Timer]struct{}
}

type lane struct {
	provider driver.Push
	jobs     chan Job
	counts   *counters
}

type counters struct {
	sent, retried, gaveUp, invalid, undeliverable, dropped atomic.Int64
}

func (c *counters) stats() Stats {
	return Stats{
		Sent: c.sent.Load(), Retried: c.retried.Load(), GaveUp: c.gaveUp.Load(),
		InvalidHandles: c.invalid.Load(), Undeliverable: c.undeliverable.Load(), Dropped: c.dropped.Load(),
	}
}

// countsOf returns the counters of platform, creating them if need be.
func (q *Queue) countsOf(platform string) *counters {
	q.countsMu.Lock()
	defer q.countsMu.Unlock()
	c := q.counts[platform]
	if c == nil {
		c = &counters{}
		q.counts[platform] = c
	}
	return c
}

// New returns a queue with one lane per provider.
func New(providers []driver.Push, opts Options) *Queue {
	if opts.Attempts <= 0 {
		opts.Attempts = 5
	}
	if opts.FirstBackoff <= 0 {
		opts.FirstBackoff = time.Second
	}
	if opts.MaxBackoff < opts.FirstBackoff {
		opts.MaxBackoff = max(time.Minute, opts.FirstBackoff)
	}
	if opts.SendTimeout <= 0 {
		opts.SendTimeout = 10 * time.Second
	}
	if opts.Workers <= 0 {
		opts.Workers = 8
	}
	if opts.Capacity <= 0 {
		opts.Capacity = 10000
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	q := &Queue{opts: opts, lanes: map[string]*lane{}, counts: map[string]*counters{}, timers: map[*time.Timer]struct{}{}}
	for _, p := range providers {
		q.lanes[p.Platform()] = &lane{provider: p, jobs: make(chan Job, opts.Capacity), counts: q.countsOf(p.Platform())}
	}
	return q
}

// Enqueue hands jobs to the lanes of their platforms without blocking. A job
// for a platform without a provider, or for a full lane, is dropped and
// counted.
func (q *Queue) Enqueue(platform string, jobs ...Job) {
	l := q.lanes[platform]
	for _, j := range jobs {
		if l == nil {
			q.countsOf(platform).dropped.Add(1)
			q.opts.Logger.Warn("push notification dropped: no provider for the platform", "platform", platform, "event", j.Notification.EventName)
			continue
		}
		select {
		case l.jobs <- j:
		default:
			l.counts.dropped.Add(1)
			q.opts.Logger.Warn("push notification dropped: the queue of the provider is full", "platform", platform, "event", j.Notification.EventName)
		}
	}
}

// EnqueueWait hands jobs to the lane of their platform, waiting for room
// while the lane is full, for mass notifications that must not be dropped.
// It returns ctx's error if ctx ends first; jobs handed over before stay.
func (q *Queue) EnqueueWait(ctx context.Context, platform string, jobs ...Job) error {
	l := q.lanes[platform]
	if l == nil {
		q.Enqueue(platform, jobs...) // counted and logged as dropped
		return nil
	}
	for _, j := range jobs {
		select {
		case l.jobs <- j:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Run sends until ctx ends. Notifications still waiting then are dropped:
// pushes only tell a device to sync, and what they announce stays in the
// store.
func (q *Queue) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, l := range q.lanes {
		for range q.opts.Workers {
			wg.Go(func() { q.work(ctx, l) })
		}
	}
	wg.Wait()
	q.mu.Lock()
	q.stopped = true
	for t := range q.timers {
		t.Stop()
	}
	clear(q.timers)
	q.mu.Unlock()
}

func (q *Queue) work(ctx context.Context, l *lane) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-l.jobs:
			q.send(ctx, l, j)
		}
	}
}

func (q *Queue) send(ctx context.Context, l *lane, j Job) {
	j.attempt++
	sendCtx, cancel := context.WithTimeout(ctx, q.opts.SendTimeout)
	err := l.provider.Send(sendCtx, j.Target, j.Notification)
	cancel()
	log := q.opts.Logger.With("platform", l.provider.Platform(), "event", j.Notification.EventName, "device", j.Target.DeviceID, "attempt", j.attempt)
	var wait *driver.RetryAfterError
	switch {
	case err == nil:
		l.counts.sent.Add(1)
	case errors.Is(err, driver.ErrInvalidHandle):
		l.counts.invalid.Add(1)
		log.Info("push handle is no longer valid; removing the registration", "error", err)
		if q.opts.InvalidHandle != nil {
			q.opts.InvalidHandle(context.WithoutCancel(ctx), l.provider.Platform(), j.Target)
		}
	case errors.Is(err, driver.ErrNotDeliverable):
		l.counts.undeliverable.Add(1)
		log.Warn("push notification refused by the provider", "error", err)
	case ctx.Err() != nil:
		// Shutting down: the attempt was cut off, not failed.
	case j.attempt >= q.opts.Attempts:
		l.counts.gaveUp.Add(1)
		log.Warn("push notification given up after retries", "error", err)
	default:
		pause := q.backoff(j.attempt)
		if errors.As(err, &wait) && wait.After > pause {
			pause = min(wait.After, maxRetryAfter)
		}
		l.counts.retried.Add(1)
		log.Debug("push notification failed; retrying", "error", err, "in", pause)
		q.later(pause, l, j)
	}
}

// backoff is the pause before retry number attempt, doubled each time up
// to MaxBackoff, with up to a quarter of jitter so that many failed sends do
// not return together.
func (q *Queue) backoff(attempt int) time.Duration {
	d := q.opts.FirstBackoff << (attempt - 1)
	if d <= 0 || d > q.opts.MaxBackoff {
		d = q.opts.MaxBackoff
	}
	return d - time.Duration(rand.Int64N(int64(d)/4+1))
}

func (q *Queue) later(pause time.Duration, l *lane, j Job) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.stopped {
		return
	}
	var t *time.Timer
	t = time.AfterFunc(pause, func() {
		q.mu.Lock()
		delete(q.timers, t)
		stopped := q.stopped
		q.mu.Unlock()
		if stopped {
			return
		}
		select {
		case l.jobs <- j:
		default:
			l.counts.dropped.Add(1)
		}
	})
	q.timers[t] = struct{}{}
}

// Stats returns the counts so far, over all platforms.
func (q *Queue) Stats() Stats {
	var sum Stats
	for _, s := range q.StatsByPlatform() {
		sum.Sent += s.Sent
		sum.Retried += s.Retried
		sum.GaveUp += s.GaveUp
		sum.InvalidHandles += s.InvalidHandles
		sum.Undeliverable += s.Undeliverable
		sum.Dropped += s.Dropped
	}
	return sum
}

// StatsByPlatform returns the counts so far of each platform that has a
// provider or had a notification dropped for lack of one.
func (q *Queue) StatsByPlatform() map[string]Stats {
	q.countsMu.Lock()
	defer q.countsMu.Unlock()
	out := make(map[string]Stats, len(q.counts))
	for p, c := range q.counts {
		out[p] = c.stats()
	}
	return out
}
