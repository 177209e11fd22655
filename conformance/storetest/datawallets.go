package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

func testDatawallets(t *testing.T, newHarness HarnessMaker) {
	t.Run("Insert/ThenGetReturnsIt", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		want := driver.Datawallet{ID: newID("DWL"), Owner: newAddress(), Version: 3}
		require.NoError(t, st.Datawallets().Insert(ctx, want))
		require.NoError(t, st.Datawallets().Insert(ctx, driver.Datawallet{ID: newID("DWL"), Owner: newAddress(), Version: 1}))
		got, err := st.Datawallets().Get(ctx, want.Owner)
		require.NoError(t, err, "Get of the owner of an inserted datawallet must succeed")
		require.Equal(t, want, got, "Get must return the owner's datawallet as inserted")
	})

	t.Run("Insert/SecondOfOwnerIsErrConflict", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		first := driver.Datawallet{ID: newID("DWL"), Owner: newAddress(), Version: 1}
		require.NoError(t, st.Datawallets().Insert(ctx, first))
		err := st.Datawallets().Insert(ctx, driver.Datawallet{ID: newID("DWL"), Owner: first.Owner, Version: 2})
		require.ErrorIs(t, err, driver.ErrConflict, "Insert of a second datawallet of an owner must return ErrConflict")
		got, err := st.Datawallets().Get(ctx, first.Owner)
		require.NoError(t, err)
		require.Equal(t, first, got, "a rejected Insert must leave the existing datawallet unchanged")
	})

	t.Run("Get/OwnerWithoutDatawalletIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		require.NoError(t, st.Datawallets().Insert(ctx, driver.Datawallet{ID: newID("DWL"), Owner: newAddress(), Version: 1}))
		_, err := st.Datawallets().Get(ctx, newAddress())
		require.ErrorIs(t, err, driver.ErrNotFound, "Get for an owner without a datawallet must return ErrNotFound")
	})

	t.Run("UpdateVersion/SetsTheVersionOfTheOwnersDatawallet", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		want := driver.Datawallet{ID: newID("DWL"), Owner: newAddress(), Version: 1}
		other := driver.Datawallet{ID: newID("DWL"), Owner: newAddress(), Version: 1}
		require.NoError(t, st.Datawallets().Insert(ctx, want))
		require.NoError(t, st.Datawallets().Insert(ctx, other))
		require.NoError(t, st.Datawallets().UpdateVersion(ctx, want.Owner, 4))
		want.Version = 4
		got, err := st.Datawallets().Get(ctx, want.Owner)
		require.NoError(t, err)
		require.Equal(t, want, got, "UpdateVersion must set the version")
		got, err = st.Datawallets().Get(ctx, other.Owner)
		require.NoError(t, err)
		require.Equal(t, other, got, "UpdateVersion must not change other owners' datawallets")
	})

	t.Run("UpdateVersion/OwnerWithoutDatawalletIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		owner := newAddress()
		require.ErrorIs(t, st.Datawallets().UpdateVersion(ctx, owner, 2), driver.ErrNotFound,
			"UpdateVersion for an owner without a datawallet must return ErrNotFound")
		_, err := st.Datawallets().Get(ctx, owner)
		require.ErrorIs(t, err, driver.ErrNotFound, "UpdateVersion must not create a datawallet")
	})

	t.Run("LatestIndex/NoModificationsIsMinusOne", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		mustAppend(ctx, t, st, newAddress(), newModification("o1"))
		got, err := st.Datawallets().LatestIndex(ctx, newAddress())
		require.NoError(t, err)
		require.Equal(t, int64(-1), got, "LatestIndex of an owner without modifications must be -1")
	})

	t.Run("LatestIndex/IsTheOwnersHighest", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		owner := newAddress()
		mustAppend(ctx, t, st, owner, newModification("o1"), newModification("o2"), newModification("o3"))
		mustAppend(ctx, t, st, newAddress(), make5Modifications()...)
		got, err := st.Datawallets().LatestIndex(ctx, owner)
		require.NoError(t, err)
		require.Equal(t, int64(2), got, "LatestIndex must return the owner's highest index")
	})

	t.Run("AppendModifications/NumbersFromZeroPerOwnerInOrder", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		a, b := newAddress(), newAddress()
		first := mustAppend(ctx, t, st, a, newModification("o1"), newModification("o2"), newModification("o3"))
		require.Equal(t, []int64{0, 1, 2}, modIndexes(first), "the first append must number the modifications 0, 1, … in the order given")
		other := mustAppend(ctx, t, st, b, newModification("o1"))
		require.Equal(t, []int64{0}, modIndexes(other), "another owner's modifications are numbered on their own")
		second := mustAppend(ctx, t, st, a, newModification("o4"), newModification("o5"))
		require.Equal(t, []int64{3, 4}, modIndexes(second), "an append must continue after the owner's highest index")
	})

	t.Run("AppendModifications/ReturnsAndStoresThemUnchanged", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		owner := newAddress()
		withPayload := newModification("o1")
		withPayload.CreatedAt = time.Date(2030, 12, 31, 23, 59, 59, 999_000_000, otherZone)
		withoutPayload := newModification("o2")
		withoutPayload.EncryptedPayload = nil
		withoutPayload.PayloadCategory = ""
		withoutPayload.Type = driver.DatawalletDelete
		emptyPayload := newModification("o3")
		emptyPayload.EncryptedPayload = []byte{}
		emptyPayload.Type = driver.DatawalletCacheChanged
		emptyPayload.DatawalletVersion = 2
		mods := []driver.DatawalletModification{withPayload, withoutPayload, emptyPayload}
		got, err := st.Datawallets().AppendModifications(ctx, owner, mods)
		require.NoError(t, err)
		want := make([]driver.DatawalletModification, len(mods))
		for i, m := range mods {
			m.Owner, m.Index, m.CreatedAt = owner, int64(i), m.CreatedAt.UTC()
			want[i] = m
		}
		for i := range got {
			got[i].CreatedAt = got[i].CreatedAt.UTC()
		}
		require.Equal(t, want, got, "AppendModifications must return the modifications with the owner and their indexes")

		listed, total, err := st.Datawallets().ListModifications(ctx, owner, -1, driver.PageRequest{Number: 1, Size: 10})
		require.NoError(t, err)
		require.Equal(t, 3, total)
		for i := range listed {
			requireUTC(t, "ListModifications", &listed[i].CreatedAt)
		}
		require.Equal(t, want, listed, "modifications must read back unchanged, CreatedAt as the same instant")
		require.Nil(t, listed[1].EncryptedPayload, "a nil EncryptedPayload must come back nil")
		require.NotNil(t, listed[2].EncryptedPayload, "an empty, non-nil EncryptedPayload must come back non-nil")
		require.Empty(t, listed[2].EncryptedPayload)
	})

	t.Run("AppendModifications/DuplicateIDIsErrConflictAndStoresNone", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		owner := newAddress()
		first := mustAppend(ctx, t, st, owner, newModification("o1"))
		dup := newModification("o2")
		dup.ID = first[0].ID
		_, err := st.Datawallets().AppendModifications(ctx, owner, []driver.DatawalletModification{newModification("o3"), dup})
		require.ErrorIs(t, err, driver.ErrConflict, "AppendModifications with an existing modification ID must return ErrConflict")
		latest, err := st.Datawallets().LatestIndex(ctx, owner)
		require.NoError(t, err)
		require.Equal(t, int64(0), latest, "a rejected append must store none of the modifications")
	})

	t.Run("AppendModifications/ConcurrentAppendsNeverShareOrSkipAnIndex", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		owner := newAddress()
		const workers, rounds, each = 5, 3, 3
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			indexes  []int64
			failed   int
			conflict int
		)
		for range workers {
			wg.Go(func() {
				for range rounds {
					var got []driver.DatawalletModification
					err := st.InTx(ctx, func(tx driver.Tx) error {
						var err error
						got, err = tx.Datawallets().AppendModifications(ctx, owner, make5Modifications()[:each])
						return err
					})
					mu.Lock()
					switch {
					case err == nil:
						indexes = append(indexes, modIndexes(got)...)
					case errors.Is(err, driver.ErrConflict):
						conflict++
					default:
						failed++
						t.Logf("a concurrent append failed after the store's retries: %v", err)
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		require.Less(t, failed+conflict, workers*rounds/2, "most concurrent appends must commit (the store retries what it must)")
		requireGapFree(t, "concurrent appends that commit", indexes)
		latest, err := st.Datawallets().LatestIndex(ctx, owner)
		require.NoError(t, err)
		require.Equal(t, int64(len(indexes)-1), latest, "every committed append, and no other, must be stored")
	})

	t.Run("ListModifications/KeepsTheHighestIndexPerObjectTypeAndCategory", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		owner := newAddress()
		mod := func(object string, typ driver.DatawalletModificationType, category, collection string) driver.DatawalletModification {
			m := newModification(object)
			m.Type, m.PayloadCategory, m.Collection = typ, category, collection
			return m
		}
		// In two appends: a modification supersedes those of its own
		// append and those stored before.
		stored := mustAppend(ctx, t, st, owner,
			mod("o1", driver.DatawalletCreate, "Userdata", "Files"),    // 0: superseded by 3
			mod("o1", driver.DatawalletUpdate, "Userdata", "Files"),    // 1: another type: kept
			mod("o1", driver.DatawalletCreate, "Metadata", "Files"),    // 2: another category: kept
			mod("o1", driver.DatawalletCreate, "Userdata", "Messages"), // 3: another collection, same key
			mod("o2", driver.DatawalletCreate, "Userdata", "Files"),    // 4: another object: kept
			mod("o3", driver.DatawalletUpdate, "", "Files"),            // 5: superseded by 6
		)
		stored = append(stored, mustAppend(ctx, t, st, owner,
			mod("o3", driver.DatawalletUpdate, "", "Relationships"), // 6: empty categories group
			mod("o3", driver.DatawalletUpdate, "Userdata", "Files"), // 7: kept
		)...)
		stored = append(stored, mustAppend(ctx, t, st, owner,
			mod("o1", driver.DatawalletCreate, "Userdata", "Files"), // 8: supersedes 3
		)...)
		mustAppend(ctx, t, st, newAddress(), mod("o1", driver.DatawalletCreate, "Userdata", "Files"))
		got, total, err := st.Datawallets().ListModifications(ctx, owner, -1, driver.PageRequest{Number: 1, Size: 50})
		require.NoError(t, err)
		want := []driver.DatawalletModification{stored[1], stored[2], stored[4], stored[6], stored[7], stored[8]}
		require.Equal(t, modIDs(want), modIDs(got),
			"ListModifications must keep, per (ObjectIdentifier, Type, PayloadCategory), only the highest index; Collection is not part of the key; empty categories group together")
		require.Equal(t, len(want), total, "the total must count the deduplicated modifications")
	})

	t.Run("ListModifications/ReturnsThoseAboveAfterOnly", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		owner := newAddress()
		stored := mustAppend(ctx, t, st, owner, newModification("o1"), newModification("o2"), newModification("o1"), newModification("o3"), newModification("o4"))
		got, total, err := st.Datawallets().ListModifications(ctx, owner, 1, driver.PageRequest{Number: 1, Size: 50})
		require.NoError(t, err)
		require.Equal(t, modIDs(stored[2:]), modIDs(got), "ListModifications must return the modifications with an index above after")
		require.Equal(t, 3, total)
		got, total, err = st.Datawallets().ListModifications(ctx, owner, 4, driver.PageRequest{Number: 1, Size: 50})
		require.NoError(t, err)
		require.Empty(t, got, "after the latest index there is nothing")
		require.Zero(t, total)
	})

	t.Run("ListModifications/PagesTheDeduplicatedSetWithItsTotal", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		owner := newAddress()
		var mods []driver.DatawalletModification
		for _, o := range []string{"a", "b", "a", "c", "b", "d", "e", "a", "f"} {
			mods = append(mods, newModification(o))
		}
		stored := mustAppend(ctx, t, st, owner, mods...)
		// Deduplicated: c(3) b(4) d(5) e(6) a(7) f(8).
		dedup := modIDs(stored[3:])
		for _, tc := range []struct {
			page driver.PageRequest
			want []string
		}{
			{driver.PageRequest{Number: 1, Size: 4}, dedup[0:4]},
			{driver.PageRequest{Number: 2, Size: 4}, dedup[4:6]},
			{driver.PageRequest{Number: 3, Size: 4}, []string{}},
			{driver.PageRequest{Number: 2, Size: 1}, dedup[1:2]},
		} {
			got, total, err := st.Datawallets().ListModifications(ctx, owner, -1, tc.page)
			require.NoError(t, err)
			require.Equal(t, len(dedup), total, "page %+v: the total must count the deduplicated modifications, not the page", tc.page)
			require.Equal(t, tc.want, modIDs(got), "page %+v must page the deduplicated modifications by index", tc.page)
		}
	})

	t.Run("ListModifications/OwnerWithoutModificationsIsEmpty", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		mustAppend(ctx, t, st, newAddress(), newModification("o1"))
		got, total, err := st.Datawallets().ListModifications(ctx, newAddress(), -1, driver.PageRequest{Number: 1, Size: 10})
		require.NoError(t, err, "ListModifications of an owner without modifications is not an error")
		require.Empty(t, got)
		require.Zero(t, total)
	})
}

func make5Modifications() []driver.DatawalletModification {
	out := make([]driver.DatawalletModification, 5)
	for i := range out {
		out[i] = newModification(newID("obj"))
	}
	return out
}

func modIndexes(ms []driver.DatawalletModification) []int64 {
	out := make([]int64, len(ms))
	for i, m := range ms {
		out[i] = m.Index
	}
	return out
}

// modIDs lists the modifications' IDs, for readable failure messages.
func modIDs(ms []driver.DatawalletModification) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}
