package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

func testSyncRuns(t *testing.T, newHarness HarnessMaker) {
	t.Run("Insert/ThenGetReturnsItUnchanged", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		address, device := newAddress(), newID("DVC")
		open := newSyncRun(address, device, 0)
		open.EventCount = 7
		finalized := newSyncRun(address, device, 1)
		finalized.Type = driver.SyncRunDatawalletVersionUpgrade
		finalized.FinalizedAt = ptr(at(time.Hour))
		for _, want := range []driver.SyncRun{open, finalized} {
			mustInsertSyncRun(ctx, t, st, want)
			got, err := st.SyncRuns().Get(ctx, want.ID)
			require.NoError(t, err, "Get of an inserted sync run must succeed")
			require.Equal(t, want, got, "Get must return the sync run as inserted")
		}
	})

	t.Run("Insert/DuplicateIDIsErrConflict", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		first := mustInsertSyncRun(ctx, t, st, newSyncRun(newAddress(), newID("DVC"), 0))
		dup := newSyncRun(newAddress(), newID("DVC"), 0)
		dup.ID = first.ID
		require.ErrorIs(t, st.SyncRuns().Insert(ctx, dup), driver.ErrConflict, "Insert with an existing sync run ID must return ErrConflict")
		got, err := st.SyncRuns().Get(ctx, first.ID)
		require.NoError(t, err)
		require.Equal(t, first, got, "a rejected Insert must leave the existing run unchanged")
	})

	t.Run("Insert/SameIndexOfIdentityIsErrConflict", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		address := newAddress()
		mustInsertSyncRun(ctx, t, st, newSyncRun(address, newID("DVC"), 0))
		second := newSyncRun(address, newID("DVC"), 0)
		require.ErrorIs(t, st.SyncRuns().Insert(ctx, second), driver.ErrConflict,
			"Insert of a run with an Index the identity already has must return ErrConflict")
		_, err := st.SyncRuns().Get(ctx, second.ID)
		require.ErrorIs(t, err, driver.ErrNotFound, "a rejected Insert must store nothing")
		require.NoError(t, st.SyncRuns().Insert(ctx, newSyncRun(newAddress(), newID("DVC"), 0)),
			"another identity may have a run with the same Index")
	})

	t.Run("Insert/ErrConflictLeavesTheTxUsable", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		address := newAddress()
		mustInsertSyncRun(ctx, t, st, newSyncRun(address, newID("DVC"), 0))
		next := newSyncRun(address, newID("DVC"), 1)
		err := st.InTx(ctx, func(tx driver.Tx) error {
			if err := tx.SyncRuns().Insert(ctx, newSyncRun(address, newID("DVC"), 0)); !errors.Is(err, driver.ErrConflict) {
				return errors.Join(errors.New("want ErrConflict"), err)
			}
			return tx.SyncRuns().Insert(ctx, next)
		})
		require.NoError(t, err, "after ErrConflict from Insert, the transaction must stay usable and commit")
		got, err := st.SyncRuns().Latest(ctx, address)
		require.NoError(t, err)
		require.Equal(t, next, got, "the write made after ErrConflict must be committed")
	})

	t.Run("Insert/ConcurrentStartsNeverShareAnIndex", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		address := newAddress()
		const starts = 6
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			indexes []int64
		)
		for range starts {
			wg.Go(func() {
				run := newSyncRun(address, newID("DVC"), 0)
				// What starting a run does: read the latest, insert the next.
				err := st.InTx(ctx, func(tx driver.Tx) error {
					latest, err := tx.SyncRuns().Latest(ctx, address)
					switch {
					case err == nil:
						run.Index = latest.Index + 1
					case !errors.Is(err, driver.ErrNotFound):
						return err
					}
					return tx.SyncRuns().Insert(ctx, run)
				})
				if err == nil {
					mu.Lock()
					indexes = append(indexes, run.Index)
					mu.Unlock()
				} else if !errors.Is(err, driver.ErrConflict) {
					t.Logf("a concurrent start failed after the store's retries: %v", err)
				}
			})
		}
		wg.Wait()
		require.NotEmpty(t, indexes, "at least one concurrent start must commit")
		requireGapFree(t, "concurrent starts that commit", indexes)
		latest, err := st.SyncRuns().Latest(ctx, address)
		require.NoError(t, err)
		require.Equal(t, int64(len(indexes)-1), latest.Index, "the stored runs must be the committed ones")
	})

	t.Run("Get/UnknownIDIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		mustInsertSyncRun(ctx, t, st, newSyncRun(newAddress(), newID("DVC"), 0))
		_, err := st.SyncRuns().Get(ctx, newID("SYR"))
		require.ErrorIs(t, err, driver.ErrNotFound, "Get of an unknown sync run ID must return ErrNotFound")
	})

	t.Run("Get/TimesRoundTripAsTheSameInstantInUTC", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		r := newSyncRun(newAddress(), newID("DVC"), 0)
		r.CreatedAt = time.Date(2030, 12, 31, 23, 59, 59, 999_000_000, otherZone)
		r.ExpiresAt = r.CreatedAt.Add(10 * time.Second)
		r.FinalizedAt = ptr(r.CreatedAt.Add(time.Millisecond))
		mustInsertSyncRun(ctx, t, st, r)
		got, err := st.SyncRuns().Get(ctx, r.ID)
		require.NoError(t, err)
		requireUTC(t, "Get", &got.CreatedAt, &got.ExpiresAt, got.FinalizedAt)
		require.Equal(t, r.CreatedAt.UTC(), got.CreatedAt, "CreatedAt must round-trip to the millisecond")
		require.Equal(t, r.ExpiresAt.UTC(), got.ExpiresAt, "ExpiresAt must round-trip to the millisecond")
		require.Equal(t, r.FinalizedAt.UTC(), *got.FinalizedAt, "FinalizedAt must round-trip to the millisecond")
	})

	t.Run("Latest/ReturnsTheRunWithTheHighestIndex", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		address, device := newAddress(), newID("DVC")
		// Inserted out of order, with CreatedAt against the index order.
		var want driver.SyncRun
		for _, i := range []int64{1, 3, 0, 2} {
			r := newSyncRun(address, device, i)
			r.CreatedAt = at(-time.Duration(i) * time.Hour)
			mustInsertSyncRun(ctx, t, st, r)
			if i == 3 {
				want = r
			}
		}
		mustInsertSyncRun(ctx, t, st, newSyncRun(newAddress(), device, 9))
		got, err := st.SyncRuns().Latest(ctx, address)
		require.NoError(t, err)
		require.Equal(t, want, got, "Latest must return the identity's run with the highest Index, not another identity's")
	})

	t.Run("Latest/IdentityWithoutRunsIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		mustInsertSyncRun(ctx, t, st, newSyncRun(newAddress(), newID("DVC"), 0))
		_, err := st.SyncRuns().Latest(ctx, newAddress())
		require.ErrorIs(t, err, driver.ErrNotFound, "Latest of an identity without runs must return ErrNotFound")
	})

	t.Run("Update/ReplacesExpiresAtAndFinalizedAt", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		want := mustInsertSyncRun(ctx, t, st, newSyncRun(newAddress(), newID("DVC"), 0))
		want.ExpiresAt = at(time.Hour)
		want.FinalizedAt = ptr(at(2 * time.Hour))
		require.NoError(t, st.SyncRuns().Update(ctx, want), "Update of an existing run must succeed")
		got, err := st.SyncRuns().Get(ctx, want.ID)
		require.NoError(t, err)
		require.Equal(t, want, got, "Update must replace ExpiresAt and FinalizedAt")

		want.FinalizedAt = nil
		require.NoError(t, st.SyncRuns().Update(ctx, want))
		got, err = st.SyncRuns().Get(ctx, want.ID)
		require.NoError(t, err)
		require.Nil(t, got.FinalizedAt, "Update with a nil FinalizedAt must clear it")
	})

	t.Run("Update/LeavesTheOtherFieldsUnchanged", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		want := mustInsertSyncRun(ctx, t, st, newSyncRun(newAddress(), newID("DVC"), 0))
		change := want
		change.Type = driver.SyncRunDatawalletVersionUpgrade
		change.Index = 5
		change.CreatedAt = at(time.Hour)
		change.CreatedBy = newAddress()
		change.CreatedByDevice = newID("DVC")
		change.EventCount = 42
		require.NoError(t, st.SyncRuns().Update(ctx, change))
		got, err := st.SyncRuns().Get(ctx, want.ID)
		require.NoError(t, err)
		require.Equal(t, want, got, "Update must change nothing but ExpiresAt and FinalizedAt")
	})

	t.Run("Update/UnknownIDIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		r := newSyncRun(newAddress(), newID("DVC"), 0)
		require.ErrorIs(t, st.SyncRuns().Update(ctx, r), driver.ErrNotFound, "Update of an unknown sync run ID must return ErrNotFound")
		_, err := st.SyncRuns().Get(ctx, r.ID)
		require.ErrorIs(t, err, driver.ErrNotFound, "Update of an unknown run must not create it")
	})

	t.Run("DeleteFinalizedBefore/RemovesRunsFinalizedBeforeT", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		address, device := newAddress(), newID("DVC")
		cutoff := at(24 * time.Hour)
		var gone, kept []driver.SyncRun
		for i, finalizedAt := range []*time.Time{ptr(at(0)), ptr(cutoff.Add(-time.Millisecond)), ptr(cutoff), ptr(cutoff.Add(time.Hour)), nil} {
			r := newSyncRun(address, device, int64(i))
			r.FinalizedAt = finalizedAt
			mustInsertSyncRun(ctx, t, st, r)
			if finalizedAt != nil && finalizedAt.Before(cutoff) {
				gone = append(gone, r)
			} else {
				kept = append(kept, r)
			}
		}
		n, err := st.SyncRuns().DeleteFinalizedBefore(ctx, cutoff)
		require.NoError(t, err)
		require.Equal(t, len(gone), n, "DeleteFinalizedBefore must return how many runs it removed")
		for _, r := range gone {
			_, err := st.SyncRuns().Get(ctx, r.ID)
			require.ErrorIs(t, err, driver.ErrNotFound, "a run finalized before t must be removed")
		}
		for _, r := range kept {
			_, err := st.SyncRuns().Get(ctx, r.ID)
			require.NoError(t, err, "a run finalized at or after t, or not finalized, must be kept")
		}
	})

	t.Run("DeleteFinalizedBefore/TheirEventsStaySynced", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		address, device := newAddress(), newID("DVC")
		old := newSyncRun(address, device, 0)
		old.FinalizedAt = ptr(at(0))
		mustInsertSyncRun(ctx, t, st, old)
		oldEvent := mustInsertEvent(ctx, t, st, newExternalEvent(address))
		require.NoError(t, st.ExternalEvents().AssignToSyncRun(ctx, []string{oldEvent.ID}, old.ID))

		n, err := st.SyncRuns().DeleteFinalizedBefore(ctx, at(time.Hour))
		require.NoError(t, err)
		require.Equal(t, 1, n)
		deliverable, err := st.ExternalEvents().ListDeliverable(ctx, address, 3)
		require.NoError(t, err)
		require.Empty(t, deliverable, "the events of a removed run were synced and must not become deliverable again")
		has, err := st.ExternalEvents().HasUnsyncedWithoutErrors(ctx, address)
		require.NoError(t, err)
		require.False(t, has, "the events of a removed run must not count as unsynced")
	})

	t.Run("DeleteFinalizedBefore/NothingToRemoveIsZero", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		mustInsertSyncRun(ctx, t, st, newSyncRun(newAddress(), newID("DVC"), 0))
		n, err := st.SyncRuns().DeleteFinalizedBefore(ctx, at(time.Hour))
		require.NoError(t, err)
		require.Zero(t, n, "with no run finalized before t, DeleteFinalizedBefore must remove nothing")
	})
}
