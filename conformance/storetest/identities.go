package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

func testIdentities(t *testing.T, newHarness HarnessMaker) {
	t.Run("Insert/ThenGetReturnsItUnchanged", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		want := newIdentity()
		want.TierIDBeforeDeletion = "TIR00000000000000002"
		want.Status = driver.IdentityToBeDeleted
		want.DeletionGracePeriodEndsAt = ptr(at(14 * 24 * time.Hour))
		mustInsertIdentity(ctx, t, st, want)
		got, err := st.Identities().Get(ctx, want.Address)
		require.NoError(t, err, "Get of an inserted identity must succeed")
		require.Equal(t, want, got, "Get must return the identity as inserted, public key byte for byte")
	})

	t.Run("Insert/OptionalFieldsComeBackEmpty", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		want := mustInsertIdentity(ctx, t, st, newIdentity())
		got, err := st.Identities().Get(ctx, want.Address)
		require.NoError(t, err)
		require.Empty(t, got.TierIDBeforeDeletion, "an unset TierIDBeforeDeletion must come back empty")
		require.Nil(t, got.DeletionGracePeriodEndsAt, "an unset DeletionGracePeriodEndsAt must come back nil")
		require.Equal(t, want, got)
	})

	t.Run("Insert/DuplicateAddressIsErrConflict", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		first := mustInsertIdentity(ctx, t, st, newIdentity())
		dup := newIdentity()
		dup.Address = first.Address
		err := st.Identities().Insert(ctx, dup)
		require.ErrorIs(t, err, driver.ErrConflict, "Insert with an existing address must return ErrConflict")
		got, err := st.Identities().Get(ctx, first.Address)
		require.NoError(t, err)
		require.Equal(t, first, got, "a rejected Insert must leave the existing identity unchanged")
	})

	t.Run("Get/UnknownAddressIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		mustInsertIdentity(ctx, t, st, newIdentity())
		_, err := st.Identities().Get(ctx, newAddress())
		require.ErrorIs(t, err, driver.ErrNotFound, "Get of an unknown address must return ErrNotFound")
	})

	t.Run("Get/TimesRoundTripAsTheSameInstantInUTC", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		i := newIdentity()
		i.CreatedAt = time.Date(2031, 1, 1, 0, 59, 59, 1_000_000, otherZone)
		i.DeletionGracePeriodEndsAt = ptr(time.Date(2032, 2, 29, 12, 0, 0, 999_000_000, otherZone))
		mustInsertIdentity(ctx, t, st, i)
		got, err := st.Identities().Get(ctx, i.Address)
		require.NoError(t, err)
		requireUTC(t, "Get", &got.CreatedAt, got.DeletionGracePeriodEndsAt)
		require.Equal(t, i.CreatedAt.UTC(), got.CreatedAt, "CreatedAt must round-trip to the millisecond")
		require.Equal(t, i.DeletionGracePeriodEndsAt.UTC(), *got.DeletionGracePeriodEndsAt, "DeletionGracePeriodEndsAt must round-trip to the millisecond")
	})

	t.Run("Update/ReplacesTheMutableFields", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		want := mustInsertIdentity(ctx, t, st, newIdentity())
		want.TierIDBeforeDeletion = want.TierID
		want.TierID = "TIR00000000000000001"
		want.Status = driver.IdentityToBeDeleted
		want.DeletionGracePeriodEndsAt = ptr(at(30 * 24 * time.Hour))
		require.NoError(t, st.Identities().Update(ctx, want), "Update of an existing identity must succeed")
		got, err := st.Identities().Get(ctx, want.Address)
		require.NoError(t, err)
		require.Equal(t, want, got, "Update must replace TierID, TierIDBeforeDeletion, Status and DeletionGracePeriodEndsAt")
	})

	t.Run("Update/ClearsOptionalFields", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		i := newIdentity()
		i.TierIDBeforeDeletion = "TIR00000000000000002"
		i.Status = driver.IdentityDeleting
		i.DeletionGracePeriodEndsAt = ptr(at(time.Hour))
		want := mustInsertIdentity(ctx, t, st, i)
		want.TierIDBeforeDeletion, want.Status, want.DeletionGracePeriodEndsAt = "", driver.IdentityActive, nil
		require.NoError(t, st.Identities().Update(ctx, want))
		got, err := st.Identities().Get(ctx, want.Address)
		require.NoError(t, err)
		require.Equal(t, want, got, "Update must clear TierIDBeforeDeletion and DeletionGracePeriodEndsAt when they are empty")
	})

	t.Run("Update/LeavesTheOtherFieldsUnchanged", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		want := mustInsertIdentity(ctx, t, st, newIdentity())
		change := want
		change.ClientID = "other-client"
		change.PublicKey = []byte("other key")
		change.IdentityVersion = 7
		change.CreatedAt = at(time.Hour)
		require.NoError(t, st.Identities().Update(ctx, change))
		got, err := st.Identities().Get(ctx, want.Address)
		require.NoError(t, err)
		require.Equal(t, want, got, "Update must not change ClientID, PublicKey, IdentityVersion or CreatedAt")
	})

	t.Run("Update/UnknownAddressIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		i := newIdentity()
		err := st.Identities().Update(ctx, i)
		require.ErrorIs(t, err, driver.ErrNotFound, "Update of an unknown address must return ErrNotFound")
		_, err = st.Identities().Get(ctx, i.Address)
		require.ErrorIs(t, err, driver.ErrNotFound, "Update of an unknown address must not create the identity")
	})

	t.Run("CountByClient/CountsTheClientsIdentitiesOnly", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		for range 3 {
			i := newIdentity()
			i.ClientID = "client-a"
			mustInsertIdentity(ctx, t, st, i)
		}
		i := newIdentity()
		i.ClientID = "client-b"
		mustInsertIdentity(ctx, t, st, i)
		n, err := st.Identities().CountByClient(ctx, "client-a")
		require.NoError(t, err)
		require.Equal(t, 3, n, "CountByClient must count the identities created through that client only")
		n, err = st.Identities().CountByClient(ctx, "client-b")
		require.NoError(t, err)
		require.Equal(t, 1, n)
	})

	t.Run("CountByClient/ClientWithoutIdentitiesIsZero", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		mustInsertIdentity(ctx, t, st, newIdentity())
		n, err := st.Identities().CountByClient(ctx, "no-such-client")
		require.NoError(t, err, "CountByClient of a client without identities is not an error")
		require.Zero(t, n)
	})

	t.Run("FeatureFlags/NoFlagsIsEmptyNotNil", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		i := mustInsertIdentity(ctx, t, st, newIdentity())
		flags, err := st.Identities().FeatureFlags(ctx, i.Address)
		require.NoError(t, err)
		require.NotNil(t, flags, "FeatureFlags of an identity without flags must return an empty map, not nil")
		require.Empty(t, flags)
	})

	t.Run("FeatureFlags/UnknownAddressHasNone", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		flags, err := st.Identities().FeatureFlags(ctx, newAddress())
		require.NoError(t, err, "FeatureFlags of an unknown address must not be an error")
		require.NotNil(t, flags, "FeatureFlags of an unknown address must return an empty map, not nil")
		require.Empty(t, flags)
	})

	t.Run("UpsertFeatureFlags/SetsNewFlags", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		i := mustInsertIdentity(ctx, t, st, newIdentity())
		want := map[string]bool{"push": true, "sync": false}
		require.NoError(t, st.Identities().UpsertFeatureFlags(ctx, i.Address, want))
		got, err := st.Identities().FeatureFlags(ctx, i.Address)
		require.NoError(t, err)
		require.Equal(t, want, got, "FeatureFlags must return the flags set, enabled and disabled")
	})

	t.Run("UpsertFeatureFlags/OverwritesNamedFlagsAndLeavesOthersUnchanged", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		i := mustInsertIdentity(ctx, t, st, newIdentity())
		require.NoError(t, st.Identities().UpsertFeatureFlags(ctx, i.Address, map[string]bool{"a": true, "b": true, "c": false}))
		require.NoError(t, st.Identities().UpsertFeatureFlags(ctx, i.Address, map[string]bool{"b": false, "c": true, "d": true}))
		got, err := st.Identities().FeatureFlags(ctx, i.Address)
		require.NoError(t, err)
		require.Equal(t, map[string]bool{"a": true, "b": false, "c": true, "d": true}, got,
			"UpsertFeatureFlags must set the flags named and leave the others unchanged")
	})

	t.Run("UpsertFeatureFlags/EmptyMapChangesNothing", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		i := mustInsertIdentity(ctx, t, st, newIdentity())
		want := map[string]bool{"a": true}
		require.NoError(t, st.Identities().UpsertFeatureFlags(ctx, i.Address, want))
		require.NoError(t, st.Identities().UpsertFeatureFlags(ctx, i.Address, map[string]bool{}), "UpsertFeatureFlags with no flags must succeed")
		require.NoError(t, st.Identities().UpsertFeatureFlags(ctx, i.Address, nil), "UpsertFeatureFlags with nil must succeed")
		got, err := st.Identities().FeatureFlags(ctx, i.Address)
		require.NoError(t, err)
		require.Equal(t, want, got)
	})

	t.Run("UpsertFeatureFlags/NamesAreCaseSensitive", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		i := mustInsertIdentity(ctx, t, st, newIdentity())
		require.NoError(t, st.Identities().UpsertFeatureFlags(ctx, i.Address, map[string]bool{"Flag": true}))
		require.NoError(t, st.Identities().UpsertFeatureFlags(ctx, i.Address, map[string]bool{"flag": false, "FLAG": true}))
		got, err := st.Identities().FeatureFlags(ctx, i.Address)
		require.NoError(t, err)
		require.Equal(t, map[string]bool{"Flag": true, "flag": false, "FLAG": true}, got,
			"flag names differing only in case must be distinct flags")
	})

	t.Run("UpsertFeatureFlags/FlagsBelongToOneIdentity", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		a := mustInsertIdentity(ctx, t, st, newIdentity())
		b := mustInsertIdentity(ctx, t, st, newIdentity())
		require.NoError(t, st.Identities().UpsertFeatureFlags(ctx, a.Address, map[string]bool{"x": true}))
		require.NoError(t, st.Identities().UpsertFeatureFlags(ctx, b.Address, map[string]bool{"x": false, "y": true}))
		got, err := st.Identities().FeatureFlags(ctx, a.Address)
		require.NoError(t, err)
		require.Equal(t, map[string]bool{"x": true}, got, "one identity's flags must not change another's")
	})
}
