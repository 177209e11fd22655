package backbone

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestVerifiedTokensHonourTheirLifetimeAndStayBounded(t *testing.T) {
	var v verifiedTokens
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	v.put("tok", verifiedToken{caller: Caller{Address: "a"}, notBefore: now, expiresAt: now.Add(time.Minute)})

	c, ok := v.get("tok", now)
	require.True(t, ok)
	require.Equal(t, "a", c.Address)
	_, ok = v.get("tok", now.Add(-time.Second))
	require.False(t, ok, "not before its notBefore")
	_, ok = v.get("tok", now.Add(time.Minute))
	require.False(t, ok, "not at or after its expiry")
	_, ok = v.get("tok!", now)
	require.False(t, ok, "only the exact text")

	// A token in use survives any number of new ones; the memory stays at
	// two generations.
	for i := range 3 * verifiedTokensPerGeneration {
		v.put(strconv.Itoa(i), verifiedToken{expiresAt: now.Add(time.Minute)})
		if i%1000 == 0 {
			_, ok := v.get("tok", now)
			require.True(t, ok, "after %d new tokens", i)
		}
	}
	require.LessOrEqual(t, len(v.current)+len(v.previous), 2*verifiedTokensPerGeneration)
}
