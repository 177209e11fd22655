package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/internal/testservices"
)

// fakeClock is a settable clock for the in-process limiter.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func uniqueKey(t *testing.T) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return t.Name() + ":" + hex.EncodeToString(b)
}

// assertBurstThenRefusal takes burst requests of key, which must pass,
// then one more, which must be refused with a wait within one interval.
func assertBurstThenRefusal(t *testing.T, l Limiter, key string, rule Rule) {
	t.Helper()
	for i := range rule.Burst {
		ok, _, err := l.Take(context.Background(), key, rule)
		require.NoError(t, err)
		require.True(t, ok, "request %d of the burst", i+1)
	}
	ok, wait, err := l.Take(context.Background(), key, rule)
	require.NoError(t, err)
	assert.False(t, ok, "the request after the burst")
	assert.Greater(t, wait, time.Duration(0))
	assert.LessOrEqual(t, wait, rule.interval())
}

func TestRuleValidation(t *testing.T) {
	assert.NoError(t, Rule{}.Validate(), "the zero rule is off")
	assert.False(t, Rule{}.Enabled())
	assert.NoError(t, Rule{Requests: 10, Period: time.Second, Burst: 1}.Validate())
	assert.ErrorContains(t, Rule{Requests: -1}.Validate(), "negative")
	assert.ErrorContains(t, Rule{Requests: 10, Burst: 1}.Validate(), "period")
	assert.ErrorContains(t, Rule{Requests: 10, Period: time.Second}.Validate(), "burst")
	assert.ErrorContains(t, Rule{Requests: 10000, Period: time.Second, Burst: 1}.Validate(), "resolution")
}

func TestMemoryLimiterRefillsAtTheConfiguredRate(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	l := NewMemoryLimiter(clock.Now)
	rule := Rule{Requests: 4, Period: time.Second, Burst: 2} // one every 250ms
	assertBurstThenRefusal(t, l, "a", rule)

	ok, _, _ := l.Take(context.Background(), "b", rule)
	assert.True(t, ok, "another key has its own budget")

	clock.Advance(249 * time.Millisecond)
	ok, wait, _ := l.Take(context.Background(), "a", rule)
	assert.False(t, ok)
	assert.Equal(t, time.Millisecond, wait)
	clock.Advance(time.Millisecond)
	ok, _, _ = l.Take(context.Background(), "a", rule)
	assert.True(t, ok, "one request is back after one interval")
	ok, _, _ = l.Take(context.Background(), "a", rule)
	assert.False(t, ok, "but only one")

	clock.Advance(time.Hour)
	assertBurstThenRefusal(t, l, "a", rule)
}

func TestMemoryLimiterForgetsIdleKeys(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	l := NewMemoryLimiter(clock.Now)
	rule := Rule{Requests: 1, Period: time.Second, Burst: 1}
	for i := range sweepEvery - 1 {
		_, _, _ = l.Take(context.Background(), "k"+string(rune('a'+i%26))+strings.Repeat("x", i/26), rule)
	}
	require.Len(t, l.tats, sweepEvery-1)
	clock.Advance(2 * time.Second)
	_, _, _ = l.Take(context.Background(), "fresh", rule)
	assert.Len(t, l.tats, 1, "keys whose state has expired are dropped")
}

func TestRedisLimiterOnMiniredis(t *testing.T) {
	m := miniredis.RunT(t)
	m.SetTime(time.Unix(1_700_000_000, 0))
	one, err := NewRedisLimiter("redis://"+m.Addr(), nil)
	require.NoError(t, err)
	defer one.Close()
	two, err := NewRedisLimiter("redis://"+m.Addr(), nil)
	require.NoError(t, err)
	defer two.Close()

	rule := Rule{Requests: 2, Period: time.Second, Burst: 3}
	assertBurstThenRefusal(t, one, "a", rule)
	ok, _, err := two.Take(context.Background(), "a", rule)
	require.NoError(t, err)
	assert.False(t, ok, "a second replica sees the first one's count")
	ok, _, _ = two.Take(context.Background(), "b", rule)
	assert.True(t, ok, "another key has its own budget")

	m.SetTime(time.Unix(1_700_000_000, 0).Add(500 * time.Millisecond))
	ok, _, _ = two.Take(context.Background(), "a", rule)
	assert.True(t, ok, "one request is back after one interval of Redis's clock")
	ttl := m.TTL(redisKeyPrefix + "a")
	assert.Greater(t, ttl, time.Duration(0), "state expires by itself")
	assert.LessOrEqual(t, ttl, time.Duration(rule.Burst)*rule.interval())
}

func TestRedisLimiterOnRedis(t *testing.T) {
	url := testservices.Redis(t)
	one, err := NewRedisLimiter(url, nil)
	require.NoError(t, err)
	defer one.Close()
	require.NoError(t, one.Ping(context.Background()))
	two, err := NewRedisLimiter(url, nil)
	require.NoError(t, err)
	defer two.Close()

	// A budget that does not refill within the test, so the real clock
	// cannot make it flaky.
	rule := Rule{Requests: 1, Period: time.Hour, Burst: 5}
	key := uniqueKey(t)
	assertBurstThenRefusal(t, one, key, rule)
	ok, wait, err := two.Take(context.Background(), key, rule)
	require.NoError(t, err)
	assert.False(t, ok, "a second replica sees the first one's count")
	assert.Greater(t, wait, 59*time.Minute)
	ok, _, _ = two.Take(context.Background(), uniqueKey(t), rule)
	assert.True(t, ok)
	require.NoError(t, one.client.Del(context.Background(), redisKeyPrefix+key).Err())
}

func TestRedisLimiterFailsOpenToPerReplicaLimits(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close()) // nothing listens there now

	var logs strings.Builder
	l, err := NewRedisLimiter("redis://"+addr, newTestLogger(&logs))
	require.NoError(t, err)
	defer l.Close()
	rule := Rule{Requests: 1, Period: time.Hour, Burst: 2}
	assertBurstThenRefusal(t, l, "a", rule)
	assert.Contains(t, logs.String(), "Redis unavailable")
	assert.Equal(t, 1, strings.Count(logs.String(), "Redis unavailable"), "one warning per outage, not one per request")
}

func TestRedisLimiterRejectsBadURL(t *testing.T) {
	_, err := NewRedisLimiter("http://localhost", nil)
	assert.ErrorContains(t, err, "rateLimit.redis")
}
