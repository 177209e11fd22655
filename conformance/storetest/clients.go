package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

func testClients(t *testing.T, newHarness HarnessMaker) {
	t.Run("Insert/ThenGetReturnsItUnchanged", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		for _, max := range []*int{nil, ptr(0), ptr(1000)} {
			want := newClient()
			want.MaxIdentities = max
			mustInsertClient(ctx, t, st, want)
			got, err := st.Clients().Get(ctx, want.ClientID)
			require.NoError(t, err, "Get of an inserted client must succeed")
			require.Equal(t, want, got, "Get must return the client as inserted; MaxIdentities nil (no limit) and 0 differ")
		}
	})

	t.Run("Insert/DuplicateClientIDIsErrConflict", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		first := mustInsertClient(ctx, t, st, newClient())
		dup := newClient()
		dup.ClientID = first.ClientID
		err := st.Clients().Insert(ctx, dup)
		require.ErrorIs(t, err, driver.ErrConflict, "Insert with an existing client ID must return ErrConflict")
		got, err := st.Clients().Get(ctx, first.ClientID)
		require.NoError(t, err)
		require.Equal(t, first, got, "a rejected Insert must leave the existing client unchanged")
	})

	t.Run("Get/UnknownClientIDIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		mustInsertClient(ctx, t, st, newClient())
		_, err := st.Clients().Get(ctx, "no-such-client")
		require.ErrorIs(t, err, driver.ErrNotFound, "Get of an unknown client ID must return ErrNotFound")
	})

	t.Run("Get/CreatedAtRoundTripsAsTheSameInstantInUTC", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		c := newClient()
		c.CreatedAt = time.Date(2031, 7, 1, 0, 0, 0, 7_000_000, otherZone)
		mustInsertClient(ctx, t, st, c)
		got, err := st.Clients().Get(ctx, c.ClientID)
		require.NoError(t, err)
		requireUTC(t, "Get", &got.CreatedAt)
		require.Equal(t, c.CreatedAt.UTC(), got.CreatedAt, "CreatedAt must round-trip to the millisecond")
	})

	t.Run("List/OrdersByCreatedAtThenClientID", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		mk := func(id string, d time.Duration) driver.Client {
			c := newClient()
			c.ClientID, c.CreatedAt = id, at(d)
			return c
		}
		want := []driver.Client{
			mk("client-c", -time.Hour),
			mk("client-a", 0),
			mk("client-b", 0),
			mk("client-d", time.Millisecond),
			mk("client-0", time.Second),
		}
		for _, i := range []int{3, 1, 4, 2, 0} {
			mustInsertClient(ctx, t, st, want[i])
		}
		got, err := st.Clients().List(ctx)
		require.NoError(t, err)
		require.Equal(t, want, got, "List must return every client ordered by CreatedAt, then ClientID")
	})

	t.Run("List/NoClientsIsEmpty", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		got, err := st.Clients().List(ctx)
		require.NoError(t, err)
		require.Empty(t, got)
	})

	t.Run("Update/ReplacesTheMutableFields", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		for _, tc := range []struct{ before, after *int }{{nil, ptr(5)}, {ptr(5), nil}, {ptr(5), ptr(0)}} {
			c := newClient()
			c.MaxIdentities = tc.before
			want := mustInsertClient(ctx, t, st, c)
			want.DisplayName = "Renamed"
			want.SecretHash = "$argon2id$rotated"
			want.DefaultTierID = "TIR00000000000000009"
			want.MaxIdentities = tc.after
			require.NoError(t, st.Clients().Update(ctx, want), "Update of an existing client must succeed")
			got, err := st.Clients().Get(ctx, want.ClientID)
			require.NoError(t, err)
			require.Equal(t, want, got, "Update must replace DisplayName, SecretHash, DefaultTierID and MaxIdentities (also to and from nil)")
		}
	})

	t.Run("Update/LeavesCreatedAtUnchanged", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		want := mustInsertClient(ctx, t, st, newClient())
		change := want
		change.CreatedAt = at(time.Hour)
		require.NoError(t, st.Clients().Update(ctx, change))
		got, err := st.Clients().Get(ctx, want.ClientID)
		require.NoError(t, err)
		require.Equal(t, want, got, "Update must not change CreatedAt")
	})

	t.Run("Update/UnknownClientIDIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		c := newClient()
		err := st.Clients().Update(ctx, c)
		require.ErrorIs(t, err, driver.ErrNotFound, "Update of an unknown client must return ErrNotFound")
		_, err = st.Clients().Get(ctx, c.ClientID)
		require.ErrorIs(t, err, driver.ErrNotFound, "Update of an unknown client must not create it")
	})

	t.Run("Delete/RemovesTheClient", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		c := mustInsertClient(ctx, t, st, newClient())
		other := mustInsertClient(ctx, t, st, newClient())
		require.NoError(t, st.Clients().Delete(ctx, c.ClientID), "Delete of an existing client must succeed")
		_, err := st.Clients().Get(ctx, c.ClientID)
		require.ErrorIs(t, err, driver.ErrNotFound, "a deleted client must be gone")
		got, err := st.Clients().List(ctx)
		require.NoError(t, err)
		require.Equal(t, []driver.Client{other}, got, "Delete must remove that client only")
	})

	t.Run("Delete/ClientWithIdentitiesCanBeDeleted", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		c := mustInsertClient(ctx, t, st, newClient())
		i := newIdentity()
		i.ClientID = c.ClientID
		mustInsertIdentity(ctx, t, st, i)
		require.NoError(t, st.Clients().Delete(ctx, c.ClientID), "Delete must remove a client also when identities were created through it")
	})

	t.Run("Delete/UnknownClientIDIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		c := mustInsertClient(ctx, t, st, newClient())
		err := st.Clients().Delete(ctx, "no-such-client")
		require.ErrorIs(t, err, driver.ErrNotFound, "Delete of an unknown client must return ErrNotFound")
		_, err = st.Clients().Get(ctx, c.ClientID)
		require.NoError(t, err, "a failed Delete must remove nothing")
	})
}
