package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// gcraScript is gcra in Lua, run atomically by Redis so that all replicas
// share one state per key. It reads the clock of Redis, not of the
// replica, so replicas with skewed clocks still agree. Times are in
// milliseconds; the stored value expires when it would no longer matter.
var gcraScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - burst * interval
if now < allow_at then
  return {0, allow_at - now}
end
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', string.format('%d', new_tat - now))
return {1, 0}
`)

// redisKeyPrefix keeps the limiter's keys apart from anything else in a
// shared Redis.
const redisKeyPrefix = "openbackbone:ratelimit:"

// redisRetryAfter is how long the limiter stays on its in-process fallback
// after Redis failed, so that an outage costs one timeout, not one per
// request.
const redisRetryAfter = 5 * time.Second

// RedisLimiter shares the limiter state of all replicas in Redis. When
// Redis cannot be reached it fails open to in-process limits (each replica
// limits on its own, as MemoryLimiter does) and logs the outage and the
// recovery, so that an outage of Redis never takes the API down.
type RedisLimiter struct {
	client   *redis.Client
	fallback *MemoryLimiter
	logger   *slog.Logger

	mu        sync.Mutex
	downUntil time.Time // while in the future, Redis is not asked
	failing   bool      // the last call to Redis failed; logged once per outage
}

// NewRedisLimiter connects to the Redis at rawURL (redis:// or rediss://,
// as go-redis parses it). It does not wait for Redis to be up.
func NewRedisLimiter(rawURL string, logger *slog.Logger) (*RedisLimiter, error) {
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("rateLimit.redis: %w", err)
	}
	// A rate limit check sits on every request's path: wait briefly, then
	// fall back rather than make clients wait for an unreachable Redis.
	opts.DialTimeout = time.Second
	opts.ReadTimeout = 500 * time.Millisecond
	opts.WriteTimeout = 500 * time.Millisecond
	opts.MaxRetries = 0
	if logger == nil {
		logger = slog.Default()
	}
	return &RedisLimiter{client: redis.NewClient(opts), fallback: NewMemoryLimiter(nil), logger: logger}, nil
}

// Take implements Limiter.
func (l *RedisLimiter) Take(ctx context.Context, key string, rule Rule) (bool, time.Duration, error) {
	if l.down() {
		return l.fallback.Take(ctx, key, rule)
	}
	res, err := gcraScript.Run(ctx, l.client, []string{redisKeyPrefix + key}, rule.interval().Milliseconds(), rule.Burst).Int64Slice()
	if err == nil && len(res) != 2 {
		err = fmt.Errorf("rate limit script returned %v", res)
	}
	if err != nil {
		if ctx.Err() != nil {
			return false, 0, ctx.Err() // the client went away, Redis did not
		}
		l.markDown(err)
		return l.fallback.Take(ctx, key, rule)
	}
	l.markUp()
	return res[0] == 1, time.Duration(res[1]) * time.Millisecond, nil
}

func (l *RedisLimiter) down() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.downUntil.IsZero() {
		return false
	}
	if time.Now().Before(l.downUntil) {
		return true
	}
	// Try Redis again; markDown extends the outage if it still fails.
	l.downUntil = time.Time{}
	return false
}

func (l *RedisLimiter) markDown(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.downUntil = time.Now().Add(redisRetryAfter)
	if !l.failing {
		l.failing = true
		l.logger.Warn("rate limiting: Redis unavailable, limiting per replica until it is back", "error", err)
	}
}

func (l *RedisLimiter) markUp() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failing {
		l.failing = false
		l.logger.Info("rate limiting: Redis is back, limits are shared again")
	}
}

// Ping checks that Redis answers, for a start-up check.
func (l *RedisLimiter) Ping(ctx context.Context) error { return l.client.Ping(ctx).Err() }

// Close implements Limiter.
func (l *RedisLimiter) Close() error { return l.client.Close() }
