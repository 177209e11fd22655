package backbone_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/adapters/gocloudbus"
	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/internal/backbonetest"
)

// eachRunningStore is eachStore with the consumers running.
func eachRunningStore(t *testing.T, f func(t *testing.T, env *backbonetest.Env)) {
	eachStore(t, func(t *testing.T, env *backbonetest.Env) {
		bus, err := gocloudbus.Open(context.Background(), "mem://", gocloudbus.Options{})
		require.NoError(t, err)
		t.Cleanup(func() { bus.Close() })
		env = env.Restart(t, bus)
		env.Run(t)
		f(t, env)
	})
}

// requireExhausted fails unless err is the quota error naming exactly the
// metrics, each exhausted until `until`.
func requireExhausted(t *testing.T, err error, until time.Time, metrics ...string) {
	t.Helper()
	var be *backbone.Error
	require.True(t, errors.As(err, &be), "want a quota error, got %v", err)
	require.Equal(t, backbone.KindQuotaExhausted, be.Kind, "%v", err)
	require.Equal(t, backbone.CodeQuotaExhausted, be.Code)
	data, ok := be.Data.([]backbone.ExhaustedMetric)
	require.True(t, ok, "data is the exhausted metrics: %#v", be.Data)
	var keys []string
	for _, d := range data {
		keys = append(keys, d.MetricKey)
		assert.Equal(t, until, d.IsExhaustedUntil, "%s", d.MetricKey)
	}
	assert.ElementsMatch(t, metrics, keys)
}

func requireQuotaCode(t *testing.T, err error, kind backbone.Kind, code string) {
	t.Helper()
	var be *backbone.Error
	require.True(t, errors.As(err, &be), "want %s, got %v", code, err)
	assert.Equal(t, kind, be.Kind, "%v", err)
	assert.Equal(t, code, be.Code, "%v", err)
}

// limit gives the identity an individual quota, which recomputes its
// metric at once.
func limit(t *testing.T, env *backbonetest.Env, address, metric string, max int, period string) backbone.IndividualQuota {
	t.Helper()
	q, err := env.Backbone.Quotas.CreateIndividualQuota(t.Context(), address, backbone.CreateQuotaRequest{MetricKey: metric, Max: max, Period: period})
	require.NoError(t, err)
	return q
}

// awayFromHourEnd moves the clock on if the current hour (and so day,
// week, month, year) ends within a minute, so that what a test does falls
// into one period.
func awayFromHourEnd(env *backbonetest.Env) {
	_, next := backbone.PeriodIntervalForTest(backbone.PeriodHour, env.Clock.Now())
	if next.Sub(env.Clock.Now()) < time.Minute {
		env.Clock.Advance(2 * time.Minute)
	}
}

func encryptedKey() []byte { return bytes.Repeat([]byte{7}, 40) }

func uploadFile(ctx context.Context, b *backbone.Backbone, as backbone.Caller, size int) (backbone.File, error) {
	up, err := b.Files.BeginUpload(ctx, as)
	if err != nil {
		return backbone.File{}, err
	}
	if _, err := up.Write(bytes.Repeat([]byte{1}, size)); err != nil {
		up.Abort()
		return backbone.File{}, err
	}
	return up.Commit(ctx, backbone.FileMetadata{OwnerSignature: []byte("s"), CipherHash: []byte("h"), ExpiresAt: time.Now().Add(time.Hour)})
}

func TestQuotaPeriodsAreUTCCalendarPeriods(t *testing.T) {
	now := time.Date(2026, 12, 2, 13, 45, 6, 789_000_000, time.FixedZone("CET", 3600)) // Wednesday 12:45 UTC
	d := func(y int, m time.Month, day, h int) time.Time { return time.Date(y, m, day, h, 0, 0, 0, time.UTC) }
	for _, c := range []struct {
		period      string
		start, next time.Time
	}{
		{backbone.PeriodHour, d(2026, 12, 2, 12), d(2026, 12, 2, 13)},
		{backbone.PeriodDay, d(2026, 12, 2, 0), d(2026, 12, 3, 0)},
		{backbone.PeriodWeek, d(2026, 11, 30, 0), d(2026, 12, 7, 0)}, // Monday to Monday
		{backbone.PeriodMonth, d(2026, 12, 1, 0), d(2027, 1, 1, 0)},
		{backbone.PeriodYear, d(2026, 1, 1, 0), d(2027, 1, 1, 0)},
		{backbone.PeriodTotal, d(1, 1, 1, 0), d(10000, 1, 1, 0)},
	} {
		start, next := backbone.PeriodIntervalForTest(c.period, now)
		assert.Equal(t, c.start, start, "%s start", c.period)
		assert.Equal(t, c.next, next, "%s end", c.period)
	}
	// A Sunday belongs to the week that began the Monday before; a Monday
	// starts a week.
	start, _ := backbone.PeriodIntervalForTest(backbone.PeriodWeek, d(2026, 12, 6, 23))
	assert.Equal(t, d(2026, 11, 30, 0), start)
	start, _ = backbone.PeriodIntervalForTest(backbone.PeriodWeek, d(2026, 12, 7, 0))
	assert.Equal(t, d(2026, 12, 7, 0), start)
	assert.Equal(t, "9999-12-31T23:59:59.999Z", backbone.EndOfTime.Format("2006-01-02T15:04:05.000Z"))
}

// Each checked command succeeds until its metric is exhausted and is then
// refused with the metric and the end of its period; other identities and
// other metrics go on.
func TestExhaustedQuotaRefusesEachCheckedCommand(t *testing.T) {
	eachStore(t, func(t *testing.T, env *backbonetest.Env) {
		ctx, b := t.Context(), env.Backbone
		a, peer, other := env.CreateAccount(t).Caller, env.CreateAccount(t).Caller, env.CreateAccount(t).Caller
		total := backbone.EndOfTime

		t.Run("Tokens", func(t *testing.T) {
			req := backbone.CreateTokenRequest{Content: []byte("c"), ExpiresAt: time.Now().Add(time.Hour)}
			_, err := b.Tokens.Create(ctx, a, req)
			require.NoError(t, err)
			limit(t, env, a.Address, backbone.MetricNumberOfTokens, 1, backbone.PeriodTotal)
			_, err = b.Tokens.Create(ctx, a, req)
			requireExhausted(t, err, total, backbone.MetricNumberOfTokens)
			_, err = b.Tokens.Create(ctx, backbone.Caller{}, backbone.CreateTokenRequest{ExpiresAt: time.Now().Add(time.Minute)})
			require.NoError(t, err, "anonymous callers are never checked")
			_, err = b.Tokens.Create(ctx, other, req)
			require.NoError(t, err, "another identity is not limited")
		})

		t.Run("RelationshipTemplates", func(t *testing.T) {
			_, err := b.RelationshipTemplates.Create(ctx, a, backbone.CreateTemplateRequest{Content: []byte("c")})
			require.NoError(t, err)
			limit(t, env, a.Address, backbone.MetricNumberOfRelationshipTemplates, 1, backbone.PeriodTotal)
			_, err = b.RelationshipTemplates.Create(ctx, a, backbone.CreateTemplateRequest{Content: []byte("c")})
			requireExhausted(t, err, total, backbone.MetricNumberOfRelationshipTemplates)
		})

		t.Run("RelationshipsAndMessages", func(t *testing.T) {
			tmpl, err := b.RelationshipTemplates.Create(ctx, peer, backbone.CreateTemplateRequest{Content: []byte("c")})
			require.NoError(t, err)
			r, err := b.Relationships.Create(ctx, a, tmpl.ID, []byte("hi"))
			require.NoError(t, err, "a Pending relationship a requested counts for a")
			_, err = b.Messages.Send(ctx, a, backbone.SendMessageRequest{Recipients: []backbone.MessageRecipientKey{{Address: peer.Address, EncryptedKey: encryptedKey()}}, Body: []byte("m")})
			require.NoError(t, err)

			limit(t, env, a.Address, backbone.MetricNumberOfRelationships, 1, backbone.PeriodTotal)
			limit(t, env, a.Address, backbone.MetricNumberOfSentMessages, 1, backbone.PeriodTotal)
			tmpl2, err := b.RelationshipTemplates.Create(ctx, other, backbone.CreateTemplateRequest{Content: []byte("c")})
			require.NoError(t, err)
			_, err = b.Relationships.Create(ctx, a, tmpl2.ID, nil)
			requireExhausted(t, err, total, backbone.MetricNumberOfRelationships)
			_, err = b.Messages.Send(ctx, a, backbone.SendMessageRequest{Recipients: []backbone.MessageRecipientKey{{Address: peer.Address, EncryptedKey: encryptedKey()}}, Body: []byte("m")})
			requireExhausted(t, err, total, backbone.MetricNumberOfSentMessages)

			// The peer accepts: the pending request does not count for it.
			limit(t, env, peer.Address, backbone.MetricNumberOfRelationships, 1, backbone.PeriodTotal)
			_, err = b.Relationships.Accept(ctx, peer, r.ID, nil)
			require.NoError(t, err, "the peer has no relationship of its own yet")
			// Now it has one; it cannot accept another.
			tmpl3, err := b.RelationshipTemplates.Create(ctx, peer, backbone.CreateTemplateRequest{Content: []byte("c")})
			require.NoError(t, err)
			r3, err := b.Relationships.Create(ctx, other, tmpl3.ID, nil)
			require.NoError(t, err)
			limit(t, env, peer.Address, backbone.MetricNumberOfRelationships, 5, backbone.PeriodHour) // recomputes: Active counts
			_, err = b.Relationships.Accept(ctx, peer, r3.ID, nil)
			requireExhausted(t, err, total, backbone.MetricNumberOfRelationships)
		})

		t.Run("Files", func(t *testing.T) {
			_, err := uploadFile(ctx, b, a, 1<<20)
			require.NoError(t, err)
			limit(t, env, a.Address, backbone.MetricUsedFileStorageSpace, 1, backbone.PeriodTotal)
			_, err = uploadFile(ctx, b, a, 10)
			requireExhausted(t, err, total, backbone.MetricUsedFileStorageSpace)
			limit(t, env, a.Address, backbone.MetricNumberOfFiles, 1, backbone.PeriodTotal)
			_, err = uploadFile(ctx, b, a, 10)
			requireExhausted(t, err, total, backbone.MetricNumberOfFiles, backbone.MetricUsedFileStorageSpace)
			files, err := b.Files.List(ctx, a, nil, backbone.PageRequest{})
			require.NoError(t, err)
			assert.Equal(t, 1, files.TotalRecords, "a refused upload stores nothing")
		})
	})
}

func TestValidationErrorsTakePrecedenceOverQuotaErrors(t *testing.T) {
	eachStore(t, func(t *testing.T, env *backbonetest.Env) {
		ctx, b := t.Context(), env.Backbone
		a := env.CreateAccount(t).Caller
		_, err := b.Tokens.Create(ctx, a, backbone.CreateTokenRequest{ExpiresAt: time.Now().Add(time.Hour)})
		require.NoError(t, err)
		limit(t, env, a.Address, backbone.MetricNumberOfTokens, 1, backbone.PeriodTotal)

		_, err = b.Tokens.Create(ctx, a, backbone.CreateTokenRequest{ExpiresAt: time.Now().Add(-time.Hour)})
		requireQuotaCode(t, err, backbone.KindInvalid, backbone.CodeInvalidPropertyValue)
		_, err = b.Tokens.Create(ctx, a, backbone.CreateTokenRequest{ExpiresAt: time.Now().Add(time.Hour)})
		requireExhausted(t, err, backbone.EndOfTime, backbone.MetricNumberOfTokens)
	})
}

func TestIndividualQuotasOverrideTierQuotasAndAllPeriodsApply(t *testing.T) {
	eachStore(t, func(t *testing.T, env *backbonetest.Env) {
		ctx, b := t.Context(), env.Backbone
		awayFromHourEnd(env)
		a := env.CreateAccount(t).Caller
		basic, err := b.Tiers.EnsureBuiltIn(ctx)
		require.NoError(t, err)
		tq, err := b.Quotas.CreateTierQuota(ctx, basic.ID, backbone.CreateQuotaRequest{MetricKey: backbone.MetricNumberOfTokens, Max: 1, Period: "total"})
		require.NoError(t, err)
		assert.Equal(t, backbone.PeriodTotal, tq.Period, "periods are read ignoring case")
		assert.Regexp(t, `^TQD[A-Za-z0-9]{17}$`, tq.ID)
		for range 2 {
			_, err = b.Tokens.Create(ctx, a, backbone.CreateTokenRequest{ExpiresAt: time.Now().Add(time.Hour)})
			require.NoError(t, err, "creating a tier quota recomputes nothing")
		}

		// Individual quotas of the metric replace the tier's: 5 a day and
		// 3 an hour both apply; the hour is the one used up.
		day := limit(t, env, a.Address, backbone.MetricNumberOfTokens, 5, backbone.PeriodDay)
		assert.Regexp(t, `^QUO[A-Za-z0-9]{17}$`, day.ID)
		_, err = b.Tokens.Create(ctx, a, backbone.CreateTokenRequest{ExpiresAt: time.Now().Add(time.Hour)})
		require.NoError(t, err, "2 of 5 a day, the tier's 1 in total no longer applies")
		limit(t, env, a.Address, backbone.MetricNumberOfTokens, 3, backbone.PeriodHour)
		_, err = b.Tokens.Create(ctx, a, backbone.CreateTokenRequest{ExpiresAt: time.Now().Add(time.Hour)})
		_, hourEnd := backbone.PeriodIntervalForTest(backbone.PeriodHour, env.Clock.Now())
		requireExhausted(t, err, hourEnd.Add(-time.Millisecond), backbone.MetricNumberOfTokens)

		qs, err := b.Quotas.OfIdentity(ctx, a.Address)
		require.NoError(t, err)
		require.Len(t, qs, 3)
		assert.Equal(t, backbone.IdentityQuota{ID: qs[0].ID, Source: "Individual", Metric: backbone.Metric{Key: backbone.MetricNumberOfTokens, DisplayName: "Number of Tokens"}, Max: 5, Usage: 3, Period: backbone.PeriodDay}, qs[0])
		assert.Equal(t, "Individual", qs[1].Source)
		assert.Equal(t, backbone.IdentityQuota{ID: tq.ID, Source: "Tier", Metric: qs[0].Metric, Max: 1, Usage: 3, Period: backbone.PeriodTotal}, qs[2])

		groups, err := b.Quotas.ForCaller(ctx, a)
		require.NoError(t, err)
		require.Len(t, groups, 1)
		assert.Equal(t, backbone.MetricNumberOfTokens, groups[0].MetricKey)
		assert.Len(t, groups[0].Quotas, 3)

		// Without its individual quotas the tier's apply again.
		require.NoError(t, b.Quotas.DeleteIndividualQuota(ctx, a.Address, day.ID))
		for _, q := range qs[:2] {
			if q.ID != day.ID {
				require.NoError(t, b.Quotas.DeleteIndividualQuota(ctx, a.Address, q.ID))
			}
		}
		_, err = b.Tokens.Create(ctx, a, backbone.CreateTokenRequest{ExpiresAt: time.Now().Add(time.Hour)})
		requireExhausted(t, err, backbone.EndOfTime, backbone.MetricNumberOfTokens)
	})
}

// An exhausted quota of a calendar period blocks until that period ends,
// then the identity may act again.
func TestExhaustionEndsWithItsPeriod(t *testing.T) {
	eachStore(t, func(t *testing.T, env *backbonetest.Env) {
		ctx, b := t.Context(), env.Backbone
		a := env.CreateAccount(t).Caller
		awayFromHourEnd(env)
		_, next := backbone.PeriodIntervalForTest(backbone.PeriodHour, env.Clock.Now())
		_, err := b.Tokens.Create(ctx, a, backbone.CreateTokenRequest{ExpiresAt: env.Clock.Now().Add(time.Hour)})
		require.NoError(t, err)
		limit(t, env, a.Address, backbone.MetricNumberOfTokens, 1, backbone.PeriodHour)
		_, err = b.Tokens.Create(ctx, a, backbone.CreateTokenRequest{ExpiresAt: env.Clock.Now().Add(time.Hour)})
		requireExhausted(t, err, next.Add(-time.Millisecond), backbone.MetricNumberOfTokens)

		env.Clock.Advance(next.Sub(env.Clock.Now()) - 5*time.Millisecond)
		_, err = b.Tokens.Create(ctx, a, backbone.CreateTokenRequest{ExpiresAt: env.Clock.Now().Add(time.Hour)})
		requireExhausted(t, err, next.Add(-time.Millisecond), backbone.MetricNumberOfTokens)
		env.Clock.Advance(10 * time.Millisecond)
		_, err = b.Tokens.Create(ctx, a, backbone.CreateTokenRequest{ExpiresAt: env.Clock.Now().Add(time.Hour)})
		require.NoError(t, err, "the next hour has a fresh quota")
	})
}

func TestQueuedForDeletionTierHasZeroQuotasThatCannotBeManaged(t *testing.T) {
	eachRunningStore(t, func(t *testing.T, env *backbonetest.Env) {
		ctx, b := t.Context(), env.Backbone
		qs, err := b.Quotas.OfTier(ctx, backbone.QueuedForDeletionTierID)
		require.NoError(t, err)
		var keys []string
		for _, q := range qs {
			assert.Equal(t, 0, q.Max)
			assert.Equal(t, backbone.PeriodTotal, q.Period)
			keys = append(keys, q.Metric.Key)
		}
		assert.ElementsMatch(t, []string{
			backbone.MetricNumberOfSentMessages, backbone.MetricNumberOfRelationships, backbone.MetricNumberOfRelationshipTemplates,
			backbone.MetricNumberOfFiles, backbone.MetricNumberOfTokens, backbone.MetricUsedFileStorageSpace,
			backbone.MetricNumberOfCreatedChallenges, backbone.MetricNumberOfCreatedDevices,
		}, keys)
		_, err = b.Tiers.EnsureBuiltIn(ctx)
		require.NoError(t, err)
		again, err := b.Quotas.OfTier(ctx, backbone.QueuedForDeletionTierID)
		require.NoError(t, err)
		assert.Equal(t, qs, again, "seeding again adds nothing")

		_, err = b.Quotas.CreateTierQuota(ctx, backbone.QueuedForDeletionTierID, backbone.CreateQuotaRequest{MetricKey: backbone.MetricNumberOfCreatedDatawalletModifications, Max: 1, Period: "Day"})
		requireQuotaCode(t, err, backbone.KindInvalid, backbone.CodeCannotCreateOrDeleteQuotaOnQfDTier)
		requireQuotaCode(t, b.Quotas.DeleteTierQuota(ctx, backbone.QueuedForDeletionTierID, qs[0].ID), backbone.KindInvalid, backbone.CodeCannotCreateOrDeleteQuotaOnQfDTier)

		// An identity moved into the tier is blocked once the consumer
		// has handled the move, and free again once moved back.
		a := env.CreateAccount(t).Caller
		id, err := env.Store.Identities().Get(ctx, a.Address)
		require.NoError(t, err)
		oldTier := id.TierID
		id.TierID = backbone.QueuedForDeletionTierID
		require.NoError(t, env.Store.Identities().Update(ctx, id))
		require.NoError(t, backbone.RaiseForTest(ctx, b, backbone.TierOfIdentityChanged{OldTierID: oldTier, NewTierID: id.TierID, IdentityAddress: a.Address}))
		eventually(t, func() bool {
			sts, err := env.Store.Quotas().ExhaustedStatuses(ctx, a.Address, keys, env.Clock.Now())
			require.NoError(t, err)
			return len(sts) == len(keys)
		}, "every metric of the tier exhausted")
		_, err = b.Tokens.Create(ctx, a, backbone.CreateTokenRequest{ExpiresAt: time.Now().Add(time.Hour)})
		requireExhausted(t, err, backbone.EndOfTime, backbone.MetricNumberOfTokens)
		_, err = b.RelationshipTemplates.Create(ctx, a, backbone.CreateTemplateRequest{Content: []byte("c")})
		requireExhausted(t, err, backbone.EndOfTime, backbone.MetricNumberOfRelationshipTemplates)
		_, err = uploadFile(ctx, b, a, 10)
		requireExhausted(t, err, backbone.EndOfTime, backbone.MetricNumberOfFiles, backbone.MetricUsedFileStorageSpace)

		id.TierID = oldTier
		require.NoError(t, env.Store.Identities().Update(ctx, id))
		require.NoError(t, backbone.RaiseForTest(ctx, b, backbone.TierOfIdentityChanged{OldTierID: backbone.QueuedForDeletionTierID, NewTierID: oldTier, IdentityAddress: a.Address}))
		eventually(t, func() bool {
			_, err := b.Tokens.Create(ctx, a, backbone.CreateTokenRequest{ExpiresAt: time.Now().Add(time.Hour)})
			return err == nil
		}, "quota status after the event")
	})
}

// The consumer counts after each event: the identity that reached a tier
// quota is refused from then on, with no quota recomputed in the request.
func TestQuotaConsumerRecomputesStatusesOnEvents(t *testing.T) {
	eachRunningStore(t, func(t *testing.T, env *backbonetest.Env) {
		ctx, b := t.Context(), env.Backbone
		awayFromHourEnd(env)
		basic, err := b.Tiers.EnsureBuiltIn(ctx)
		require.NoError(t, err)
		for _, m := range []string{backbone.MetricNumberOfSentMessages, backbone.MetricNumberOfRelationships, backbone.MetricNumberOfRelationshipTemplates, backbone.MetricNumberOfTokens, backbone.MetricNumberOfFiles} {
			_, err := b.Quotas.CreateTierQuota(ctx, basic.ID, backbone.CreateQuotaRequest{MetricKey: m, Max: 1, Period: backbone.PeriodMonth})
			require.NoError(t, err)
		}
		_, err = b.Quotas.CreateTierQuota(ctx, basic.ID, backbone.CreateQuotaRequest{MetricKey: backbone.MetricNumberOfCreatedDevices, Max: 1, Period: backbone.PeriodYear})
		require.NoError(t, err)
		a, peer := env.CreateAccount(t).Caller, env.CreateAccount(t).Caller
		_, monthEnd := backbone.PeriodIntervalForTest(backbone.PeriodMonth, env.Clock.Now())
		until := monthEnd.Add(-time.Millisecond)

		// IdentityCreated: the first device uses up the devices quota.
		_, yearEnd := backbone.PeriodIntervalForTest(backbone.PeriodYear, env.Clock.Now())
		eventually(t, func() bool {
			sts, err := env.Store.Quotas().ExhaustedStatuses(ctx, a.Address, []string{backbone.MetricNumberOfCreatedDevices}, env.Clock.Now())
			require.NoError(t, err)
			return len(sts) == 1 && sts[0].IsExhaustedUntil.Equal(yearEnd.Add(-time.Millisecond))
		}, "quota status after the event")

		_, err = b.Tokens.Create(ctx, a, backbone.CreateTokenRequest{ExpiresAt: time.Now().Add(time.Hour)})
		require.NoError(t, err)
		tmpl, err := b.RelationshipTemplates.Create(ctx, peer, backbone.CreateTemplateRequest{Content: []byte("c")})
		require.NoError(t, err)
		r, err := b.Relationships.Create(ctx, a, tmpl.ID, nil)
		require.NoError(t, err)
		_, err = uploadFile(ctx, b, a, 10)
		require.NoError(t, err)
		_, err = b.Messages.Send(ctx, a, backbone.SendMessageRequest{Recipients: []backbone.MessageRecipientKey{{Address: peer.Address, EncryptedKey: encryptedKey()}}, Body: []byte("m")})
		require.NoError(t, err)

		check := map[string]func() error{
			backbone.MetricNumberOfTokens: func() error {
				_, err := b.Tokens.Create(ctx, a, backbone.CreateTokenRequest{ExpiresAt: time.Now().Add(time.Hour)})
				return err
			},
			backbone.MetricNumberOfRelationshipTemplates: func() error {
				_, err := b.RelationshipTemplates.Create(ctx, peer, backbone.CreateTemplateRequest{Content: []byte("c")})
				return err
			},
			backbone.MetricNumberOfRelationships: func() error {
				_, err := b.Relationships.Create(ctx, a, tmpl.ID, nil)
				return err
			},
			backbone.MetricNumberOfFiles: func() error {
				_, err := uploadFile(ctx, b, a, 10)
				return err
			},
			backbone.MetricNumberOfSentMessages: func() error {
				_, err := b.Messages.Send(ctx, a, backbone.SendMessageRequest{Recipients: []backbone.MessageRecipientKey{{Address: peer.Address, EncryptedKey: encryptedKey()}}, Body: []byte("m")})
				return err
			},
		}
		for metric, f := range check {
			var err error
			eventually(t, func() bool {
				err = f()
				var be *backbone.Error
				return errors.As(err, &be) && be.Kind == backbone.KindQuotaExhausted
			}, "%s exhausted", metric)
			var be *backbone.Error
			require.True(t, errors.As(err, &be))
			require.Contains(t, be.Data, backbone.ExhaustedMetric{MetricKey: metric, IsExhaustedUntil: until}, "%s", metric)
		}

		// The peer's pending request does not count for it until it is
		// accepted (RelationshipStatusChanged recomputes both parties).
		sts, err := env.Store.Quotas().ExhaustedStatuses(ctx, peer.Address, []string{backbone.MetricNumberOfRelationships}, env.Clock.Now())
		require.NoError(t, err)
		require.Empty(t, sts)
		_, err = b.Relationships.Accept(ctx, peer, r.ID, nil)
		require.NoError(t, err)
		eventually(t, func() bool {
			sts, err := env.Store.Quotas().ExhaustedStatuses(ctx, peer.Address, []string{backbone.MetricNumberOfRelationships}, env.Clock.Now())
			require.NoError(t, err)
			return len(sts) == 1
		}, "quota status after the event")

		// Handling an event again changes nothing.
		require.NoError(t, backbone.HandleQuotasForTest(ctx, b, backbone.TokenCreated{TokenID: "TOKX", CreatedBy: a.Address}))
		_, err = b.Tokens.Create(ctx, a, backbone.CreateTokenRequest{ExpiresAt: time.Now().Add(time.Hour)})
		requireExhausted(t, err, until, backbone.MetricNumberOfTokens)
		require.NoError(t, backbone.HandleQuotasForTest(ctx, b, backbone.TokenCreated{TokenID: "TOKX"}), "an anonymous token recomputes nothing")
		require.NoError(t, backbone.HandleQuotasForTest(ctx, b, backbone.MessageCreated{ID: "MSGX", CreatedBy: backbone.AddressFromPublicKey([]byte("nobody"), "localhost")}), "an unknown identity has nothing to recompute")
	})
}

// Deleting a tier quota frees the identities it exhausted at once;
// statuses of other tiers' identities are not touched.
func TestDeletingATierQuotaRecomputesTheTiersExhaustedIdentities(t *testing.T) {
	eachRunningStore(t, func(t *testing.T, env *backbonetest.Env) {
		ctx, b := t.Context(), env.Backbone
		basic, err := b.Tiers.EnsureBuiltIn(ctx)
		require.NoError(t, err)
		q, err := b.Quotas.CreateTierQuota(ctx, basic.ID, backbone.CreateQuotaRequest{MetricKey: backbone.MetricNumberOfTokens, Max: 1, Period: backbone.PeriodTotal})
		require.NoError(t, err)
		a := env.CreateAccount(t).Caller
		_, err = b.Tokens.Create(ctx, a, backbone.CreateTokenRequest{ExpiresAt: time.Now().Add(time.Hour)})
		require.NoError(t, err)
		eventually(t, func() bool {
			_, err := b.Tokens.Create(ctx, a, backbone.CreateTokenRequest{ExpiresAt: time.Now().Add(time.Hour)})
			return err != nil
		}, "quota status after the event")
		require.NoError(t, b.Quotas.DeleteTierQuota(ctx, basic.ID, q.ID))
		_, err = b.Tokens.Create(ctx, a, backbone.CreateTokenRequest{ExpiresAt: time.Now().Add(time.Hour)})
		require.NoError(t, err, "freed in the request that deleted the quota")
		requireQuotaCode(t, b.Quotas.DeleteTierQuota(ctx, basic.ID, q.ID), backbone.KindNotFound, backbone.CodeRecordNotFound)
	})
}

func TestQuotaAdministrationRefusesBadRequests(t *testing.T) {
	eachStore(t, func(t *testing.T, env *backbonetest.Env) {
		ctx, b := t.Context(), env.Backbone
		a := env.CreateAccount(t).Caller
		basic, err := b.Tiers.EnsureBuiltIn(ctx)
		require.NoError(t, err)
		good := backbone.CreateQuotaRequest{MetricKey: backbone.MetricNumberOfFiles, Max: 3, Period: backbone.PeriodWeek}
		bad := map[string]backbone.CreateQuotaRequest{
			backbone.CodeUnsupportedMetricKey: {MetricKey: "NumberOfSomething", Max: 1, Period: "Day"},
			backbone.CodeInvalidPropertyValue: {MetricKey: backbone.MetricNumberOfFiles, Max: 0, Period: "Day"},
		}
		for code, req := range bad {
			_, err := b.Quotas.CreateTierQuota(ctx, basic.ID, req)
			requireQuotaCode(t, err, backbone.KindInvalid, code)
			_, err = b.Quotas.CreateIndividualQuota(ctx, a.Address, req)
			requireQuotaCode(t, err, backbone.KindInvalid, code)
		}
		_, err = b.Quotas.CreateIndividualQuota(ctx, a.Address, backbone.CreateQuotaRequest{MetricKey: backbone.MetricNumberOfFiles, Max: 1, Period: "Fortnight"})
		requireQuotaCode(t, err, backbone.KindInvalid, backbone.CodeInvalidPropertyValue)

		_, err = b.Quotas.CreateTierQuota(ctx, basic.ID, good)
		require.NoError(t, err)
		_, err = b.Quotas.CreateTierQuota(ctx, basic.ID, good)
		requireQuotaCode(t, err, backbone.KindInvalid, backbone.CodeDuplicateQuota)
		_, err = b.Quotas.CreateIndividualQuota(ctx, a.Address, good)
		require.NoError(t, err)
		_, err = b.Quotas.CreateIndividualQuota(ctx, a.Address, good)
		requireQuotaCode(t, err, backbone.KindInvalid, backbone.CodeDuplicateQuota)

		_, err = b.Quotas.CreateTierQuota(ctx, backbone.NewID(backbone.PrefixTier), good)
		requireQuotaCode(t, err, backbone.KindNotFound, backbone.CodeRecordNotFound)
		_, err = b.Quotas.CreateTierQuota(ctx, "nonsense", good)
		requireQuotaCode(t, err, backbone.KindInvalid, backbone.CodeInvalidPropertyValue)
		_, err = b.Quotas.CreateIndividualQuota(ctx, backbone.AddressFromPublicKey([]byte("nobody"), "localhost"), good)
		requireQuotaCode(t, err, backbone.KindNotFound, backbone.CodeRecordNotFound)
		requireQuotaCode(t, b.Quotas.DeleteIndividualQuota(ctx, a.Address, backbone.NewID(backbone.PrefixQuota)), backbone.KindNotFound, backbone.CodeRecordNotFound)
		requireQuotaCode(t, b.Quotas.DeleteTierQuota(ctx, basic.ID, backbone.NewID(backbone.PrefixTierQuotaDefinition)), backbone.KindNotFound, backbone.CodeRecordNotFound)
		_, err = b.Quotas.OfIdentity(ctx, backbone.AddressFromPublicKey([]byte("nobody"), "localhost"))
		requireQuotaCode(t, err, backbone.KindNotFound, backbone.CodeRecordNotFound)
		assert.Len(t, b.Quotas.Metrics(), 10)
	})
}

// Starting a deletion process moves the identity into "Queued for
// Deletion", whose zero quotas block it once the consumer handled the tier
// change; cancelling frees it. The started process counts.
func TestPendingDeletionBlocksCheckedCommands(t *testing.T) {
	eachRunningStore(t, func(t *testing.T, env *backbonetest.Env) {
		ctx, b := t.Context(), env.Backbone
		a := env.CreateAccount(t).Caller
		limit(t, env, a.Address, backbone.MetricNumberOfStartedDeletionProcesses, 5, backbone.PeriodTotal)
		p, err := b.DeletionProcesses.Start(ctx, a, nil)
		require.NoError(t, err)
		// Input validation comes first; rules that need the store (here
		// the relationship to the recipient) come after the quota, as in
		// the reference's pipeline. So this send creates nothing either way.
		send := func() error {
			_, err := b.Messages.Send(ctx, a, backbone.SendMessageRequest{Recipients: []backbone.MessageRecipientKey{{Address: a.Address, EncryptedKey: encryptedKey()}}, Body: []byte("m")})
			return err
		}
		eventually(t, func() bool { return backbone.AsError(send()).Kind == backbone.KindQuotaExhausted }, "blocked in the grace period")
		requireExhausted(t, send(), backbone.EndOfTime, backbone.MetricNumberOfSentMessages)
		_, err = b.Tokens.Create(ctx, a, backbone.CreateTokenRequest{ExpiresAt: time.Now().Add(time.Hour)})
		requireExhausted(t, err, backbone.EndOfTime, backbone.MetricNumberOfTokens)
		_, err = b.RelationshipTemplates.Create(ctx, a, backbone.CreateTemplateRequest{Content: []byte("c")})
		requireExhausted(t, err, backbone.EndOfTime, backbone.MetricNumberOfRelationshipTemplates)

		qs, err := b.Quotas.OfIdentity(ctx, a.Address)
		require.NoError(t, err)
		require.NotEmpty(t, qs)
		assert.Equal(t, backbone.MetricNumberOfStartedDeletionProcesses, qs[0].Metric.Key)
		assert.EqualValues(t, 1, qs[0].Usage, "the started process counts")

		_, err = b.DeletionProcesses.Cancel(ctx, a, p.ID)
		require.NoError(t, err)
		eventually(t, func() bool {
			_, err := b.Tokens.Create(ctx, a, backbone.CreateTokenRequest{ExpiresAt: time.Now().Add(time.Hour)})
			return err == nil
		}, "free again after cancelling")
	})
}
