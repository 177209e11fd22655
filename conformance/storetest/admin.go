package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

func testAdmin(t *testing.T, newHarness HarnessMaker) {
	addresses := func(os []driver.IdentityOverview) []string {
		out := make([]string, len(os))
		for i, o := range os {
			out[i] = o.Address
		}
		return out
	}
	all := driver.PageRequest{Number: 1, Size: 100}

	t.Run("ListIdentities/FiltersCombineWithAnd", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		gold, silver := mustInsertTier(ctx, t, st, newTier()), mustInsertTier(ctx, t, st, newTier())
		mk := func(tier, client string, created time.Duration) driver.Identity {
			i := newIdentity()
			i.TierID, i.ClientID, i.CreatedAt = tier, client, at(created)
			return mustInsertIdentity(ctx, t, st, i)
		}
		a := mk(gold.ID, "c1", 0)
		b := mk(gold.ID, "c2", time.Hour)
		c := mk(silver.ID, "c1", 2*time.Hour)
		mk(silver.ID, "c3", 3*time.Hour)

		got, total, err := st.Admin().ListIdentities(ctx, driver.IdentityFilter{TierIDs: []string{gold.ID}}, driver.IdentitiesByCreatedAt, all)
		require.NoError(t, err)
		require.Equal(t, []string{a.Address, b.Address}, addresses(got), "TierIDs must select the identities of those tiers")
		require.Equal(t, 2, total)

		got, _, err = st.Admin().ListIdentities(ctx, driver.IdentityFilter{ClientIDs: []string{"c1"}, TierIDs: []string{silver.ID}}, driver.IdentitiesByCreatedAt, all)
		require.NoError(t, err)
		require.Equal(t, []string{c.Address}, addresses(got), "filters must combine with AND")

		from, to := at(time.Hour), at(3*time.Hour)
		got, _, err = st.Admin().ListIdentities(ctx, driver.IdentityFilter{CreatedFrom: &from, CreatedTo: &to}, driver.IdentitiesByCreatedAt, all)
		require.NoError(t, err)
		require.Equal(t, []string{b.Address, c.Address}, addresses(got), "CreatedFrom must be inclusive and CreatedTo exclusive")

		got, _, err = st.Admin().ListIdentities(ctx, driver.IdentityFilter{Address: a.Address}, driver.IdentitiesByCreatedAt, all)
		require.NoError(t, err)
		require.Equal(t, []string{a.Address}, addresses(got), "Address must select exactly that identity")
	})

	t.Run("ListIdentities/OrdersAndPages", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		var ids []driver.Identity
		for i := range 5 {
			id := newIdentity()
			id.CreatedAt = at(time.Duration(i) * time.Minute)
			ids = append(ids, mustInsertIdentity(ctx, t, st, id))
		}
		got, total, err := st.Admin().ListIdentities(ctx, driver.IdentityFilter{}, driver.IdentitiesByCreatedAtDesc, driver.PageRequest{Number: 2, Size: 2})
		require.NoError(t, err)
		require.Equal(t, 5, total, "the total must count every match, not the page")
		require.Equal(t, []string{ids[2].Address, ids[1].Address}, addresses(got), "pages must follow the order")

		got, _, err = st.Admin().ListIdentities(ctx, driver.IdentityFilter{}, driver.IdentitiesByAddress, all)
		require.NoError(t, err)
		for i := 1; i < len(got); i++ {
			require.Less(t, got[i-1].Address, got[i].Address, "IdentitiesByAddress must order by address")
		}
		got, _, err = st.Admin().ListIdentities(ctx, driver.IdentityFilter{}, driver.IdentitiesByAddressDesc, all)
		require.NoError(t, err)
		for i := 1; i < len(got); i++ {
			require.Greater(t, got[i-1].Address, got[i].Address, "IdentitiesByAddressDesc must order by address descending")
		}
	})

	t.Run("ListIdentities/CarriesTierDevicesAndDatawallet", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		tier := mustInsertTier(ctx, t, st, newTier())
		i := newIdentity()
		i.TierID = tier.ID
		mustInsertIdentity(ctx, t, st, i)
		bare := mustInsertIdentity(ctx, t, st, newIdentity())
		d1, d2 := newDevice(i.Address), newDevice(i.Address)
		d1.LastLoginAt, d2.LastLoginAt = ptr(at(time.Minute)), ptr(at(time.Hour))
		mustInsertDevice(ctx, t, st, d1)
		mustInsertDevice(ctx, t, st, d2)
		require.NoError(t, st.Datawallets().Insert(ctx, driver.Datawallet{ID: newID("DWL"), Owner: i.Address, Version: 3}))

		got, _, err := st.Admin().ListIdentities(ctx, driver.IdentityFilter{Address: i.Address}, driver.IdentitiesByCreatedAt, all)
		require.NoError(t, err)
		require.Len(t, got, 1)
		require.Equal(t, i, got[0].Identity, "the identity must come back unchanged")
		require.Equal(t, tier.Name, got[0].TierName)
		require.Equal(t, 2, got[0].NumberOfDevices)
		require.NotNil(t, got[0].LastLoginAt)
		require.True(t, at(time.Hour).Equal(*got[0].LastLoginAt), "LastLoginAt must be the latest login of any device")
		require.Equal(t, ptr(3), got[0].DatawalletVersion)

		got, _, err = st.Admin().ListIdentities(ctx, driver.IdentityFilter{Address: bare.Address}, driver.IdentitiesByCreatedAt, all)
		require.NoError(t, err)
		require.Len(t, got, 1)
		require.Zero(t, got[0].NumberOfDevices)
		require.Nil(t, got[0].LastLoginAt, "an identity without logins has no LastLoginAt")
		require.Nil(t, got[0].DatawalletVersion, "an identity without datawallet has no version")
	})

	t.Run("CountIdentitiesPerTierAndClient/CountEachAndOmitEmpty", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		tier, empty := mustInsertTier(ctx, t, st, newTier()), mustInsertTier(ctx, t, st, newTier())
		for _, client := range []string{"c1", "c1", "c2"} {
			i := newIdentity()
			i.TierID, i.ClientID = tier.ID, client
			mustInsertIdentity(ctx, t, st, i)
		}
		perTier, err := st.Admin().CountIdentitiesPerTier(ctx)
		require.NoError(t, err)
		require.Equal(t, 3, perTier[tier.ID])
		require.NotContains(t, perTier, empty.ID, "tiers without identities must be absent")
		perClient, err := st.Admin().CountIdentitiesPerClient(ctx)
		require.NoError(t, err)
		require.Equal(t, map[string]int{"c1": 2, "c2": 1}, perClient)
	})

	t.Run("CountClientsWithDefaultTier/CountsOnlyThatTier", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		tier := mustInsertTier(ctx, t, st, newTier())
		for range 2 {
			c := newClient()
			c.DefaultTierID = tier.ID
			mustInsertClient(ctx, t, st, c)
		}
		mustInsertClient(ctx, t, st, newClient())
		n, err := st.Admin().CountClientsWithDefaultTier(ctx, tier.ID)
		require.NoError(t, err)
		require.Equal(t, 2, n)
		n, err = st.Admin().CountClientsWithDefaultTier(ctx, newID("TIR"))
		require.NoError(t, err)
		require.Zero(t, n)
	})

	t.Run("ListMessagesOf/SplitsIncomingAndOutgoing", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		me, peer, other := newAddress(), newAddress(), newAddress()
		sent := newMessage(me, peer, other)
		received := newMessage(peer, me)
		received.CreatedAt = at(time.Minute)
		mustInsertMessage(ctx, t, st, sent)
		mustInsertMessage(ctx, t, st, received)
		mustInsertMessage(ctx, t, st, newMessage(peer, other))

		out, total, err := st.Admin().ListMessagesOf(ctx, me, false, all)
		require.NoError(t, err)
		require.Equal(t, 1, total)
		require.Len(t, out, 1)
		require.Equal(t, sent.ID, out[0].ID, "outgoing must be the messages participant sent")
		require.Len(t, out[0].Recipients, 2, "each message must carry all its recipients")
		require.Equal(t, sent.Attachments, out[0].Attachments)

		in, total, err := st.Admin().ListMessagesOf(ctx, me, true, all)
		require.NoError(t, err)
		require.Equal(t, 1, total)
		require.Len(t, in, 1)
		require.Equal(t, received.ID, in[0].ID, "incoming must be the messages participant is a recipient of")
	})

	t.Run("ListRelationshipsOf/EitherSideOldestFirst", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		me := newAddress()
		asked := newRelationship(me, newAddress())
		askedMe := newRelationship(newAddress(), me)
		askedMe.CreatedAt = at(time.Minute)
		mustInsertRelationship(ctx, t, st, askedMe)
		mustInsertRelationship(ctx, t, st, asked)
		mustInsertRelationship(ctx, t, st, newRelationship(newAddress(), newAddress()))

		got, total, err := st.Admin().ListRelationshipsOf(ctx, me, all)
		require.NoError(t, err)
		require.Equal(t, 2, total)
		require.Len(t, got, 2)
		require.Equal(t, asked.ID, got[0].ID, "relationships must be oldest first")
		require.Equal(t, askedMe.ID, got[1].ID)
		require.Len(t, got[0].AuditLog, 1, "each relationship must carry its audit log")

		page, total, err := st.Admin().ListRelationshipsOf(ctx, me, driver.PageRequest{Number: 2, Size: 1})
		require.NoError(t, err)
		require.Equal(t, 2, total)
		require.Len(t, page, 1)
		require.Equal(t, askedMe.ID, page[0].ID)
	})

	t.Run("ListTokensCreatedBy/OnlyTheCreatorsTokens", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		me := newAddress()
		first, second := newToken(me), newToken(me)
		second.CreatedAt = at(time.Minute)
		mustInsertToken(ctx, t, st, second)
		mustInsertToken(ctx, t, st, first)
		mustInsertToken(ctx, t, st, newToken(newAddress()))
		mustInsertToken(ctx, t, st, newToken(""))

		got, total, err := st.Admin().ListTokensCreatedBy(ctx, me, all)
		require.NoError(t, err)
		require.Equal(t, 2, total)
		require.Len(t, got, 2)
		require.Equal(t, first, got[0], "tokens must come back unchanged, oldest first")
		require.Equal(t, second.ID, got[1].ID)
	})
}
