package backbone_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/adapters/gocloudbus"
	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/internal/backbonetest"
)

// relate makes an active relationship: b asks with a's template, a accepts.
func relate(t *testing.T, env *backbonetest.Env, a, b backbone.Caller) backbone.Relationship {
	t.Helper()
	r := pending(t, env, a, b)
	r, err := env.Backbone.Relationships.Accept(t.Context(), a, r.ID, []byte("ok"))
	require.NoError(t, err)
	return r
}

func upload(t *testing.T, env *backbonetest.Env, as backbone.Caller, content string) backbone.File {
	t.Helper()
	up, err := env.Backbone.Files.BeginUpload(t.Context(), as)
	require.NoError(t, err)
	_, err = io.Copy(up, strings.NewReader(content))
	require.NoError(t, err)
	f, err := up.Commit(t.Context(), backbone.FileMetadata{OwnerSignature: []byte("s"), CipherHash: []byte("h"), ExpiresAt: time.Now().Add(24 * time.Hour)})
	require.NoError(t, err)
	return f
}

func send(t *testing.T, env *backbonetest.Env, from, to backbone.Caller, attachments ...string) backbone.Message {
	t.Helper()
	m, err := env.Backbone.Messages.Send(t.Context(), from, backbone.SendMessageRequest{
		Recipients: []backbone.MessageRecipientKey{{Address: to.Address, EncryptedKey: []byte(strings.Repeat("k", 40))}},
		Body:       []byte("body"), Attachments: attachments,
	})
	require.NoError(t, err)
	return m
}

// storeMentions lists the columns of the store where some row contains
// the text.
func storeMentions(t *testing.T, env *backbonetest.Env, text string) []string {
	t.Helper()
	hits, err := env.Store.FindText(t.Context(), text)
	require.NoError(t, err)
	return hits
}

func TestActualDeletionLeavesNoTraceOfTheAddress(t *testing.T) {
	eachStore(t, func(t *testing.T, env *backbonetest.Env) {
		ctx := t.Context()
		rec := &recorder{platform: "dummy"}
		env = runWith(t, env, rec)
		x := env.CreateAccount(t)
		p := env.CreateAccount(t).Caller
		q := env.CreateAccount(t).Caller
		xc := x.Caller
		second := deviceIn(t, env, x, "de")
		register(t, env, xc, "dummy", "handle-x1-long")
		register(t, env, second, "dummy", "handle-x2-long")
		register(t, env, p, "dummy", "handle-p-long")

		// x is asked by p and asks q; a third relationship with q ends
		// before the deletion, decomposed by x itself.
		rp := relate(t, env, xc, p)
		rq := relate(t, env, q, xc)
		xFile := upload(t, env, xc, "x's secret content")
		pFile := upload(t, env, p, "p's content")
		toP := send(t, env, xc, p, xFile.ID)
		fromP := send(t, env, p, xc, pFile.ID)
		send(t, env, xc, q)
		_, err := env.Backbone.Messages.Get(ctx, p, toP.ID) // received
		require.NoError(t, err)

		// Templates and tokens in every role.
		_, err = env.Backbone.RelationshipTemplates.Create(ctx, xc, backbone.CreateTemplateRequest{Content: []byte("x's template")})
		require.NoError(t, err)
		forX, err := env.Backbone.RelationshipTemplates.Create(ctx, q, backbone.CreateTemplateRequest{Content: []byte("for x"), ForIdentity: xc.Address})
		require.NoError(t, err)
		_, err = env.Backbone.RelationshipTemplates.Get(ctx, xc, forX.ID, nil)
		require.NoError(t, err)
		_, err = env.Backbone.Tokens.Create(ctx, xc, backbone.CreateTokenRequest{Content: []byte("x's token"), ExpiresAt: time.Now().Add(time.Hour)})
		require.NoError(t, err)
		pTok, err := env.Backbone.Tokens.Create(ctx, p, backbone.CreateTokenRequest{Content: []byte("for x"), ExpiresAt: time.Now().Add(time.Hour), ForIdentity: xc.Address})
		require.NoError(t, err)
		_, err = env.Backbone.Tokens.Get(ctx, xc, pTok.ID, nil)
		require.NoError(t, err)
		require.NoError(t, env.Store.Datawallets().Insert(ctx, driver.Datawallet{ID: backbone.NewID(backbone.PrefixDatawallet), Owner: xc.Address, Version: 1}))
		_, err = env.Backbone.Datawallets.Push(ctx, xc, nil, 1, []backbone.NewDatawalletModification{
			{Type: backbone.DatawalletCreate, ObjectIdentifier: "obj1", Collection: "Relationships", EncryptedPayload: []byte("p"), DatawalletVersion: 1},
		})
		require.NoError(t, err)
		require.NoError(t, env.Backbone.Identities.SetFeatureFlags(ctx, xc, map[string]bool{"f": true}))
		// Every event for x is recorded before the deletion starts: an
		// event a consumer records after the deletion is only removed by
		// housekeeping. And p hears of x's feature flags, with x's address
		// in the payload.
		eventually(t, func() bool {
			return countTypes(t, env, xc.Address)["MessageReceived"] >= 1 && countTypes(t, env, xc.Address)["MessageDelivered"] >= 1 &&
				countTypes(t, env, xc.Address)["RelationshipStatusChanged"] >= 2 && countTypes(t, env, p.Address)["PeerFeatureFlagsChanged"] >= 1
		}, "fixture: every event for x is recorded, and p's PeerFeatureFlagsChanged")
		require.Contains(t, storeMentions(t, env, xc.Address), "external_events.payload", "fixture: p's PeerFeatureFlagsChanged names x")
		eventually(t, func() bool {
			run, err := env.Backbone.SyncRuns.Start(ctx, xc, backbone.StartSyncRunRequest{Type: backbone.SyncRunExternalEventSync, SupportedDatawalletVersion: 1})
			require.NoError(t, err)
			return run.SyncRun != nil
		}, "fixture: x has events to sync")
		require.Contains(t, storeMentions(t, env, xc.Address), "sync_runs.created_by")

		zero := 0.0
		proc, err := env.Backbone.DeletionProcesses.Start(ctx, xc, &zero)
		require.NoError(t, err)
		env.Clock.Advance(time.Second)
		rep, err := env.Backbone.Jobs.ActualDeletion(ctx)
		require.NoError(t, err)
		require.Empty(t, rep.Failures)
		assert.Equal(t, 1, rep.Counts["started"])
		assert.Equal(t, 1, rep.Counts["deleted"])

		anon := backbone.AnonymousAddress("localhost")
		eventually(t, func() bool { return len(storeMentions(t, env, xc.Address)) == 0 },
			"no table may keep the deleted address; still in %v", storeMentions(t, env, xc.Address))
		require.NoError(t, env.Blob.List(ctx, "", func(key string) error {
			assert.NotEqual(t, xFile.ID, key, "the deleted identity's blob is gone")
			r, err := env.Blob.NewReader(ctx, key)
			require.NoError(t, err)
			defer r.Close()
			b, err := io.ReadAll(r)
			require.NoError(t, err)
			assert.NotContains(t, string(b), xc.Address)
			return nil
		}))

		// The peers' view stays consistent.
		rel, err := env.Backbone.Relationships.Get(ctx, p, rp.ID)
		require.NoError(t, err)
		assert.Equal(t, anon, rel.To, "x's side is anonymised")
		assert.Equal(t, backbone.RelationshipDeletionProposed, rel.Status)
		last := rel.AuditLog[len(rel.AuditLog)-1]
		assert.Equal(t, driver.AuditDecompositionDueToIdentityDeletion, last.Reason)
		assert.Equal(t, anon, last.CreatedBy)
		assert.Empty(t, last.CreatedByDevice)
		_, err = env.Backbone.Relationships.Get(ctx, q, rq.ID)
		require.NoError(t, err)
		m, err := env.Backbone.Messages.Get(ctx, p, toP.ID)
		require.NoError(t, err, "p keeps the message x sent")
		assert.Equal(t, anon, m.CreatedBy)
		m, err = env.Backbone.Messages.Get(ctx, p, fromP.ID)
		require.NoError(t, err, "p keeps the message it sent to x")
		assert.Equal(t, anon, m.Recipients[0].Address)
		_, err = env.Store.Files().Get(ctx, xFile.ID)
		assert.ErrorIs(t, err, driver.ErrNotFound, "x's file is deleted")
		_, err = env.Store.Files().Get(ctx, pFile.ID)
		assert.NoError(t, err, "p's file stays")
		eventually(t, func() bool {
			events, err := env.Store.ExternalEvents().ListDeliverable(ctx, p.Address, 100)
			require.NoError(t, err)
			return hasEvent(events, "PeerToBeDeleted", rp.ID) && hasEvent(events, "PeerDeleted", rp.ID) &&
				hasEvent(events, "RelationshipStatusChanged", rp.ID)
		}, "p is told that x would be and was deleted, and that the relationship changed")
		assert.Empty(t, storeMentions(t, env, xc.Address), "nor do events raised by the deletion leave the address")

		// x's devices heard that the deletion starts, while they existed,
		// each in its language and with the content the apps read.
		var starts int
		var titles []string
		for _, s := range rec.sent() {
			if s.n.EventName == "DeletionStarts" {
				starts++
				titles = append(titles, s.n.Title)
				assert.Contains(t, string(s.n.Content), `"accRef":"`+xc.Address+`"`)
				assert.Contains(t, string(s.n.Content), `"devicePushIdentifier":"`+s.target.DevicePushIdentifier+`"`)
			}
		}
		assert.Equal(t, 2, starts, "each of x's devices gets DeletionStarts")
		assert.ElementsMatch(t, []string{"Deletion starts", "Löschung beginnt"}, titles)

		// IsDeleted keeps answering from the audit log.
		st, err := env.Backbone.Identities.IsDeleted(ctx, xc.Username)
		require.NoError(t, err)
		assert.True(t, st.IsDeleted)
		require.NotNil(t, st.DeletionDate)
		st, err = env.Backbone.Identities.IsDeleted(ctx, p.Username)
		require.NoError(t, err)
		assert.False(t, st.IsDeleted)
		log, err := env.Backbone.DeletionProcesses.AuditLogOf(ctx, xc.Address)
		require.NoError(t, err)
		require.NotEmpty(t, log)
		assert.Equal(t, backbone.AuditStartedByOwner, log[0].MessageKey)
		assert.Equal(t, backbone.AuditDeletionCompleted, log[len(log)-1].MessageKey)
		assert.Equal(t, proc.ID, log[0].ProcessID)

		// Running again has nothing to do.
		rep, err = env.Backbone.Jobs.ActualDeletion(ctx)
		require.NoError(t, err)
		assert.Zero(t, rep.Counts["deleted"])
	})
}

// countTypes counts the owner's deliverable external events by type.
func countTypes(t *testing.T, env *backbonetest.Env, owner string) map[string]int {
	t.Helper()
	evs, err := env.Store.ExternalEvents().ListDeliverable(t.Context(), owner, 100)
	require.NoError(t, err)
	types := map[string]int{}
	for _, e := range evs {
		types[e.Type]++
	}
	return types
}

func containsTable(hits []string, table string) bool {
	for _, h := range hits {
		if strings.HasPrefix(h, table+".") {
			return true
		}
	}
	return false
}

func hasEvent(events []driver.ExternalEvent, typ, relationshipID string) bool {
	for _, e := range events {
		if e.Type == typ && strings.Contains(string(e.Payload), relationshipID) {
			return true
		}
	}
	return false
}

// runWith restarts env with a mem bus and the providers and runs its
// background work.
func runWith(t *testing.T, env *backbonetest.Env, providers ...driver.Push) *backbonetest.Env {
	t.Helper()
	bus := memBus(t)
	env = env.Restart(t, bus, providers...)
	env.Run(t)
	return env
}

func TestDeletionProcessLifecycle(t *testing.T) {
	eachStore(t, func(t *testing.T, env *backbonetest.Env) {
		ctx := t.Context()
		env = runWith(t, env)
		x := env.CreateAccount(t).Caller
		p := env.CreateAccount(t).Caller
		rel := relate(t, env, x, p)
		before, err := env.Backbone.Identities.Self(ctx, x)
		require.NoError(t, err)

		t.Run("NegativeGracePeriodIsInvalid", func(t *testing.T) {
			neg := -1.0
			_, err := env.Backbone.DeletionProcesses.Start(ctx, x, &neg)
			requireCode(t, err, backbone.CodeInvalidPropertyValue)
		})

		proc, err := env.Backbone.DeletionProcesses.Start(ctx, x, nil)
		require.NoError(t, err)
		assert.Equal(t, backbone.DeletionProcessActive, proc.Status)
		require.NotNil(t, proc.GracePeriodEndsAt)
		assert.Equal(t, 14*24*time.Hour, proc.GracePeriodEndsAt.Sub(proc.CreatedAt))
		id, err := env.Backbone.Identities.Self(ctx, x)
		require.NoError(t, err)
		assert.Equal(t, backbone.IdentityToBeDeleted, id.Status)
		assert.Equal(t, backbone.QueuedForDeletionTierID, id.TierID)

		t.Run("SecondStartIsRefused", func(t *testing.T) {
			_, err := env.Backbone.DeletionProcesses.Start(ctx, x, nil)
			requireCode(t, err, backbone.CodeOnlyOneActiveDeletionProcessAllowed)
		})
		t.Run("OthersCannotSeeIt", func(t *testing.T) {
			_, err := env.Backbone.DeletionProcesses.Get(ctx, p, proc.ID)
			requireCode(t, err, backbone.CodeRecordNotFound)
			_, err = env.Backbone.DeletionProcesses.Cancel(ctx, p, proc.ID)
			requireCode(t, err, backbone.CodeRecordNotFound)
		})
		t.Run("SyncRunsAreRefused", func(t *testing.T) {
			_, err := env.Backbone.SyncRuns.Start(ctx, x, backbone.StartSyncRunRequest{Type: backbone.SyncRunExternalEventSync, SupportedDatawalletVersion: 1})
			requireCode(t, err, backbone.CodeCannotStartSyncRunWhileIdentityIsToBeDeleted)
		})

		// Reminders: none yet; at 12 days left the first, then at 4 days
		// only the third.
		rep, err := env.Backbone.Jobs.SendGracePeriodReminders(ctx)
		require.NoError(t, err)
		assert.Empty(t, rep.Counts)
		env.Clock.Advance(2*24*time.Hour + time.Minute)
		rep, err = env.Backbone.Jobs.SendGracePeriodReminders(ctx)
		require.NoError(t, err)
		assert.Equal(t, map[string]int{"reminder1": 1}, rep.Counts)
		rep, err = env.Backbone.Jobs.SendGracePeriodReminders(ctx)
		require.NoError(t, err)
		assert.Empty(t, rep.Counts, "each reminder is sent once")
		env.Clock.Advance(8 * 24 * time.Hour)
		rep, err = env.Backbone.Jobs.SendGracePeriodReminders(ctx)
		require.NoError(t, err)
		assert.Equal(t, map[string]int{"reminder3": 1}, rep.Counts)
		got, err := env.Backbone.DeletionProcesses.Get(ctx, x, proc.ID)
		require.NoError(t, err)
		assert.NotNil(t, got.GracePeriodReminder1SentAt)
		assert.Nil(t, got.GracePeriodReminder2SentAt)
		assert.NotNil(t, got.GracePeriodReminder3SentAt)

		cancelled, err := env.Backbone.DeletionProcesses.Cancel(ctx, x, proc.ID)
		require.NoError(t, err)
		assert.Equal(t, backbone.DeletionProcessCancelled, cancelled.Status)
		assert.Nil(t, cancelled.GracePeriodEndsAt)
		id, err = env.Backbone.Identities.Self(ctx, x)
		require.NoError(t, err)
		assert.Equal(t, backbone.IdentityActive, id.Status)
		assert.Equal(t, before.TierID, id.TierID, "the old tier is back")
		assert.Nil(t, id.DeletionGracePeriodEndsAt)
		_, err = env.Backbone.DeletionProcesses.Cancel(ctx, x, proc.ID)
		requireCode(t, err, backbone.CodeDeletionProcessIsNotInRequiredStatus)

		eventually(t, func() bool {
			events, err := env.Store.ExternalEvents().ListDeliverable(ctx, p.Address, 100)
			require.NoError(t, err)
			return hasEvent(events, "PeerToBeDeleted", rel.ID) && hasEvent(events, "PeerDeletionCancelled", rel.ID)
		}, "the peer hears of the start and the cancellation")

		// A process whose grace period is over can no longer be cancelled.
		zero := 0.0
		second, err := env.Backbone.DeletionProcesses.Start(ctx, x, &zero)
		require.NoError(t, err)
		env.Clock.Advance(time.Second)
		_, err = env.Backbone.DeletionProcesses.Cancel(ctx, x, second.ID)
		requireCode(t, err, backbone.CodeGracePeriodHasAlreadyExpired)
		st, err := env.Backbone.Identities.IsDeleted(ctx, x.Username)
		require.NoError(t, err)
		assert.True(t, st.IsDeleted, "past the grace period the identity counts as deleted")
		list, err := env.Backbone.DeletionProcesses.List(ctx, x)
		require.NoError(t, err)
		require.Len(t, list, 2)
		assert.Equal(t, proc.ID, list[0].ID, "oldest first")

		// Housekeeping removes the cancelled process after 30 days.
		env.Clock.Advance(31 * 24 * time.Hour)
		hk, err := env.Backbone.Jobs.Housekeeping(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, hk.Counts["cancelledDeletionProcesses"])
	})
}

func requireCode(t *testing.T, err error, code string) {
	t.Helper()
	require.Error(t, err)
	assert.Equal(t, code, backbone.AsError(err).Code, "%v", err)
}

func TestHousekeepingDeletesOrphanedBlobsAndExpiredData(t *testing.T) {
	eachStore(t, func(t *testing.T, env *backbonetest.Env) {
		ctx := context.Background()
		a := env.CreateAccount(t).Caller
		kept := upload(t, env, a, "kept")
		w, err := env.Blob.NewWriter(ctx, "FILorphan00000000000")
		require.NoError(t, err)
		_, err = w.Write([]byte("orphan"))
		require.NoError(t, err)
		require.NoError(t, w.Close())
		tok, err := env.Backbone.Tokens.Create(ctx, a, backbone.CreateTokenRequest{Content: []byte("t"), ExpiresAt: env.Clock.Now().Add(time.Hour)})
		require.NoError(t, err)

		rep, err := env.Backbone.Jobs.Housekeeping(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, rep.Counts["orphanedBlobs"])
		assert.Zero(t, rep.Counts["tokens"], "a token is kept until 30 days after it expired")
		var keys []string
		require.NoError(t, env.Blob.List(ctx, "", func(k string) error { keys = append(keys, k); return nil }))
		assert.Equal(t, []string{kept.ID}, keys)

		env.Clock.Advance(31*24*time.Hour + time.Hour)
		rep, err = env.Backbone.Jobs.Housekeeping(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, rep.Counts["tokens"])
		assert.Equal(t, 1, rep.Counts["files"])
		_, err = env.Store.Tokens().Get(ctx, tok.ID)
		assert.ErrorIs(t, err, driver.ErrNotFound)
		keys = nil
		require.NoError(t, env.Blob.List(ctx, "", func(k string) error { keys = append(keys, k); return nil }))
		assert.Empty(t, keys, "the expired file's blob goes with it")
	})
}

func memBus(t *testing.T) driver.Bus {
	t.Helper()
	bus, err := gocloudbus.Open(context.Background(), "mem://", gocloudbus.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { bus.Close() })
	return bus
}

// undeletableBlob refuses to delete, standing in for a blob store outage
// during the deletion job.
type undeletableBlob struct{ driver.Blob }

func (undeletableBlob) Delete(context.Context, string) error {
	return errors.New("blob store unavailable")
}

func TestFailedDeletionIsRecordedAndRetried(t *testing.T) {
	eachStore(t, func(t *testing.T, env *backbonetest.Env) {
		ctx := t.Context()
		x := env.CreateAccount(t).Caller
		f := upload(t, env, x, "content")
		zero := 0.0
		_, err := env.Backbone.DeletionProcesses.Start(ctx, x, &zero)
		require.NoError(t, err)
		env.Clock.Advance(time.Second)

		broken, err := backbone.New(env.Backbone.Config(), backbone.Drivers{Store: env.Store, Clock: env.Clock, Blob: undeletableBlob{env.Blob}})
		require.NoError(t, err)
		rep, err := broken.Jobs.ActualDeletion(ctx)
		require.NoError(t, err, "one identity's failure does not fail the run")
		require.Contains(t, rep.Failures, x.Address)
		log, err := env.Backbone.DeletionProcesses.AuditLogOf(ctx, x.Address)
		require.NoError(t, err)
		assert.Equal(t, backbone.AuditErrorDuringDeletion, log[len(log)-1].MessageKey)
		_, err = env.Store.Identities().Get(ctx, x.Address)
		require.NoError(t, err, "nothing is erased before every deleter succeeded")
		id, err := env.Store.Identities().Get(ctx, x.Address)
		require.NoError(t, err)
		assert.Equal(t, backbone.IdentityDeleting, id.Status)

		rep, err = env.Backbone.Jobs.ActualDeletion(ctx)
		require.NoError(t, err)
		assert.Empty(t, rep.Failures)
		assert.Equal(t, 1, rep.Counts["deleted"], "the identity left in Deleting is retried")
		assert.Zero(t, rep.Counts["started"])
		_, err = env.Store.Identities().Get(ctx, x.Address)
		assert.ErrorIs(t, err, driver.ErrNotFound)
		_, err = env.Blob.NewReader(ctx, f.ID)
		assert.ErrorIs(t, err, driver.ErrNotFound)
	})
}

func TestDeletionPushesReachTheOwnersDevices(t *testing.T) {
	eachStore(t, func(t *testing.T, env *backbonetest.Env) {
		ctx := t.Context()
		rec := &recorder{platform: "dummy"}
		env = runWith(t, env, rec)
		x := env.CreateAccount(t).Caller
		register(t, env, x, "dummy", "handle-owner")
		p, err := env.Backbone.DeletionProcesses.Start(ctx, x, nil)
		require.NoError(t, err)
		env.Clock.Advance(3*24*time.Hour - time.Hour) // 11 days and 1 hour left
		_, err = env.Backbone.Jobs.SendGracePeriodReminders(ctx)
		require.NoError(t, err)
		_, err = env.Backbone.DeletionProcesses.Cancel(ctx, x, p.ID)
		require.NoError(t, err)

		find := func(event string) *sent {
			for _, s := range rec.sent() {
				if s.n.EventName == event {
					return &s
				}
			}
			return nil
		}
		eventually(t, func() bool {
			return find("DeletionProcessStarted") != nil && find("DeletionProcessGracePeriodReminder") != nil && find("DeletionProcessCancelledByOwner") != nil
		}, "start, reminder and cancellation are pushed")
		var content struct {
			Payload struct {
				DaysUntilDeletion int `json:"daysUntilDeletion"`
			} `json:"payload"`
		}
		require.NoError(t, json.Unmarshal(find("DeletionProcessGracePeriodReminder").n.Content, &content))
		assert.Equal(t, 12, content.Payload.DaysUntilDeletion, "days left, rounded up")
		assert.NotEmpty(t, find("DeletionProcessCancelledByOwner").n.Title)
	})
}
