package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

func testChallenges(t *testing.T, newHarness HarnessMaker) {
	t.Run("Insert/ThenGetReturnsItUnchanged", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		want := mustInsertChallenge(ctx, t, st, newChallenge())
		got, err := st.Challenges().Get(ctx, want.ID)
		require.NoError(t, err, "Get of an inserted challenge must succeed")
		require.Equal(t, want, got, "Get must return the challenge as inserted")
	})

	t.Run("Insert/AnonymousChallengeKeepsEmptyCreator", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		c := newChallenge()
		c.CreatedBy, c.CreatedByDevice = "", ""
		mustInsertChallenge(ctx, t, st, c)
		got, err := st.Challenges().Get(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, c, got, "an anonymous challenge must come back with empty CreatedBy and CreatedByDevice")
	})

	t.Run("Insert/DuplicateIDIsErrConflict", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		first := mustInsertChallenge(ctx, t, st, newChallenge())
		dup := newChallenge()
		dup.ID = first.ID
		err := st.Challenges().Insert(ctx, dup)
		require.ErrorIs(t, err, driver.ErrConflict, "Insert with an existing ID must return ErrConflict")
		got, err := st.Challenges().Get(ctx, first.ID)
		require.NoError(t, err)
		require.Equal(t, first, got, "a rejected Insert must leave the existing challenge unchanged")
	})

	t.Run("Get/UnknownIDIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		mustInsertChallenge(ctx, t, st, newChallenge())
		_, err := st.Challenges().Get(ctx, newID("CHL"))
		require.ErrorIs(t, err, driver.ErrNotFound, "Get of an unknown ID must return ErrNotFound")
	})

	t.Run("Get/ExpiresAtRoundTripsAsTheSameInstantInUTC", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		c := newChallenge()
		c.ExpiresAt = time.Date(2031, 12, 31, 23, 59, 59, 999_000_000, otherZone)
		mustInsertChallenge(ctx, t, st, c)
		got, err := st.Challenges().Get(ctx, c.ID)
		require.NoError(t, err)
		requireUTC(t, "Get", &got.ExpiresAt)
		require.Equal(t, c.ExpiresAt.UTC(), got.ExpiresAt, "ExpiresAt must round-trip to the millisecond")
	})

	t.Run("DeleteExpiredBefore/RemovesOnlyChallengesExpiringBeforeT", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		cut := at(0)
		// Neighbours of the cut at millisecond distance, across second,
		// minute and day boundaries, where text comparisons of times that
		// are not fixed-width go wrong.
		expired := []time.Duration{-time.Millisecond, -time.Second, -time.Hour, -24 * time.Hour, -365 * 24 * time.Hour}
		kept := []time.Duration{0, time.Millisecond, time.Second - 123*time.Millisecond, time.Hour, 24 * time.Hour}
		var expiredIDs, keptIDs []string
		for _, d := range expired {
			c := newChallenge()
			c.ExpiresAt = cut.Add(d)
			expiredIDs = append(expiredIDs, mustInsertChallenge(ctx, t, st, c).ID)
		}
		for _, d := range kept {
			c := newChallenge()
			c.ExpiresAt = cut.Add(d)
			keptIDs = append(keptIDs, mustInsertChallenge(ctx, t, st, c).ID)
		}
		// A whole-second instant written in another zone: its text form
		// differs most from the fractional ones around it.
		c := newChallenge()
		c.ExpiresAt = time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC).In(otherZone) // 123 ms before cut
		expiredIDs = append(expiredIDs, mustInsertChallenge(ctx, t, st, c).ID)

		n, err := st.Challenges().DeleteExpiredBefore(ctx, cut.In(otherZone))
		require.NoError(t, err)
		require.Equal(t, len(expiredIDs), n, "DeleteExpiredBefore must return how many challenges it removed")
		for _, id := range expiredIDs {
			_, err := st.Challenges().Get(ctx, id)
			require.ErrorIs(t, err, driver.ErrNotFound, "a challenge expiring before t must be removed")
		}
		for _, id := range keptIDs {
			_, err := st.Challenges().Get(ctx, id)
			require.NoError(t, err, "a challenge expiring at or after t must be kept")
		}
	})

	t.Run("DeleteExpiredBefore/NothingExpiredRemovesNothingAndReturnsZero", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		c := mustInsertChallenge(ctx, t, st, newChallenge())
		n, err := st.Challenges().DeleteExpiredBefore(ctx, c.ExpiresAt)
		require.NoError(t, err)
		require.Zero(t, n, "DeleteExpiredBefore must return 0 when no challenge expired before t")
		_, err = st.Challenges().Get(ctx, c.ID)
		require.NoError(t, err, "a challenge expiring exactly at t must be kept")
	})

	t.Run("DeleteExpiredBefore/EmptyStoreReturnsZero", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		n, err := st.Challenges().DeleteExpiredBefore(ctx, at(0))
		require.NoError(t, err)
		require.Zero(t, n)
	})
}
