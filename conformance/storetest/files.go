package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

func testFiles(t *testing.T, newHarness HarnessMaker) {
	t.Run("Insert/ThenGetReturnsItUnchanged", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		want := newFile(newAddress())
		want.Owner = newAddress()
		want.CipherSize = 5<<30 + 7 // beyond 32 bits
		want.OwnershipIsLocked = true
		want.LastOwnershipClaimAt = ptr(at(30 * time.Minute))
		mustInsertFile(ctx, t, st, want)
		mustInsertFile(ctx, t, st, newFile(newAddress()))
		got, err := st.Files().Get(ctx, want.ID)
		require.NoError(t, err, "Get of an inserted file must succeed")
		require.Equal(t, want, got, "Get must return the file as inserted")
		require.Equal(t, int64(5<<30+7), got.CipherSize, "a CipherSize beyond 4 GiB must come back whole")
	})

	t.Run("Insert/NilBytesAndClaimTimeComeBackNil", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		want := newFile(newAddress())
		want.OwnerSignature, want.CipherHash, want.EncryptedProperties = nil, nil, nil
		want.LastOwnershipClaimAt = nil
		mustInsertFile(ctx, t, st, want)
		got, err := st.Files().Get(ctx, want.ID)
		require.NoError(t, err)
		require.Nil(t, got.OwnerSignature, "a nil OwnerSignature must come back nil")
		require.Nil(t, got.CipherHash, "a nil CipherHash must come back nil")
		require.Nil(t, got.EncryptedProperties, "a nil EncryptedProperties must come back nil")
		require.Nil(t, got.LastOwnershipClaimAt, "a nil LastOwnershipClaimAt must come back nil")
		require.Equal(t, want, got)
	})

	t.Run("Insert/EmptyBytesComeBackEmptyNotNil", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		want := newFile(newAddress())
		want.OwnerSignature, want.CipherHash, want.EncryptedProperties = []byte{}, []byte{}, []byte{}
		mustInsertFile(ctx, t, st, want)
		got, err := st.Files().Get(ctx, want.ID)
		require.NoError(t, err)
		for name, b := range map[string][]byte{"OwnerSignature": got.OwnerSignature, "CipherHash": got.CipherHash, "EncryptedProperties": got.EncryptedProperties} {
			require.NotNil(t, b, "an empty, non-nil %s must come back non-nil", name)
			require.Empty(t, b, name)
		}
	})

	t.Run("Insert/DuplicateIDIsErrConflict", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		first := mustInsertFile(ctx, t, st, newFile(newAddress()))
		dup := newFile(newAddress())
		dup.ID = first.ID
		require.ErrorIs(t, st.Files().Insert(ctx, dup), driver.ErrConflict, "Insert with an existing file ID must return ErrConflict")
		got, err := st.Files().Get(ctx, first.ID)
		require.NoError(t, err)
		require.Equal(t, first, got, "a rejected Insert must leave the existing file unchanged")
	})

	t.Run("Insert/ErrConflictLeavesTheTxUsable", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		first := mustInsertFile(ctx, t, st, newFile(newAddress()))
		next := newFile(newAddress())
		err := st.InTx(ctx, func(tx driver.Tx) error {
			if err := tx.Files().Insert(ctx, first); !errors.Is(err, driver.ErrConflict) {
				return errors.Join(errors.New("want ErrConflict"), err)
			}
			return tx.Files().Insert(ctx, next)
		})
		require.NoError(t, err, "after ErrConflict from Insert, the transaction must stay usable and commit")
		got, err := st.Files().Get(ctx, next.ID)
		require.NoError(t, err)
		require.Equal(t, next, got, "the write made after ErrConflict must be committed")
	})

	t.Run("Get/UnknownIDIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		mustInsertFile(ctx, t, st, newFile(newAddress()))
		_, err := st.Files().Get(ctx, newID("FIL"))
		require.ErrorIs(t, err, driver.ErrNotFound, "Get of an unknown file ID must return ErrNotFound")
	})

	t.Run("Get/TimesComeBackInUTC", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		f := newFile(newAddress())
		f.CreatedAt, f.ExpiresAt = at(0).In(otherZone), at(time.Hour).In(otherZone)
		f.LastOwnershipClaimAt = ptr(at(time.Minute).In(otherZone))
		mustInsertFile(ctx, t, st, f)
		got, err := st.Files().Get(ctx, f.ID)
		require.NoError(t, err)
		require.NotNil(t, got.LastOwnershipClaimAt)
		requireUTC(t, "Get", &got.CreatedAt, &got.ExpiresAt, got.LastOwnershipClaimAt)
		require.True(t, f.CreatedAt.Equal(got.CreatedAt), "CreatedAt must keep the instant")
		require.True(t, f.ExpiresAt.Equal(got.ExpiresAt), "ExpiresAt must keep the instant")
		require.True(t, f.LastOwnershipClaimAt.Equal(*got.LastOwnershipClaimAt), "LastOwnershipClaimAt must keep the instant")
	})

	t.Run("Update/ReplacesOwnerAndOwnershipOnly", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		f := mustInsertFile(ctx, t, st, newFile(newAddress()))
		other := mustInsertFile(ctx, t, st, newFile(f.CreatedBy))

		changed := f
		changed.Owner = newAddress()
		changed.OwnershipToken = newID("")
		changed.OwnershipIsLocked = true
		changed.LastOwnershipClaimAt = ptr(at(time.Minute))
		ignored := changed
		ignored.CreatedAt, ignored.ExpiresAt = at(time.Minute), at(2*time.Hour)
		ignored.CreatedBy, ignored.CreatedByDevice = newAddress(), newID("DVC")
		ignored.OwnerSignature, ignored.CipherHash, ignored.EncryptedProperties = []byte("sig2"), nil, []byte{}
		ignored.CipherSize = 99
		require.NoError(t, st.Files().Update(ctx, ignored), "Update of an existing file must succeed")
		got, err := st.Files().Get(ctx, f.ID)
		require.NoError(t, err)
		require.Equal(t, changed, got, "Update must replace Owner, OwnershipToken, OwnershipIsLocked and LastOwnershipClaimAt, and nothing else")

		got, err = st.Files().Get(ctx, other.ID)
		require.NoError(t, err)
		require.Equal(t, other, got, "Update must not touch other files")

		// Back to unlocked and never claimed.
		require.NoError(t, st.Files().Update(ctx, f))
		got, err = st.Files().Get(ctx, f.ID)
		require.NoError(t, err)
		require.Equal(t, f, got, "Update must be able to unlock and set LastOwnershipClaimAt to nil")
	})

	t.Run("Update/UnknownIDIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		mustInsertFile(ctx, t, st, newFile(newAddress()))
		require.ErrorIs(t, st.Files().Update(ctx, newFile(newAddress())), driver.ErrNotFound, "Update of an unknown file ID must return ErrNotFound")
	})

	t.Run("Delete/RemovesTheFile", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		gone := mustInsertFile(ctx, t, st, newFile(newAddress()))
		kept := mustInsertFile(ctx, t, st, newFile(gone.CreatedBy))
		require.NoError(t, st.Files().Delete(ctx, gone.ID), "Delete of an existing file must succeed")
		_, err := st.Files().Get(ctx, gone.ID)
		require.ErrorIs(t, err, driver.ErrNotFound, "a deleted file must be gone")
		got, err := st.Files().Get(ctx, kept.ID)
		require.NoError(t, err)
		require.Equal(t, kept, got, "Delete must not touch other files")
		require.ErrorIs(t, st.Files().Delete(ctx, gone.ID), driver.ErrNotFound, "a second Delete must return ErrNotFound")
		// A file with the same ID may be inserted anew.
		mustInsertFile(ctx, t, st, gone)
	})

	t.Run("Delete/UnknownIDIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		mustInsertFile(ctx, t, st, newFile(newAddress()))
		require.ErrorIs(t, st.Files().Delete(ctx, newID("FIL")), driver.ErrNotFound, "Delete of an unknown file ID must return ErrNotFound")
	})

	t.Run("List/ReturnsTheCreatorsFilesThatExpireAfterTheInstant", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		me, now := newAddress(), at(time.Hour)
		mine := newFile(me)
		mine.ExpiresAt = now.Add(time.Millisecond)
		mustInsertFile(ctx, t, st, mine)
		bare := newFile(me)
		bare.OwnerSignature, bare.CipherHash, bare.EncryptedProperties = nil, nil, []byte{}
		bare.CipherSize = 5 << 30
		bare.ExpiresAt = now.Add(24 * time.Hour)
		mustInsertFile(ctx, t, st, bare)
		givenAway := newFile(me)
		givenAway.Owner, givenAway.OwnershipIsLocked, givenAway.LastOwnershipClaimAt = newAddress(), true, ptr(at(0))
		givenAway.ExpiresAt = now.Add(time.Hour)
		mustInsertFile(ctx, t, st, givenAway)
		expiresNow := newFile(me)
		expiresNow.ExpiresAt = now
		mustInsertFile(ctx, t, st, expiresNow)
		expired := newFile(me)
		expired.ExpiresAt = now.Add(-time.Hour)
		mustInsertFile(ctx, t, st, expired)
		ownedNotCreated := newFile(newAddress())
		ownedNotCreated.Owner = me
		ownedNotCreated.ExpiresAt = now.Add(time.Hour)
		mustInsertFile(ctx, t, st, ownedNotCreated)
		foreign := newFile(newAddress())
		foreign.ExpiresAt = now.Add(time.Hour)
		mustInsertFile(ctx, t, st, foreign)

		for _, ids := range [][]string{nil, {}} {
			got, total, err := st.Files().List(ctx, me, ids, now, driver.PageRequest{Number: 1, Size: 10})
			require.NoError(t, err)
			require.ElementsMatch(t, []driver.File{mine, bare, givenAway}, got,
				"without IDs, List must return the files the creator created that expire strictly after notExpiredAt, each once, whole")
			require.Equal(t, 3, total, "List must count the matching files")
		}
	})

	t.Run("List/WithIDsOnlyThoseFilesMatch", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		me, now := newAddress(), at(0)
		asked := mustInsertFile(ctx, t, st, newFile(me))
		notAsked := mustInsertFile(ctx, t, st, newFile(me))
		expired := newFile(me)
		expired.ExpiresAt = now
		mustInsertFile(ctx, t, st, expired)
		foreign := mustInsertFile(ctx, t, st, newFile(newAddress()))

		ids := []string{asked.ID, expired.ID, foreign.ID, newID("FIL")}
		got, total, err := st.Files().List(ctx, me, ids, now, driver.PageRequest{Number: 1, Size: 10})
		require.NoError(t, err)
		require.Equal(t, []driver.File{asked}, got, "with IDs, List must return only the matching files with one of the IDs")
		require.Equal(t, 1, total, "with IDs, List must count only the matching files with one of the IDs")
		require.NotContains(t, fileIDs(got), notAsked.ID)

		got, total, err = st.Files().List(ctx, me, []string{foreign.ID, newID("FIL")}, now, driver.PageRequest{Number: 1, Size: 10})
		require.NoError(t, err)
		require.Empty(t, got, "IDs of no matching file match none")
		require.NotNil(t, got, "an empty page must be empty, not nil")
		require.Zero(t, total)
	})

	t.Run("List/OldestFirstByCreatedAtThenIDWithPagingAndTotal", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		me := newAddress()
		var want []driver.File
		for _, d := range []time.Duration{3, 1, 2, 1, 0, 2} {
			f := newFile(me)
			f.CreatedAt = at(d * time.Minute)
			mustInsertFile(ctx, t, st, f)
			want = append(want, f)
		}
		slices.SortFunc(want, func(a, b driver.File) int {
			if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
				return c
			}
			if a.ID < b.ID {
				return -1
			}
			return 1
		})
		ids := fileIDs(want)
		slices.Reverse(ids)
		for _, ids := range [][]string{nil, ids} {
			got, total, err := st.Files().List(ctx, me, ids, at(0), driver.PageRequest{Number: 1, Size: 10})
			require.NoError(t, err)
			require.Equal(t, 6, total)
			require.Equal(t, want, got, "List must return the files oldest first, then by ID, whatever the order of the IDs")

			page, total, err := st.Files().List(ctx, me, ids, at(0), driver.PageRequest{Number: 2, Size: 4})
			require.NoError(t, err)
			require.Equal(t, 6, total, "the total must count every page")
			require.Equal(t, fileIDs(want[4:]), fileIDs(page), "page 2 of size 4 holds the 5th and 6th file")

			page, total, err = st.Files().List(ctx, me, ids, at(0), driver.PageRequest{Number: 3, Size: 4})
			require.NoError(t, err)
			require.Empty(t, page, "a page beyond the end is empty")
			require.Equal(t, 6, total, "a page beyond the end still has the total")
		}
	})
}
