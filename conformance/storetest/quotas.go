package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

func newTierQuota(tierID, metricKey, period string) driver.TierQuotaDefinition {
	return driver.TierQuotaDefinition{ID: newID("TQD"), TierID: tierID, MetricKey: metricKey, Max: 5, Period: period}
}

func newIndividualQuota(address, metricKey, period string) driver.IndividualQuota {
	return driver.IndividualQuota{ID: newID("QUO"), IdentityAddress: address, MetricKey: metricKey, Max: 7, Period: period}
}

func mustInsertTierQuota(ctx context.Context, t testing.TB, st driver.Stores, d driver.TierQuotaDefinition) driver.TierQuotaDefinition {
	t.Helper()
	require.NoError(t, st.Quotas().InsertTierQuota(ctx, d), "fixture: insert tier quota definition")
	return d
}

func mustInsertIndividualQuota(ctx context.Context, t testing.TB, st driver.Stores, q driver.IndividualQuota) driver.IndividualQuota {
	t.Helper()
	require.NoError(t, st.Quotas().InsertIndividualQuota(ctx, q), "fixture: insert individual quota")
	return q
}

func mustSetStatuses(ctx context.Context, t testing.TB, st driver.Stores, statuses ...driver.MetricStatus) {
	t.Helper()
	require.NoError(t, st.Quotas().SetStatuses(ctx, statuses), "fixture: set metric statuses")
}

func exhausted(ctx context.Context, t testing.TB, st driver.Stores, address string, now time.Time, keys ...string) []driver.MetricStatus {
	t.Helper()
	got, err := st.Quotas().ExhaustedStatuses(ctx, address, keys, now)
	require.NoError(t, err)
	return got
}

var allMetricKeys = []string{
	driver.MetricNumberOfSentMessages, driver.MetricNumberOfRelationships, driver.MetricNumberOfRelationshipTemplates,
	driver.MetricNumberOfFiles, driver.MetricNumberOfTokens, driver.MetricUsedFileStorageSpace,
	driver.MetricNumberOfStartedDeletionProcesses, driver.MetricNumberOfCreatedChallenges,
	driver.MetricNumberOfCreatedDatawalletModifications, driver.MetricNumberOfCreatedDevices,
}

func testQuotas(t *testing.T, newHarness HarnessMaker) {
	t.Run("InsertTierQuota/ThenTierQuotasReturnsThemOrderedByMetricPeriodID", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		tier := newID("TIR")
		c := mustInsertTierQuota(ctx, t, st, newTierQuota(tier, driver.MetricNumberOfTokens, "Hour"))
		a := mustInsertTierQuota(ctx, t, st, newTierQuota(tier, driver.MetricNumberOfFiles, "Week"))
		b := mustInsertTierQuota(ctx, t, st, newTierQuota(tier, driver.MetricNumberOfTokens, "Day"))
		mustInsertTierQuota(ctx, t, st, newTierQuota(newID("TIR"), driver.MetricNumberOfFiles, "Week"))
		got, err := st.Quotas().TierQuotas(ctx, tier)
		require.NoError(t, err)
		require.Equal(t, []driver.TierQuotaDefinition{a, b, c}, got, "TierQuotas must return the tier's definitions unchanged, by metric key, then period")
	})

	t.Run("InsertTierQuota/DuplicateIDIsErrConflict", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		first := mustInsertTierQuota(ctx, t, st, newTierQuota(newID("TIR"), driver.MetricNumberOfFiles, "Day"))
		dup := newTierQuota(newID("TIR"), driver.MetricNumberOfTokens, "Hour")
		dup.ID = first.ID
		require.ErrorIs(t, st.Quotas().InsertTierQuota(ctx, dup), driver.ErrConflict, "an existing ID must be ErrConflict")
	})

	t.Run("InsertTierQuota/SameMetricAndPeriodOnTheTierIsErrConflict", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		tier := newID("TIR")
		first := mustInsertTierQuota(ctx, t, st, newTierQuota(tier, driver.MetricNumberOfFiles, "Day"))
		err := st.Quotas().InsertTierQuota(ctx, newTierQuota(tier, driver.MetricNumberOfFiles, "Day"))
		require.ErrorIs(t, err, driver.ErrConflict, "a second definition of a metric and period on a tier must be ErrConflict")
		mustInsertTierQuota(ctx, t, st, newTierQuota(tier, driver.MetricNumberOfFiles, "Month"))
		mustInsertTierQuota(ctx, t, st, newTierQuota(newID("TIR"), driver.MetricNumberOfFiles, "Day"))
		got, err := st.Quotas().TierQuotas(ctx, tier)
		require.NoError(t, err)
		require.Len(t, got, 2, "another period, or another tier, is no conflict; the rejected one is not stored")
		require.Contains(t, got, first)
	})

	t.Run("TierQuotas/UnknownTierHasNone", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		got, err := st.Quotas().TierQuotas(ctx, newID("TIR"))
		require.NoError(t, err, "an unknown tier is no error")
		require.Empty(t, got)
	})

	t.Run("DeleteTierQuota/RemovesOnlyThatDefinition", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		tier := newID("TIR")
		gone := mustInsertTierQuota(ctx, t, st, newTierQuota(tier, driver.MetricNumberOfFiles, "Day"))
		kept := mustInsertTierQuota(ctx, t, st, newTierQuota(tier, driver.MetricNumberOfFiles, "Year"))
		require.NoError(t, st.Quotas().DeleteTierQuota(ctx, tier, gone.ID))
		got, err := st.Quotas().TierQuotas(ctx, tier)
		require.NoError(t, err)
		require.Equal(t, []driver.TierQuotaDefinition{kept}, got)
	})

	t.Run("DeleteTierQuota/UnknownIDOrOtherTierIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		d := mustInsertTierQuota(ctx, t, st, newTierQuota(newID("TIR"), driver.MetricNumberOfFiles, "Day"))
		require.ErrorIs(t, st.Quotas().DeleteTierQuota(ctx, d.TierID, newID("TQD")), driver.ErrNotFound, "an unknown ID must be ErrNotFound")
		require.ErrorIs(t, st.Quotas().DeleteTierQuota(ctx, newID("TIR"), d.ID), driver.ErrNotFound, "a definition of another tier must be ErrNotFound")
		got, err := st.Quotas().TierQuotas(ctx, d.TierID)
		require.NoError(t, err)
		require.Equal(t, []driver.TierQuotaDefinition{d}, got, "a failed delete must remove nothing")
	})

	t.Run("InsertIndividualQuota/ThenIndividualQuotasReturnsThemOrderedByMetricPeriodID", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		addr := newAddress()
		c := mustInsertIndividualQuota(ctx, t, st, newIndividualQuota(addr, driver.MetricUsedFileStorageSpace, "Total"))
		a := mustInsertIndividualQuota(ctx, t, st, newIndividualQuota(addr, driver.MetricNumberOfSentMessages, "Year"))
		b := mustInsertIndividualQuota(ctx, t, st, newIndividualQuota(addr, driver.MetricNumberOfTokens, "Hour"))
		mustInsertIndividualQuota(ctx, t, st, newIndividualQuota(newAddress(), driver.MetricNumberOfTokens, "Hour"))
		got, err := st.Quotas().IndividualQuotas(ctx, addr)
		require.NoError(t, err)
		require.Equal(t, []driver.IndividualQuota{a, b, c}, got, "IndividualQuotas must return the identity's quotas unchanged, by metric key")
	})

	t.Run("InsertIndividualQuota/DuplicateIDOrSameMetricAndPeriodIsErrConflict", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		first := mustInsertIndividualQuota(ctx, t, st, newIndividualQuota(newAddress(), driver.MetricNumberOfFiles, "Day"))
		dup := newIndividualQuota(newAddress(), driver.MetricNumberOfTokens, "Hour")
		dup.ID = first.ID
		require.ErrorIs(t, st.Quotas().InsertIndividualQuota(ctx, dup), driver.ErrConflict, "an existing ID must be ErrConflict")
		err := st.Quotas().InsertIndividualQuota(ctx, newIndividualQuota(first.IdentityAddress, driver.MetricNumberOfFiles, "Day"))
		require.ErrorIs(t, err, driver.ErrConflict, "a second quota of a metric and period for an identity must be ErrConflict")
		mustInsertIndividualQuota(ctx, t, st, newIndividualQuota(first.IdentityAddress, driver.MetricNumberOfFiles, "Hour"))
		got, err := st.Quotas().IndividualQuotas(ctx, first.IdentityAddress)
		require.NoError(t, err)
		require.Len(t, got, 2, "another period is no conflict; rejected ones are not stored")
	})

	t.Run("DeleteIndividualQuota/RemovesItAndUnknownOrOthersIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		q := mustInsertIndividualQuota(ctx, t, st, newIndividualQuota(newAddress(), driver.MetricNumberOfFiles, "Day"))
		require.ErrorIs(t, st.Quotas().DeleteIndividualQuota(ctx, newAddress(), q.ID), driver.ErrNotFound, "a quota of another identity must be ErrNotFound")
		require.ErrorIs(t, st.Quotas().DeleteIndividualQuota(ctx, q.IdentityAddress, newID("QUO")), driver.ErrNotFound, "an unknown ID must be ErrNotFound")
		require.NoError(t, st.Quotas().DeleteIndividualQuota(ctx, q.IdentityAddress, q.ID))
		got, err := st.Quotas().IndividualQuotas(ctx, q.IdentityAddress)
		require.NoError(t, err)
		require.Empty(t, got)
	})

	t.Run("SetStatuses/ThenExhaustedStatusesReturnsThoseAfterNow", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		addr := newAddress()
		mustSetStatuses(ctx, t, st,
			driver.MetricStatus{IdentityAddress: addr, MetricKey: driver.MetricNumberOfTokens, IsExhaustedUntil: at(time.Hour)},
			driver.MetricStatus{IdentityAddress: addr, MetricKey: driver.MetricNumberOfFiles, IsExhaustedUntil: at(2 * time.Hour)},
			driver.MetricStatus{IdentityAddress: addr, MetricKey: driver.MetricNumberOfSentMessages, IsExhaustedUntil: at(0)},
			driver.MetricStatus{IdentityAddress: newAddress(), MetricKey: driver.MetricNumberOfTokens, IsExhaustedUntil: at(time.Hour)},
		)
		got := exhausted(ctx, t, st, addr, at(0), allMetricKeys...)
		require.Equal(t, []driver.MetricStatus{
			{IdentityAddress: addr, MetricKey: driver.MetricNumberOfFiles, IsExhaustedUntil: at(2 * time.Hour)},
			{IdentityAddress: addr, MetricKey: driver.MetricNumberOfTokens, IsExhaustedUntil: at(time.Hour)},
		}, got, "only the identity's statuses exhausted after now, by metric key; one exhausted until exactly now is not")
		require.Equal(t, []driver.MetricStatus{{IdentityAddress: addr, MetricKey: driver.MetricNumberOfFiles, IsExhaustedUntil: at(2 * time.Hour)}},
			exhausted(ctx, t, st, addr, at(0), driver.MetricNumberOfFiles, driver.MetricNumberOfRelationships), "only the asked metric keys")
		require.Empty(t, exhausted(ctx, t, st, addr, at(2*time.Hour)), "no keys, no statuses")
		require.Empty(t, exhausted(ctx, t, st, addr, at(2*time.Hour), allMetricKeys...), "nothing is exhausted after the latest time")
	})

	t.Run("SetStatuses/ReplacesAndZeroRemovesAndOtherMetricsStay", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		addr := newAddress()
		mustSetStatuses(ctx, t, st,
			driver.MetricStatus{IdentityAddress: addr, MetricKey: driver.MetricNumberOfTokens, IsExhaustedUntil: at(time.Hour)},
			driver.MetricStatus{IdentityAddress: addr, MetricKey: driver.MetricNumberOfFiles, IsExhaustedUntil: at(time.Hour)},
			driver.MetricStatus{IdentityAddress: addr, MetricKey: driver.MetricNumberOfRelationships, IsExhaustedUntil: at(time.Hour)},
		)
		mustSetStatuses(ctx, t, st,
			driver.MetricStatus{IdentityAddress: addr, MetricKey: driver.MetricNumberOfTokens, IsExhaustedUntil: at(3 * time.Hour)},
			driver.MetricStatus{IdentityAddress: addr, MetricKey: driver.MetricNumberOfFiles},
			driver.MetricStatus{IdentityAddress: addr, MetricKey: driver.MetricNumberOfSentMessages}, // none to remove
		)
		require.Equal(t, []driver.MetricStatus{
			{IdentityAddress: addr, MetricKey: driver.MetricNumberOfRelationships, IsExhaustedUntil: at(time.Hour)},
			{IdentityAddress: addr, MetricKey: driver.MetricNumberOfTokens, IsExhaustedUntil: at(3 * time.Hour)},
		}, exhausted(ctx, t, st, addr, at(0), allMetricKeys...))
		require.NoError(t, st.Quotas().SetStatuses(ctx, nil), "no statuses is no error")
	})

	t.Run("ExhaustedIdentitiesOfTier/IdentitiesOfTheTierWithAStatusExhaustedAfterNow", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		tier := mustInsertTier(ctx, t, st, newTier())
		in1, in2, notExhausted, expired, other := newIdentity(), newIdentity(), newIdentity(), newIdentity(), newIdentity()
		for _, i := range []*driver.Identity{&in1, &in2, &notExhausted, &expired} {
			i.TierID = tier.ID
			mustInsertIdentity(ctx, t, st, *i)
		}
		mustInsertIdentity(ctx, t, st, other)
		mustSetStatuses(ctx, t, st,
			driver.MetricStatus{IdentityAddress: in1.Address, MetricKey: driver.MetricNumberOfTokens, IsExhaustedUntil: at(time.Hour)},
			driver.MetricStatus{IdentityAddress: in1.Address, MetricKey: driver.MetricNumberOfFiles, IsExhaustedUntil: at(time.Hour)},
		)
		mustSetStatuses(ctx, t, st, driver.MetricStatus{IdentityAddress: in2.Address, MetricKey: driver.MetricNumberOfFiles, IsExhaustedUntil: at(time.Minute)})
		mustSetStatuses(ctx, t, st, driver.MetricStatus{IdentityAddress: expired.Address, MetricKey: driver.MetricNumberOfFiles, IsExhaustedUntil: at(-time.Minute)})
		mustSetStatuses(ctx, t, st, driver.MetricStatus{IdentityAddress: other.Address, MetricKey: driver.MetricNumberOfFiles, IsExhaustedUntil: at(time.Hour)})
		got, err := st.Quotas().ExhaustedIdentitiesOfTier(ctx, tier.ID, at(0))
		require.NoError(t, err)
		require.ElementsMatch(t, []string{in1.Address, in2.Address}, got, "each identity of the tier with an exhausted status, once")
	})

	t.Run("DeleteIdentity/RemovesItsQuotasAndStatusesOnly", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		gone, kept := newAddress(), newAddress()
		for _, a := range []string{gone, kept} {
			mustInsertIndividualQuota(ctx, t, st, newIndividualQuota(a, driver.MetricNumberOfFiles, "Day"))
			mustSetStatuses(ctx, t, st, driver.MetricStatus{IdentityAddress: a, MetricKey: driver.MetricNumberOfFiles, IsExhaustedUntil: at(time.Hour)})
		}
		require.NoError(t, st.Quotas().DeleteIdentity(ctx, gone))
		require.NoError(t, st.Quotas().DeleteIdentity(ctx, newAddress()), "an identity without quotas is no error")
		qs, err := st.Quotas().IndividualQuotas(ctx, gone)
		require.NoError(t, err)
		require.Empty(t, qs)
		require.Empty(t, exhausted(ctx, t, st, gone, at(0), allMetricKeys...))
		qs, err = st.Quotas().IndividualQuotas(ctx, kept)
		require.NoError(t, err)
		require.Len(t, qs, 1)
		require.Len(t, exhausted(ctx, t, st, kept, at(0), allMetricKeys...), 1)
	})

	testUsage(t, newHarness)
}

// usageOf returns the usage of the metric for address in [at(from), at(to)).
func usageOf(ctx context.Context, t testing.TB, st driver.Stores, key, address string, from, to time.Duration) int64 {
	t.Helper()
	n, err := st.Quotas().Usage(ctx, key, address, at(from), at(to))
	require.NoError(t, err, "Usage of %s", key)
	return n
}

func testUsage(t *testing.T, newHarness HarnessMaker) {
	// Each metric: the identity's records at -1h, 0 and +1h, and one of
	// someone else at 0. The interval [0, 1h) holds exactly one of them:
	// the start is inclusive, the end exclusive.
	perCreator := []struct {
		key    string
		insert func(ctx context.Context, t testing.TB, st driver.Stores, creator string, when time.Time)
	}{
		{driver.MetricNumberOfSentMessages, func(ctx context.Context, t testing.TB, st driver.Stores, c string, when time.Time) {
			m := newMessage(c, newAddress())
			m.CreatedAt = when
			mustInsertMessage(ctx, t, st, m)
		}},
		{driver.MetricNumberOfRelationshipTemplates, func(ctx context.Context, t testing.TB, st driver.Stores, c string, when time.Time) {
			tpl := newTemplate(c)
			tpl.CreatedAt = when
			mustInsertTemplate(ctx, t, st, tpl)
		}},
		{driver.MetricNumberOfFiles, func(ctx context.Context, t testing.TB, st driver.Stores, c string, when time.Time) {
			f := newFile(c)
			f.CreatedAt = when
			mustInsertFile(ctx, t, st, f)
		}},
		{driver.MetricNumberOfTokens, func(ctx context.Context, t testing.TB, st driver.Stores, c string, when time.Time) {
			tok := newToken(c)
			tok.CreatedAt = when
			mustInsertToken(ctx, t, st, tok)
			anon := newToken("")
			anon.CreatedAt = when
			mustInsertToken(ctx, t, st, anon)
		}},
		{driver.MetricNumberOfCreatedChallenges, func(ctx context.Context, t testing.TB, st driver.Stores, c string, when time.Time) {
			ch := newChallenge()
			ch.CreatedBy = c
			ch.ExpiresAt = when.Add(10 * time.Minute)
			mustInsertChallenge(ctx, t, st, ch)
		}},
		{driver.MetricNumberOfCreatedDatawalletModifications, func(ctx context.Context, t testing.TB, st driver.Stores, c string, when time.Time) {
			mod := newModification(newID("OBJ"))
			mod.CreatedAt = when
			mustAppend(ctx, t, st, c, mod)
		}},
		{driver.MetricNumberOfCreatedDevices, func(ctx context.Context, t testing.TB, st driver.Stores, c string, when time.Time) {
			d := newDevice(c)
			d.CreatedAt = when
			mustInsertDevice(ctx, t, st, d)
		}},
		{driver.MetricNumberOfStartedDeletionProcesses, func(ctx context.Context, t testing.TB, st driver.Stores, c string, when time.Time) {
			// Cancelled, because an identity has at most one open process.
			p := driver.DeletionProcess{
				ID: newID("IDP"), IdentityAddress: c, Status: driver.DeletionProcessCancelled, CreatedAt: when,
				CreatedByDevice: newID("DVC"), CancelledAt: ptr(when.Add(time.Minute)), CancelledByDevice: newID("DVC"),
			}
			mustInsertProcess(ctx, t, st, p)
		}},
	}
	for _, m := range perCreator {
		t.Run("Usage/"+m.key+"CountsTheIdentitysRecordsCreatedInTheInterval", func(t *testing.T) {
			t.Parallel()
			ctx, st := newStore(t, newHarness)
			addr := newAddress()
			for _, d := range []time.Duration{-time.Hour, 0, time.Hour} {
				m.insert(ctx, t, st, addr, at(d))
			}
			m.insert(ctx, t, st, newAddress(), at(0))
			require.EqualValues(t, 1, usageOf(ctx, t, st, m.key, addr, 0, time.Hour), "[from, to) holds the record at from, not the one at to")
			require.EqualValues(t, 2, usageOf(ctx, t, st, m.key, addr, -time.Hour, time.Hour))
			require.EqualValues(t, 3, usageOf(ctx, t, st, m.key, addr, -2*time.Hour, 2*time.Hour))
			require.EqualValues(t, 0, usageOf(ctx, t, st, m.key, newAddress(), -2*time.Hour, 2*time.Hour), "an identity without records")
		})
	}

	t.Run("Usage/UsedFileStorageSpaceSumsTheCipherSizesInBytes", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		addr := newAddress()
		for i, size := range []int64{3 << 20, 1 << 20, 5} {
			f := newFile(addr)
			f.CipherSize = size
			f.CreatedAt = at(time.Duration(i) * time.Minute)
			mustInsertFile(ctx, t, st, f)
		}
		other := newFile(newAddress())
		mustInsertFile(ctx, t, st, other)
		require.EqualValues(t, 4<<20+5, usageOf(ctx, t, st, driver.MetricUsedFileStorageSpace, addr, 0, time.Hour))
		require.EqualValues(t, 1<<20, usageOf(ctx, t, st, driver.MetricUsedFileStorageSpace, addr, time.Minute, 2*time.Minute))
		require.EqualValues(t, 0, usageOf(ctx, t, st, driver.MetricUsedFileStorageSpace, newAddress(), 0, time.Hour), "no files is 0")
	})

	t.Run("Usage/NumberOfRelationshipsCountsByStatusAndSide", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		me := newAddress()
		type rel struct {
			iAmFrom                 bool
			status                  driver.RelationshipStatus
			fromDecomposed, toDecom bool
			counts                  bool
		}
		rels := []rel{
			{true, driver.RelationshipPending, false, false, true},
			{false, driver.RelationshipPending, false, false, false},
			{true, driver.RelationshipActive, false, false, true},
			{false, driver.RelationshipActive, false, false, true},
			{true, driver.RelationshipTerminated, false, false, true},
			{false, driver.RelationshipTerminated, false, false, true},
			{true, driver.RelationshipRejected, false, false, false},
			{false, driver.RelationshipRevoked, false, false, false},
			{true, driver.RelationshipDeletionProposed, false, true, true},  // the peer decomposed
			{false, driver.RelationshipDeletionProposed, true, false, true}, // the peer decomposed
			{true, driver.RelationshipDeletionProposed, true, false, false}, // I decomposed
			{false, driver.RelationshipDeletionProposed, false, true, false},
			{true, driver.RelationshipReadyForDeletion, true, true, false},
		}
		want := 0
		for _, r := range rels {
			peer := newAddress()
			from, to := me, peer
			if !r.iAmFrom {
				from, to = peer, me
			}
			x := newRelationship(from, to)
			x.Status, x.FromHasDecomposed, x.ToHasDecomposed = r.status, r.fromDecomposed, r.toDecom
			mustInsertRelationship(ctx, t, st, x)
			if r.counts {
				want++
			}
		}
		late := newRelationship(me, newAddress())
		late.Status, late.CreatedAt = driver.RelationshipActive, at(time.Hour)
		mustInsertRelationship(ctx, t, st, late)
		require.EqualValues(t, want, usageOf(ctx, t, st, driver.MetricNumberOfRelationships, me, 0, time.Hour))
		require.EqualValues(t, want+1, usageOf(ctx, t, st, driver.MetricNumberOfRelationships, me, 0, 2*time.Hour))
	})

	t.Run("Usage/IntervalMayEndAfterTheYear9999", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		addr := newAddress()
		mustInsertToken(ctx, t, st, newToken(addr))
		n, err := st.Quotas().Usage(ctx, driver.MetricNumberOfTokens, addr, time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))
		require.NoError(t, err, "the interval of the Total period ends at the start of the year 10000")
		require.EqualValues(t, 1, n)
		n, err = st.Quotas().Usage(ctx, driver.MetricNumberOfCreatedChallenges, addr, time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))
		require.NoError(t, err)
		require.EqualValues(t, 0, n)
	})

	t.Run("Usage/UnknownMetricKeyIsAnError", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		_, err := st.Quotas().Usage(ctx, "NumberOfSomething", newAddress(), at(0), at(time.Hour))
		require.Error(t, err)
	})
}
