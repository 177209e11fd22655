package gateway

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/internal/testservices"
)

// neverRefuses is a rule whose burst no benchmark exhausts, so that every
// take runs the whole algorithm and stores its new state.
var neverRefuses = Rule{Requests: 60_000, Period: time.Minute, Burst: 1 << 40}

// benchmarkTake takes b.N requests from l spread over the keys.
func benchmarkTake(b *testing.B, l Limiter, keys []string) {
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ok, _, err := l.Take(ctx, keys[i%len(keys)], neverRefuses)
		if err != nil || !ok {
			b.Fatalf("take %d: allowed %v, %v", i, ok, err)
		}
	}
}

// limiterKeys are n keys as RateLimit builds them.
func limiterKeys(prefix string, n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("%sip:10.%d.%d.%d", prefix, i>>16&255, i>>8&255, i&255)
	}
	return keys
}

func BenchmarkLimiterTake(b *testing.B) {
	b.Run("memory/one key", func(b *testing.B) {
		benchmarkTake(b, NewMemoryLimiter(nil), limiterKeys("", 1))
	})
	b.Run("memory/10000 keys", func(b *testing.B) {
		benchmarkTake(b, NewMemoryLimiter(nil), limiterKeys("", 10_000))
	})
	b.Run("memory/one key, parallel", func(b *testing.B) {
		// All requests of one client meet on the limiter's mutex.
		l := NewMemoryLimiter(nil)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if ok, _, err := l.Take(context.Background(), "ip:10.0.0.1", neverRefuses); err != nil || !ok {
					b.Errorf("allowed %v, %v", ok, err)
					return
				}
			}
		})
	})
	b.Run("miniredis/one key", func(b *testing.B) {
		m := miniredis.RunT(b)
		l, err := NewRedisLimiter("redis://"+m.Addr(), nil)
		require.NoError(b, err)
		defer l.Close()
		benchmarkTake(b, l, limiterKeys("", 1))
	})
	b.Run("redis/one key", func(b *testing.B) {
		l, err := NewRedisLimiter(testservices.Redis(b), nil)
		require.NoError(b, err)
		defer l.Close()
		require.NoError(b, l.Ping(context.Background()))
		keys := limiterKeys(fmt.Sprintf("bench%d:", b.N), 1)
		benchmarkTake(b, l, keys)
		b.StopTimer()
		require.NoError(b, l.client.Del(context.Background(), redisKeyPrefix+keys[0]).Err())
	})
	b.Run("redis/10000 keys", func(b *testing.B) {
		l, err := NewRedisLimiter(testservices.Redis(b), nil)
		require.NoError(b, err)
		defer l.Close()
		keys := limiterKeys(fmt.Sprintf("bench%d:", b.N), 10_000)
		benchmarkTake(b, l, keys)
		b.StopTimer()
		for _, k := range keys[:min(len(keys), b.N)] {
			require.NoError(b, l.client.Del(context.Background(), redisKeyPrefix+k).Err())
		}
	})
}
