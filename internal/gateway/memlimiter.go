package gateway

import (
	"context"
	"sync"
	"time"
)

// MemoryLimiter keeps the limiter state in this process: each replica
// limits on its own, so behind a load balancer spreading requests over n
// replicas a client gets up to n times its limit.
type MemoryLimiter struct {
	now func() time.Time

	mu    sync.Mutex
	tats  map[string]int64
	takes int
}

// NewMemoryLimiter returns an in-process limiter; now is the clock (nil
// for time.Now).
func NewMemoryLimiter(now func() time.Time) *MemoryLimiter {
	if now == nil {
		now = time.Now
	}
	return &MemoryLimiter{now: now, tats: map[string]int64{}}
}

// sweepEvery is how many takes pass between sweeps of expired keys, so
// memory stays bounded by the keys active within one period.
const sweepEvery = 4096

// Take implements Limiter.
func (l *MemoryLimiter) Take(_ context.Context, key string, rule Rule) (bool, time.Duration, error) {
	now := l.now().UnixMilli()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.takes++; l.takes%sweepEvery == 0 {
		for k, tat := range l.tats {
			if tat <= now {
				delete(l.tats, k) // a fresh state would be the same
			}
		}
	}
	allowed, tat, wait := gcra(now, l.tats[key], rule)
	if allowed {
		l.tats[key] = tat
	}
	return allowed, wait, nil
}

// Close implements Limiter.
func (l *MemoryLimiter) Close() error { return nil }
