package gateway

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Rule is a rate limit: Requests per Period on average, with up to Burst
// requests at once. The zero Rule limits nothing.
type Rule struct {
	Requests int
	Period   time.Duration
	Burst    int
}

// Enabled reports whether the rule limits anything.
func (r Rule) Enabled() bool { return r.Requests > 0 }

// Validate reports a rule that cannot be enforced.
func (r Rule) Validate() error {
	switch {
	case r.Requests < 0:
		return errors.New("requests must not be negative")
	case !r.Enabled():
		return nil
	case r.Period <= 0:
		return errors.New("period must be positive")
	case r.Burst < 1:
		return errors.New("burst must be at least 1")
	case r.interval() <= 0:
		return fmt.Errorf("%d requests per %s is finer than the limiter's millisecond resolution", r.Requests, r.Period)
	}
	return nil
}

// interval is the GCRA emission interval: the time one request "costs".
// Milliseconds are the resolution shared with the Redis script.
func (r Rule) interval() time.Duration {
	return (r.Period / time.Duration(r.Requests)).Truncate(time.Millisecond)
}

// Limiter counts requests per key with the generic cell rate algorithm
// (GCRA): a key's state is one timestamp, the theoretical arrival time of
// its next request, which makes it cheap to keep in memory or in Redis.
type Limiter interface {
	// Take counts one request of key under rule. When the request is over
	// the limit, allowed is false and retryAfter says when one would be
	// allowed again.
	Take(ctx context.Context, key string, rule Rule) (allowed bool, retryAfter time.Duration, err error)
	Close() error
}

// gcra decides one request at now (in milliseconds) given the key's stored
// theoretical arrival time tat (0 if none); it returns the new tat to
// store when the request is allowed, or how long to wait when not. The
// Redis script mirrors this function.
func gcra(now, tat int64, rule Rule) (allowed bool, newTAT int64, wait time.Duration) {
	interval := rule.interval().Milliseconds()
	if tat < now {
		tat = now
	}
	newTAT = tat + interval
	allowAt := newTAT - int64(rule.Burst)*interval
	if now < allowAt {
		return false, 0, time.Duration(allowAt-now) * time.Millisecond
	}
	return true, newTAT, 0
}
