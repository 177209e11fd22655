package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

func testTiers(t *testing.T, newHarness HarnessMaker) {
	t.Run("Insert/ThenGetReturnsItUnchanged", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		for _, flags := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			want := newTier()
			want.CanBeUsedAsDefaultForClient, want.CanBeManuallyAssigned = flags[0], flags[1]
			mustInsertTier(ctx, t, st, want)
			got, err := st.Tiers().Get(ctx, want.ID)
			require.NoError(t, err, "Get of an inserted tier must succeed")
			require.Equal(t, want, got, "Get must return the tier as inserted")
		}
	})

	t.Run("Insert/DuplicateIDIsErrConflict", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		first := mustInsertTier(ctx, t, st, newTier())
		dup := newTier()
		dup.ID = first.ID
		err := st.Tiers().Insert(ctx, dup)
		require.ErrorIs(t, err, driver.ErrConflict, "Insert with an existing tier ID must return ErrConflict")
		got, err := st.Tiers().Get(ctx, first.ID)
		require.NoError(t, err)
		require.Equal(t, first, got, "a rejected Insert must leave the existing tier unchanged")
	})

	t.Run("Insert/DuplicateNameIsErrConflict", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		first := mustInsertTier(ctx, t, st, newTier())
		dup := newTier()
		dup.Name = first.Name
		err := st.Tiers().Insert(ctx, dup)
		require.ErrorIs(t, err, driver.ErrConflict, "Insert with an existing tier name must return ErrConflict")
		_, err = st.Tiers().Get(ctx, dup.ID)
		require.ErrorIs(t, err, driver.ErrNotFound, "a rejected Insert must store nothing")
	})

	t.Run("Get/UnknownIDIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		mustInsertTier(ctx, t, st, newTier())
		_, err := st.Tiers().Get(ctx, newID("TIR"))
		require.ErrorIs(t, err, driver.ErrNotFound, "Get of an unknown tier ID must return ErrNotFound")
	})

	t.Run("GetByName/ReturnsTheTierWithThatName", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		want := newTier()
		want.Name = "Queued for Deletion"
		mustInsertTier(ctx, t, st, want)
		mustInsertTier(ctx, t, st, newTier())
		got, err := st.Tiers().GetByName(ctx, want.Name)
		require.NoError(t, err, "GetByName of an existing name must succeed")
		require.Equal(t, want, got)
	})

	t.Run("GetByName/MatchesTheExactNameOnly", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		mustInsertTier(ctx, t, st, driver.Tier{ID: newID("TIR"), Name: "Basic"})
		for _, name := range []string{"basic", "BASIC", "Basi", "Basic ", "Bas%"} {
			_, err := st.Tiers().GetByName(ctx, name)
			require.ErrorIs(t, err, driver.ErrNotFound, "GetByName(%q) must not match the tier named %q: names match exactly", name, "Basic")
		}
	})

	t.Run("GetByName/UnknownNameIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		_, err := st.Tiers().GetByName(ctx, "No Such Tier")
		require.ErrorIs(t, err, driver.ErrNotFound, "GetByName of an unknown name must return ErrNotFound")
	})

	t.Run("List/OrdersByName", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		names := []string{"delta", "alpha", "charlie", "bravo", "alphabet"}
		for _, n := range names {
			mustInsertTier(ctx, t, st, driver.Tier{ID: newID("TIR"), Name: n})
		}
		got, err := st.Tiers().List(ctx)
		require.NoError(t, err)
		var gotNames []string
		for _, tier := range got {
			gotNames = append(gotNames, tier.Name)
		}
		require.Equal(t, []string{"alpha", "alphabet", "bravo", "charlie", "delta"}, gotNames, "List must return every tier ordered by name")
	})

	t.Run("List/NoTiersIsEmpty", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		got, err := st.Tiers().List(ctx)
		require.NoError(t, err)
		require.Empty(t, got)
	})

	t.Run("Delete/RemovesTheTierAndFreesItsName", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		tier := mustInsertTier(ctx, t, st, newTier())
		other := mustInsertTier(ctx, t, st, newTier())
		require.NoError(t, st.Tiers().Delete(ctx, tier.ID), "Delete of an existing tier must succeed")
		_, err := st.Tiers().Get(ctx, tier.ID)
		require.ErrorIs(t, err, driver.ErrNotFound, "a deleted tier must be gone")
		_, err = st.Tiers().GetByName(ctx, tier.Name)
		require.ErrorIs(t, err, driver.ErrNotFound, "a deleted tier must not be found by name")
		_, err = st.Tiers().Get(ctx, other.ID)
		require.NoError(t, err, "Delete must remove that tier only")
		require.NoError(t, st.Tiers().Insert(ctx, driver.Tier{ID: newID("TIR"), Name: tier.Name}), "after Delete, the name must be free again")
	})

	t.Run("Delete/UnknownIDIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		err := st.Tiers().Delete(ctx, newID("TIR"))
		require.ErrorIs(t, err, driver.ErrNotFound, "Delete of an unknown tier ID must return ErrNotFound")
	})
}
