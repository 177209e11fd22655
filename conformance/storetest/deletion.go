package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

func newDeletionProcess(address string, createdAt time.Time) driver.DeletionProcess {
	end := createdAt.Add(14 * 24 * time.Hour)
	return driver.DeletionProcess{
		ID: newID("IDP"), IdentityAddress: address, Status: driver.DeletionProcessActive,
		CreatedAt: createdAt, CreatedByDevice: newID("DVC"), GracePeriodEndsAt: &end,
	}
}

func mustInsertProcess(ctx context.Context, t testing.TB, st driver.Stores, p driver.DeletionProcess) driver.DeletionProcess {
	t.Helper()
	require.NoError(t, st.Deletion().InsertProcess(ctx, p), "fixture: insert deletion process")
	return p
}

func newAuditEntry(processID, addressHash string, createdAt time.Time, key string) driver.DeletionAuditEntry {
	return driver.DeletionAuditEntry{
		ID: newID("IDA"), ProcessID: processID, AddressHash: addressHash, CreatedAt: createdAt, MessageKey: key,
		AdditionalData: map[string]string{},
	}
}

func testDeletion(t *testing.T, newHarness HarnessMaker) {
	t.Run("InsertProcess/ThenGetReturnsItUnchanged", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		p := newDeletionProcess(newAddress(), at(0))
		p.GracePeriodReminder1SentAt = ptr(at(time.Hour))
		mustInsertProcess(ctx, t, st, p)
		got, err := st.Deletion().GetProcess(ctx, p.ID)
		require.NoError(t, err)
		require.Equal(t, p, got)
		requireUTC(t, "GetProcess", &got.CreatedAt, got.GracePeriodEndsAt)
	})

	t.Run("GetProcess/UnknownIDIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		_, err := st.Deletion().GetProcess(ctx, newID("IDP"))
		require.ErrorIs(t, err, driver.ErrNotFound)
	})

	t.Run("InsertProcess/SecondOpenProcessOfAnIdentityIsErrConflict", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		a := newAddress()
		first := mustInsertProcess(ctx, t, st, newDeletionProcess(a, at(0)))
		err := st.Deletion().InsertProcess(ctx, newDeletionProcess(a, at(time.Minute)))
		require.ErrorIs(t, err, driver.ErrConflict, "an identity has at most one Active or Deleting process")
		first.Status, first.CancelledAt, first.GracePeriodEndsAt = driver.DeletionProcessCancelled, ptr(at(time.Second)), nil
		require.NoError(t, st.Deletion().UpdateProcess(ctx, first))
		mustInsertProcess(ctx, t, st, newDeletionProcess(a, at(2*time.Minute)))
	})

	t.Run("UpdateProcess/ReplacesTheMutableFields", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		p := mustInsertProcess(ctx, t, st, newDeletionProcess(newAddress(), at(0)))
		p.Status, p.DeletionStartedAt = driver.DeletionProcessDeleting, ptr(at(time.Hour))
		p.GracePeriodReminder1SentAt, p.GracePeriodReminder2SentAt, p.GracePeriodReminder3SentAt = ptr(at(time.Minute)), ptr(at(2*time.Minute)), ptr(at(3*time.Minute))
		p.CancelledByDevice = newID("DVC")
		require.NoError(t, st.Deletion().UpdateProcess(ctx, p))
		got, err := st.Deletion().GetProcess(ctx, p.ID)
		require.NoError(t, err)
		require.Equal(t, p, got)
		unknown := newDeletionProcess(newAddress(), at(0))
		require.ErrorIs(t, st.Deletion().UpdateProcess(ctx, unknown), driver.ErrNotFound)
	})

	t.Run("ListProcesses/TheIdentitysOldestFirst", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		a := newAddress()
		second := newDeletionProcess(a, at(time.Hour))
		second.Status = driver.DeletionProcessCancelled
		mustInsertProcess(ctx, t, st, second)
		first := newDeletionProcess(a, at(0))
		first.Status = driver.DeletionProcessCancelled
		mustInsertProcess(ctx, t, st, first)
		other := mustInsertProcess(ctx, t, st, newDeletionProcess(newAddress(), at(0)))
		got, err := st.Deletion().ListProcesses(ctx, a)
		require.NoError(t, err)
		require.Equal(t, []driver.DeletionProcess{first, second}, got)
		active, err := st.Deletion().ListProcessesInStatus(ctx, driver.DeletionProcessActive)
		require.NoError(t, err)
		require.Equal(t, []driver.DeletionProcess{other}, active)
	})

	t.Run("DeleteCancelledBefore/OnlyCancelledOnesCancelledBeforeT", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		old := newDeletionProcess(newAddress(), at(0))
		old.Status, old.CancelledAt, old.GracePeriodEndsAt = driver.DeletionProcessCancelled, ptr(at(time.Hour)), nil
		recent := old
		recent.ID, recent.IdentityAddress, recent.CancelledAt = newID("IDP"), newAddress(), ptr(at(3*time.Hour))
		mustInsertProcess(ctx, t, st, old)
		mustInsertProcess(ctx, t, st, recent)
		active := mustInsertProcess(ctx, t, st, newDeletionProcess(newAddress(), at(0)))
		n, err := st.Deletion().DeleteCancelledBefore(ctx, at(2*time.Hour))
		require.NoError(t, err)
		require.Equal(t, 1, n)
		_, err = st.Deletion().GetProcess(ctx, old.ID)
		require.ErrorIs(t, err, driver.ErrNotFound)
		for _, id := range []string{recent.ID, active.ID} {
			_, err = st.Deletion().GetProcess(ctx, id)
			require.NoError(t, err)
		}
	})

	t.Run("AppendAudit/ListedInTimeThenInsertionOrder", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		h := newID("hash")
		p := newID("IDP")
		e1 := newAuditEntry(p, h, at(0), "StartedByOwner")
		e1.NewStatus = ptr(driver.DeletionProcessActive)
		e2 := newAuditEntry(p, h, at(time.Hour), "DataDeleted")
		e2.AdditionalData = map[string]string{"aggregateType": "Files"}
		e3 := newAuditEntry(p, h, at(time.Hour), "DataDeleted")
		e3.AdditionalData = map[string]string{"aggregateType": "Tokens"}
		e4 := newAuditEntry("", h, at(2*time.Hour), "DeletionCompleted")
		e4.OldStatus = ptr(driver.DeletionProcessDeleting)
		require.NoError(t, st.Deletion().AppendAudit(ctx, e2, e3))
		require.NoError(t, st.Deletion().AppendAudit(ctx, e4, e1))
		require.NoError(t, st.Deletion().AppendAudit(ctx, newAuditEntry(p, newID("hash"), at(0), "StartedByOwner")))
		got, err := st.Deletion().ListAudit(ctx, h)
		require.NoError(t, err)
		require.Equal(t, []driver.DeletionAuditEntry{e1, e2, e3, e4}, got)
		got, err = st.Deletion().ListAuditOfProcess(ctx, p)
		require.NoError(t, err)
		require.Len(t, got, 4, "the process's own entries, also those of another address hash")
		require.ErrorIs(t, st.Deletion().AppendAudit(ctx, e1), driver.ErrConflict)
	})

	t.Run("RecordDeletedUsernames/FoundByHashWithTheFirstTime", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		h := newID("hash")
		require.NoError(t, st.Deletion().RecordDeletedUsernames(ctx, h, []string{"u1", "u2"}, at(0)))
		require.NoError(t, st.Deletion().RecordDeletedUsernames(ctx, h, []string{"u2"}, at(time.Hour)))
		got, err := st.Deletion().DeletedAtByUsername(ctx, "u2")
		require.NoError(t, err)
		require.True(t, at(0).Equal(got), "the first record counts")
		_, err = st.Deletion().DeletedAtByUsername(ctx, "u3")
		require.ErrorIs(t, err, driver.ErrNotFound)
	})

	t.Run("DeleteAuditOfDeletedBefore/OnlyOldEntriesOfDeletedIdentities", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		deleted, alive := newID("hash"), newID("hash")
		require.NoError(t, st.Deletion().RecordDeletedUsernames(ctx, deleted, []string{newID("u")}, at(0)))
		require.NoError(t, st.Deletion().AppendAudit(ctx,
			newAuditEntry("", deleted, at(0), "DeletionCompleted"), newAuditEntry("", deleted, at(2*time.Hour), "X"),
			newAuditEntry("", alive, at(0), "StartedByOwner")))
		n, err := st.Deletion().DeleteAuditOfDeletedBefore(ctx, at(time.Hour))
		require.NoError(t, err)
		require.Equal(t, 1, n)
		got, err := st.Deletion().ListAudit(ctx, alive)
		require.NoError(t, err)
		require.Len(t, got, 1, "an identity that still exists keeps its log")
	})

	t.Run("EraseIdentity/RemovesEverythingOfTheIdentityAndNothingElse", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		x := mustInsertIdentity(ctx, t, st, newIdentity())
		y := mustInsertIdentity(ctx, t, st, newIdentity())
		for _, a := range []string{x.Address, y.Address} {
			d := mustInsertDevice(ctx, t, st, newDevice(a))
			mustUpsertPushRegistration(ctx, t, st, newPushRegistration(d))
			c := newChallenge()
			c.CreatedBy = a
			mustInsertChallenge(ctx, t, st, c)
			mustInsertTemplate(ctx, t, st, newTemplate(a))
			mustInsertToken(ctx, t, st, newToken(a))
			mustInsertFile(ctx, t, st, newFile(a))
			mustInsertEvent(ctx, t, st, newExternalEvent(a))
			mustInsertSyncRun(ctx, t, st, newSyncRun(a, d.ID, 0))
			require.NoError(t, st.Datawallets().Insert(ctx, driver.Datawallet{ID: newID("DWL"), Owner: a, Version: 1}))
			mustAppend(ctx, t, st, a, newModification("o"))
			require.NoError(t, st.Identities().UpsertFeatureFlags(ctx, a, map[string]bool{"f": true}))
			mustInsertProcess(ctx, t, st, newDeletionProcess(a, at(0)))
		}
		require.NoError(t, st.Deletion().EraseIdentity(ctx, x.Address))
		_, err := st.Identities().Get(ctx, x.Address)
		require.ErrorIs(t, err, driver.ErrNotFound)
		files, err := st.Deletion().FilesOwnedBy(ctx, x.Address)
		require.NoError(t, err)
		require.Empty(t, files)
		ps, err := st.Deletion().ListProcesses(ctx, x.Address)
		require.NoError(t, err)
		require.Empty(t, ps)
		_, err = st.Datawallets().Get(ctx, x.Address)
		require.ErrorIs(t, err, driver.ErrNotFound)
		_, err = st.SyncRuns().Latest(ctx, x.Address)
		require.ErrorIs(t, err, driver.ErrNotFound)
		devs, n, err := st.Devices().List(ctx, x.Address, nil, driver.PageRequest{Number: 1, Size: 10})
		require.NoError(t, err)
		require.Empty(t, devs)
		require.Zero(t, n)
		flags, err := st.Identities().FeatureFlags(ctx, x.Address)
		require.NoError(t, err)
		require.Empty(t, flags)
		evs, err := st.ExternalEvents().ListDeliverable(ctx, x.Address, 100)
		require.NoError(t, err)
		require.Empty(t, evs)
		// y keeps everything.
		_, err = st.Identities().Get(ctx, y.Address)
		require.NoError(t, err)
		files, err = st.Deletion().FilesOwnedBy(ctx, y.Address)
		require.NoError(t, err)
		require.Len(t, files, 1)
		_, err = st.Datawallets().Get(ctx, y.Address)
		require.NoError(t, err)
		evs, err = st.ExternalEvents().ListDeliverable(ctx, y.Address, 100)
		require.NoError(t, err)
		require.Len(t, evs, 1)
	})

	t.Run("AnonymiseIdentity/ReplacesTheAddressInOthersData", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		x, p, anon := newAddress(), newAddress(), newAddress()
		r := newRelationship(p, x)
		r.Status = driver.RelationshipDeletionProposed
		r.AuditLog[0].CreatedBy = x
		mustInsertRelationship(ctx, t, st, r)
		toP := newMessage(x, p)
		mustInsertMessage(ctx, t, st, toP)
		onlyX := newMessage(anon, x) // sent by an identity deleted earlier
		mustInsertMessage(ctx, t, st, onlyX)
		f := newFile(x)
		f.Owner = p
		mustInsertFile(ctx, t, st, f)
		tpl := newTemplate(p)
		tpl.ForIdentity = x
		mustInsertTemplate(ctx, t, st, tpl)
		mustAllocate(ctx, t, st, tpl.ID, x)
		tok := newToken(p)
		tok.ForIdentity = x
		mustInsertToken(ctx, t, st, tok)
		mustAllocateToken(ctx, t, st, tok.ID, x)
		ev := newExternalEvent(p)
		ev.Type, ev.Payload = "PeerFeatureFlagsChanged", []byte(`{"peerAddress":"`+x+`"}`)
		mustInsertEvent(ctx, t, st, ev)

		require.NoError(t, st.Deletion().AnonymiseIdentity(ctx, x, anon))

		got, err := st.Relationships().Get(ctx, r.ID)
		require.NoError(t, err)
		require.Equal(t, anon, got.To)
		require.Equal(t, anon, got.AuditLog[0].CreatedBy)
		between, err := st.Relationships().Between(ctx, p, anon)
		require.NoError(t, err)
		require.Len(t, between, 1, "the pair is keyed by the new address")
		m, err := st.Messages().Get(ctx, toP.ID)
		require.NoError(t, err)
		require.Equal(t, anon, m.CreatedBy)
		n, err := st.Messages().CountUnreceived(ctx, anon, p)
		require.NoError(t, err)
		require.Equal(t, 1, n, "the recipients' sender follows the message's")
		_, err = st.Messages().Get(ctx, onlyX.ID)
		require.ErrorIs(t, err, driver.ErrNotFound, "a message between anonymous identities only is deleted")
		gf, err := st.Files().Get(ctx, f.ID)
		require.NoError(t, err)
		require.Equal(t, anon, gf.CreatedBy)
		require.Equal(t, p, gf.Owner)
		gt, err := st.RelationshipTemplates().Get(ctx, tpl.ID)
		require.NoError(t, err)
		require.Equal(t, anon, gt.ForIdentity)
		ok, err := st.RelationshipTemplates().IsAllocatedBy(ctx, tpl.ID, anon)
		require.NoError(t, err)
		require.True(t, ok)
		gk, err := st.Tokens().Get(ctx, tok.ID)
		require.NoError(t, err)
		require.Equal(t, anon, gk.ForIdentity)
		ok, err = st.Tokens().IsAllocatedBy(ctx, tok.ID, anon)
		require.NoError(t, err)
		require.True(t, ok)
		evs, err := st.ExternalEvents().ListDeliverable(ctx, p, 100)
		require.NoError(t, err)
		require.Len(t, evs, 1)
		require.JSONEq(t, `{"peerAddress":"`+anon+`"}`, string(evs[0].Payload))
	})

	t.Run("DeleteTokensExpiredBefore/WithAllocations", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		old := newToken(newAddress())
		old.ExpiresAt = at(0)
		mustInsertToken(ctx, t, st, old)
		mustAllocateToken(ctx, t, st, old.ID, newAddress())
		fresh := mustInsertToken(ctx, t, st, newToken(newAddress()))
		n, err := st.Deletion().DeleteTokensExpiredBefore(ctx, at(time.Minute))
		require.NoError(t, err)
		require.Equal(t, 1, n)
		_, err = st.Tokens().Get(ctx, old.ID)
		require.ErrorIs(t, err, driver.ErrNotFound)
		_, err = st.Tokens().Get(ctx, fresh.ID)
		require.NoError(t, err)
	})

	t.Run("DeleteTemplatesExpiredBefore/OnlyThoseWithoutRelationships", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		used, unused := newTemplate(newAddress()), newTemplate(newAddress())
		used.ExpiresAt, unused.ExpiresAt = ptr(at(0)), ptr(at(0))
		mustInsertTemplate(ctx, t, st, used)
		mustInsertTemplate(ctx, t, st, unused)
		r := newRelationship(newAddress(), used.CreatedBy)
		r.TemplateID = used.ID
		mustInsertRelationship(ctx, t, st, r)
		n, err := st.Deletion().DeleteTemplatesExpiredBefore(ctx, at(time.Minute))
		require.NoError(t, err)
		require.Equal(t, 1, n)
		_, err = st.RelationshipTemplates().Get(ctx, unused.ID)
		require.ErrorIs(t, err, driver.ErrNotFound)
		_, err = st.RelationshipTemplates().Get(ctx, used.ID)
		require.NoError(t, err)
	})

	t.Run("DeleteRelationshipsReadyForDeletionBefore/CountsFromTheEntryThatSetIt", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		mk := func(when time.Time) driver.Relationship {
			r := newRelationship(newAddress(), newAddress())
			r = withStatus(r, driver.RelationshipRejected, driver.AuditRejectionOfCreation, at(time.Minute))
			r = withStatus(r, driver.RelationshipDeletionProposed, driver.AuditDecomposition, at(2*time.Minute))
			r = withStatus(r, driver.RelationshipReadyForDeletion, driver.AuditDecomposition, when)
			return mustInsertRelationship(ctx, t, st, r)
		}
		old, recent := mk(at(time.Hour)), mk(at(3*time.Hour))
		n, err := st.Deletion().DeleteRelationshipsReadyForDeletionBefore(ctx, at(2*time.Hour))
		require.NoError(t, err)
		require.Equal(t, 1, n)
		_, err = st.Relationships().Get(ctx, old.ID)
		require.ErrorIs(t, err, driver.ErrNotFound)
		_, err = st.Relationships().Get(ctx, recent.ID)
		require.NoError(t, err)
	})

	t.Run("DeleteFilesExpiredBefore/ReturnsTheirIDs", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		old, fresh := newFile(newAddress()), newFile(newAddress())
		old.ExpiresAt = at(0)
		mustInsertFile(ctx, t, st, old)
		mustInsertFile(ctx, t, st, fresh)
		ids, err := st.Deletion().DeleteFilesExpiredBefore(ctx, at(time.Minute))
		require.NoError(t, err)
		require.Equal(t, []string{old.ID}, ids)
		ok, err := st.Deletion().FileExists(ctx, old.ID)
		require.NoError(t, err)
		require.False(t, ok)
		ok, err = st.Deletion().FileExists(ctx, fresh.ID)
		require.NoError(t, err)
		require.True(t, ok)
	})

	t.Run("DeleteEventsOfDeletedIdentities/OnlyThoseWithoutOwner", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		owner := mustInsertIdentity(ctx, t, st, newIdentity())
		kept := mustInsertEvent(ctx, t, st, newExternalEvent(owner.Address))
		mustInsertEvent(ctx, t, st, newExternalEvent(newAddress()))
		n, err := st.Deletion().DeleteEventsOfDeletedIdentities(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		evs, err := st.ExternalEvents().ListDeliverable(ctx, owner.Address, 100)
		require.NoError(t, err)
		require.Len(t, evs, 1)
		require.Equal(t, kept.ID, evs[0].ID)
	})

	t.Run("DeleteSupersededModificationsBefore/KeepsCurrentOnes", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		a := newAddress()
		require.NoError(t, st.Datawallets().Insert(ctx, driver.Datawallet{ID: newID("DWL"), Owner: a, Version: 1}))
		mustAppend(ctx, t, st, a, newModification("o"))
		mustAppend(ctx, t, st, a, newModification("o"))
		n, err := st.Deletion().DeleteSupersededModificationsBefore(ctx, at(time.Hour))
		require.NoError(t, err)
		require.Equal(t, 1, n)
		mods, total, err := st.Datawallets().ListModifications(ctx, a, -1, driver.PageRequest{Number: 1, Size: 10})
		require.NoError(t, err)
		require.Equal(t, 1, total)
		require.Len(t, mods, 1)
	})
}
