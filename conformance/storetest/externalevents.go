package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

func testExternalEvents(t *testing.T, newHarness HarnessMaker) {
	t.Run("Insert/AssignsIndexesFromZeroPerOwner", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		a, b := newAddress(), newAddress()
		for i, owner := range []string{a, b, a, a, b} {
			e := newExternalEvent(owner)
			e.Index = 99 // Insert assigns the index, whatever the caller sets
			got, err := st.ExternalEvents().Insert(ctx, e)
			require.NoError(t, err)
			want := map[int]int64{0: 0, 1: 0, 2: 1, 3: 2, 4: 1}[i]
			require.Equal(t, want, got.Index, "Insert must number each owner's events 0, 1, 2, … independently of other owners")
			e.Index = want
			require.Equal(t, e, got, "Insert must return the event as stored, with its Index")
		}
	})

	t.Run("Insert/ThenReadBackUnchanged", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		owner := newAddress()
		e := newExternalEvent(owner)
		e.Type = "RelationshipStatusChanged"
		e.Payload = []byte(`{"relationshipId":"REL00000000000000001","nested":{"a":[1,2]}}`)
		e.Context = newID("REL")
		e.SyncErrorCount = 2
		e.CreatedAt = time.Date(2030, 12, 31, 23, 59, 59, 999_000_000, otherZone)
		want := mustInsertEvent(ctx, t, st, e)
		got, err := st.ExternalEvents().ListDeliverable(ctx, owner, 3)
		require.NoError(t, err)
		require.Len(t, got, 1)
		requireUTC(t, "ListDeliverable", &got[0].CreatedAt)
		want.CreatedAt = want.CreatedAt.UTC()
		require.Equal(t, want, got[0], "an inserted event must read back unchanged, its payload byte for byte and CreatedAt as the same instant")

		blocked := newExternalEvent(owner)
		blocked.IsDeliveryBlocked = true
		blocked = mustInsertEvent(ctx, t, st, blocked)
		run := mustInsertSyncRun(ctx, t, st, newSyncRun(owner, newID("DVC"), 0))
		require.NoError(t, st.ExternalEvents().AssignToSyncRun(ctx, []string{blocked.ID}, run.ID))
		all, err := st.ExternalEvents().AllBySyncRun(ctx, run.ID)
		require.NoError(t, err)
		blocked.SyncRunID = run.ID
		require.Equal(t, []driver.ExternalEvent{blocked}, all, "IsDeliveryBlocked must round-trip")
	})

	t.Run("Insert/DuplicateIDIsErrConflict", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		owner := newAddress()
		first := mustInsertEvent(ctx, t, st, newExternalEvent(owner))
		dup := newExternalEvent(owner)
		dup.ID = first.ID
		_, err := st.ExternalEvents().Insert(ctx, dup)
		require.ErrorIs(t, err, driver.ErrConflict, "Insert with an existing event ID (a redelivered domain event) must return ErrConflict")
		next := mustInsertEvent(ctx, t, st, newExternalEvent(owner))
		require.Equal(t, int64(1), next.Index, "a rejected Insert must not use up an index")
		got, err := st.ExternalEvents().ListDeliverable(ctx, owner, 3)
		require.NoError(t, err)
		require.Equal(t, []driver.ExternalEvent{first, next}, got, "a rejected Insert must store nothing and leave the existing event unchanged")
	})

	t.Run("Insert/DuplicateIDInTxLeavesTheTxUsable", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		owner := newAddress()
		first := mustInsertEvent(ctx, t, st, newExternalEvent(owner))
		var next driver.ExternalEvent
		err := st.InTx(ctx, func(tx driver.Tx) error {
			dup := newExternalEvent(owner)
			dup.ID = first.ID
			if _, err := tx.ExternalEvents().Insert(ctx, dup); !errors.Is(err, driver.ErrConflict) {
				return errors.Join(errors.New("want ErrConflict"), err)
			}
			var err error
			next, err = tx.ExternalEvents().Insert(ctx, newExternalEvent(owner))
			return err
		})
		require.NoError(t, err, "after ErrConflict from Insert (a redelivered event), the transaction must stay usable and commit")
		got, err := st.ExternalEvents().ListDeliverable(ctx, owner, 3)
		require.NoError(t, err)
		require.Equal(t, []driver.ExternalEvent{first, next}, got, "the insert made after ErrConflict must be committed with the next index")
	})

	t.Run("Insert/ConcurrentInsertsInTxNeverShareOrSkipAnIndex", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		owner, other := newAddress(), newAddress()
		const workers, each = 6, 4
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			indexes = map[string][]int64{}
			failed  int
		)
		for w := range workers {
			wg.Go(func() {
				for range each {
					// Each in a transaction of its own, as services insert
					// events; half of the workers write another owner's.
					e := newExternalEvent(owner)
					if w%2 == 1 {
						e.Owner = other
					}
					err := st.InTx(ctx, func(tx driver.Tx) error {
						got, err := tx.ExternalEvents().Insert(ctx, e)
						e.Index = got.Index
						return err
					})
					mu.Lock()
					if err == nil {
						indexes[e.Owner] = append(indexes[e.Owner], e.Index)
					} else {
						failed++
						t.Logf("a concurrent insert failed after the store's retries: %v", err)
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		require.Less(t, failed, workers*each/2, "most concurrent inserts must commit (the store retries what it must)")
		for _, o := range []string{owner, other} {
			requireGapFree(t, "concurrent inserts that commit", indexes[o])
			got, err := st.ExternalEvents().ListDeliverable(ctx, o, 3)
			require.NoError(t, err)
			require.Len(t, got, len(indexes[o]), "every committed insert, and no other, must be stored")
		}
	})

	t.Run("Insert/ConcurrentInsertsOutsideTxNeverShareOrSkipAnIndex", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		owner := newAddress()
		const n = 12
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			indexes []int64
		)
		for range n {
			wg.Go(func() {
				got, err := st.ExternalEvents().Insert(ctx, newExternalEvent(owner))
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					indexes = append(indexes, got.Index)
				} else {
					t.Logf("a concurrent insert failed after the store's retries: %v", err)
				}
			})
		}
		wg.Wait()
		require.NotEmpty(t, indexes)
		requireGapFree(t, "concurrent inserts on the Store", indexes)
	})

	t.Run("ListDeliverable/ReturnsUnsyncedUnblockedEventsWithFewerErrorsByIndex", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		owner := newAddress()
		run := mustInsertSyncRun(ctx, t, st, newSyncRun(owner, newID("DVC"), 0))
		var want []driver.ExternalEvent
		for i, kind := range []string{"ok", "synced", "blocked", "errors1", "errors2", "errors3", "errors4", "ok"} {
			e := newExternalEvent(owner)
			e.CreatedAt = at(-time.Duration(i) * time.Minute) // against index order
			switch kind {
			case "blocked":
				e.IsDeliveryBlocked = true
			case "errors1", "errors2", "errors3", "errors4":
				e.SyncErrorCount = int(kind[6] - '0')
			}
			e = mustInsertEvent(ctx, t, st, e)
			if kind == "synced" {
				require.NoError(t, st.ExternalEvents().AssignToSyncRun(ctx, []string{e.ID}, run.ID))
			}
			if kind == "ok" || kind == "errors1" || kind == "errors2" {
				want = append(want, e)
			}
		}
		mustInsertEvent(ctx, t, st, newExternalEvent(newAddress()))
		got, err := st.ExternalEvents().ListDeliverable(ctx, owner, 3)
		require.NoError(t, err)
		require.Equal(t, want, got, "ListDeliverable must return the owner's unsynced, unblocked events with fewer than maxErrors errors, by Index")

		got, err = st.ExternalEvents().ListDeliverable(ctx, owner, 1)
		require.NoError(t, err)
		require.Equal(t, []driver.ExternalEvent{want[0], want[3]}, got, "maxErrors bounds SyncErrorCount: with 1, only events without errors")
	})

	t.Run("ListDeliverable/OwnerWithoutEventsIsEmpty", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		mustInsertEvent(ctx, t, st, newExternalEvent(newAddress()))
		got, err := st.ExternalEvents().ListDeliverable(ctx, newAddress(), 3)
		require.NoError(t, err, "ListDeliverable of an owner without events is not an error")
		require.Empty(t, got)
	})

	t.Run("AssignToSyncRun/SetsTheRunOfThoseEventsOnly", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		owner := newAddress()
		run := mustInsertSyncRun(ctx, t, st, newSyncRun(owner, newID("DVC"), 0))
		var events []driver.ExternalEvent
		for range 4 {
			events = append(events, mustInsertEvent(ctx, t, st, newExternalEvent(owner)))
		}
		require.NoError(t, st.ExternalEvents().AssignToSyncRun(ctx, []string{events[2].ID, events[0].ID}, run.ID))
		got, err := st.ExternalEvents().AllBySyncRun(ctx, run.ID)
		require.NoError(t, err)
		events[0].SyncRunID, events[2].SyncRunID = run.ID, run.ID
		require.Equal(t, []driver.ExternalEvent{events[0], events[2]}, got, "AssignToSyncRun must set SyncRunID of the events with the IDs")
		rest, err := st.ExternalEvents().ListDeliverable(ctx, owner, 3)
		require.NoError(t, err)
		require.Equal(t, []driver.ExternalEvent{events[1], events[3]}, rest, "AssignToSyncRun must leave the other events unsynced")
	})

	t.Run("AssignToSyncRun/ManyEvents", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		owner := newAddress()
		run := mustInsertSyncRun(ctx, t, st, newSyncRun(owner, newID("DVC"), 0))
		const n = 1200 // beyond what one statement may list on some databases
		err := st.InTx(ctx, func(tx driver.Tx) error {
			for range n {
				if _, err := tx.ExternalEvents().Insert(ctx, newExternalEvent(owner)); err != nil {
					return err
				}
			}
			return nil
		})
		require.NoError(t, err, "fixture: insert events")
		events, err := st.ExternalEvents().ListDeliverable(ctx, owner, 3)
		require.NoError(t, err)
		require.Len(t, events, n, "ListDeliverable has no cap")
		ids := make([]string, len(events))
		for i, e := range events {
			ids[i] = e.ID
		}
		require.NoError(t, st.ExternalEvents().AssignToSyncRun(ctx, ids, run.ID))
		_, total, err := st.ExternalEvents().ListBySyncRun(ctx, run.ID, driver.PageRequest{Number: 1, Size: 1})
		require.NoError(t, err)
		require.Equal(t, n, total, "AssignToSyncRun must assign every event it is given")
		require.NoError(t, st.ExternalEvents().RecordSyncErrors(ctx, ids))
		events, err = st.ExternalEvents().ListDeliverable(ctx, owner, 3)
		require.NoError(t, err)
		require.Len(t, events, n, "RecordSyncErrors must unassign every event it is given")
		require.Equal(t, 1, events[n-1].SyncErrorCount)
	})

	t.Run("ListBySyncRun/PagesByIndexWithTheTotal", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		owner := newAddress()
		run := mustInsertSyncRun(ctx, t, st, newSyncRun(owner, newID("DVC"), 0))
		other := mustInsertSyncRun(ctx, t, st, newSyncRun(owner, newID("DVC"), 1))
		var all, ids []string
		for i := range 8 {
			e := mustInsertEvent(ctx, t, st, newExternalEvent(owner))
			if i == 3 {
				require.NoError(t, st.ExternalEvents().AssignToSyncRun(ctx, []string{e.ID}, other.ID))
				continue
			}
			all, ids = append(all, e.ID), append([]string{e.ID}, ids...)
		}
		require.NoError(t, st.ExternalEvents().AssignToSyncRun(ctx, ids, run.ID))
		for _, tc := range []struct {
			page driver.PageRequest
			want []string
		}{
			{driver.PageRequest{Number: 1, Size: 3}, all[0:3]},
			{driver.PageRequest{Number: 2, Size: 3}, all[3:6]},
			{driver.PageRequest{Number: 3, Size: 3}, all[6:7]},
			{driver.PageRequest{Number: 1, Size: 50}, all},
			{driver.PageRequest{Number: 4, Size: 3}, []string{}},
		} {
			got, total, err := st.ExternalEvents().ListBySyncRun(ctx, run.ID, tc.page)
			require.NoError(t, err)
			require.Equal(t, len(all), total, "page %+v: the total must count all of the run's events, not the page", tc.page)
			require.Equal(t, tc.want, eventIDs(got), "page %+v must hold the run's events at offset (Number-1)×Size, by Index", tc.page)
		}
	})

	t.Run("ListBySyncRun/UnknownRunIsEmpty", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		mustInsertEvent(ctx, t, st, newExternalEvent(newAddress()))
		got, total, err := st.ExternalEvents().ListBySyncRun(ctx, newID("SYR"), driver.PageRequest{Number: 1, Size: 10})
		require.NoError(t, err, "ListBySyncRun of a run without events is not an error")
		require.Empty(t, got)
		require.Zero(t, total)
		all, err := st.ExternalEvents().AllBySyncRun(ctx, newID("SYR"))
		require.NoError(t, err, "AllBySyncRun of a run without events is not an error")
		require.Empty(t, all)
	})

	t.Run("AllBySyncRun/ReturnsEveryEventOfTheRunByIndex", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		owner := newAddress()
		run := mustInsertSyncRun(ctx, t, st, newSyncRun(owner, newID("DVC"), 0))
		var want []driver.ExternalEvent
		var reversed []string
		for range 60 {
			e := mustInsertEvent(ctx, t, st, newExternalEvent(owner))
			e.SyncRunID = run.ID
			want, reversed = append(want, e), append([]string{e.ID}, reversed...)
		}
		mustInsertEvent(ctx, t, st, newExternalEvent(owner))
		require.NoError(t, st.ExternalEvents().AssignToSyncRun(ctx, reversed, run.ID))
		got, err := st.ExternalEvents().AllBySyncRun(ctx, run.ID)
		require.NoError(t, err)
		require.Equal(t, want, got, "AllBySyncRun must return every event of the run, by Index")
	})

	t.Run("RecordSyncErrors/UnassignsAndAddsOne", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		owner := newAddress()
		run := mustInsertSyncRun(ctx, t, st, newSyncRun(owner, newID("DVC"), 0))
		failed := mustInsertEvent(ctx, t, st, newExternalEvent(owner))
		synced := mustInsertEvent(ctx, t, st, newExternalEvent(owner))
		untouched := mustInsertEvent(ctx, t, st, newExternalEvent(owner))
		require.NoError(t, st.ExternalEvents().AssignToSyncRun(ctx, []string{failed.ID, synced.ID}, run.ID))

		require.NoError(t, st.ExternalEvents().RecordSyncErrors(ctx, []string{failed.ID}))
		failed.SyncErrorCount = 1
		got, err := st.ExternalEvents().ListDeliverable(ctx, owner, 3)
		require.NoError(t, err)
		require.Equal(t, []driver.ExternalEvent{failed, untouched}, got, "RecordSyncErrors must unassign the event and add one to its SyncErrorCount, and touch no other event")
		all, err := st.ExternalEvents().AllBySyncRun(ctx, run.ID)
		require.NoError(t, err)
		synced.SyncRunID = run.ID
		require.Equal(t, []driver.ExternalEvent{synced}, all, "RecordSyncErrors must leave the run's other events assigned")

		require.NoError(t, st.ExternalEvents().RecordSyncErrors(ctx, []string{failed.ID, untouched.ID}))
		failed.SyncErrorCount, untouched.SyncErrorCount = 2, 1
		got, err = st.ExternalEvents().ListDeliverable(ctx, owner, 3)
		require.NoError(t, err)
		require.Equal(t, []driver.ExternalEvent{failed, untouched}, got, "each RecordSyncErrors adds one, also to unsynced events")
	})

	t.Run("HasUnsyncedWithoutErrors/OnlyUnsyncedUnblockedEventsWithoutErrorsCount", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		owner := newAddress()
		run := mustInsertSyncRun(ctx, t, st, newSyncRun(owner, newID("DVC"), 0))
		has := func(rule string, want bool) {
			t.Helper()
			got, err := st.ExternalEvents().HasUnsyncedWithoutErrors(ctx, owner)
			require.NoError(t, err)
			require.Equal(t, want, got, rule)
		}
		has("an owner without events has none", false)
		synced := mustInsertEvent(ctx, t, st, newExternalEvent(owner))
		require.NoError(t, st.ExternalEvents().AssignToSyncRun(ctx, []string{synced.ID}, run.ID))
		blocked := newExternalEvent(owner)
		blocked.IsDeliveryBlocked = true
		mustInsertEvent(ctx, t, st, blocked)
		withError := newExternalEvent(owner)
		withError.SyncErrorCount = 1
		mustInsertEvent(ctx, t, st, withError)
		mustInsertEvent(ctx, t, st, newExternalEvent(newAddress()))
		has("synced or blocked events, events with errors and other owners' events do not count", false)
		mustInsertEvent(ctx, t, st, newExternalEvent(owner))
		has("an unsynced, unblocked event without errors counts", true)
	})

	t.Run("SetBlockedByContext/SetsTheOwnersEventsOfTheTypeWithTheContext", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		owner, rel := newAddress(), newID("REL")
		run := mustInsertSyncRun(ctx, t, st, newSyncRun(owner, newID("DVC"), 0))
		mk := func(owner, typ, context string) driver.ExternalEvent {
			e := newExternalEvent(owner)
			e.Type, e.Context = typ, context
			return mustInsertEvent(ctx, t, st, e)
		}
		match := mk(owner, "MessageReceived", rel)
		matchSynced := mk(owner, "MessageReceived", rel)
		require.NoError(t, st.ExternalEvents().AssignToSyncRun(ctx, []string{matchSynced.ID}, run.ID))
		matchSynced.SyncRunID = run.ID
		others := []driver.ExternalEvent{
			mk(owner, "RelationshipStatusChanged", rel),
			mk(owner, "MessageReceived", newID("REL")),
			mk(owner, "MessageReceived", ""),
			mk(newAddress(), "MessageReceived", rel),
		}
		require.NoError(t, st.ExternalEvents().SetBlockedByContext(ctx, owner, "MessageReceived", rel, true))
		match.IsDeliveryBlocked, matchSynced.IsDeliveryBlocked = true, true
		requireEvents(ctx, t, st, "SetBlockedByContext(true) must block the owner's events of the type with the context, synced or not, and no others",
			append([]driver.ExternalEvent{match, matchSynced}, others...))

		require.NoError(t, st.ExternalEvents().SetBlockedByContext(ctx, owner, "MessageReceived", rel, false))
		match.IsDeliveryBlocked, matchSynced.IsDeliveryBlocked = false, false
		requireEvents(ctx, t, st, "SetBlockedByContext(false) must unblock them", append([]driver.ExternalEvent{match, matchSynced}, others...))
	})

	t.Run("DeleteUnsyncedByContext/RemovesTheOwnersUnsyncedEventsWithTheContext", func(t *testing.T) {
		t.Parallel()
		for _, onlyBlocked := range []bool{false, true} {
			ctx, st := newStore(t, newHarness)
			owner, rel := newAddress(), newID("REL")
			run := mustInsertSyncRun(ctx, t, st, newSyncRun(owner, newID("DVC"), 0))
			mk := func(owner, context string, blocked bool) driver.ExternalEvent {
				e := newExternalEvent(owner)
				e.Context, e.IsDeliveryBlocked = context, blocked
				e.Type = "RelationshipStatusChanged"
				return mustInsertEvent(ctx, t, st, e)
			}
			unblocked := mk(owner, rel, false)
			blocked := mk(owner, rel, true)
			synced := mk(owner, rel, true)
			require.NoError(t, st.ExternalEvents().AssignToSyncRun(ctx, []string{synced.ID}, run.ID))
			synced.SyncRunID = run.ID
			kept := []driver.ExternalEvent{synced, mk(owner, newID("REL"), true), mk(owner, "", true), mk(newAddress(), rel, true)}
			if onlyBlocked {
				kept = append(kept, unblocked)
			}
			require.NoError(t, st.ExternalEvents().DeleteUnsyncedByContext(ctx, owner, rel, onlyBlocked))
			requireEvents(ctx, t, st, "DeleteUnsyncedByContext must remove the owner's unsynced events with the context (with onlyBlocked, the blocked ones) and no others", kept)
			for _, e := range []driver.ExternalEvent{unblocked, blocked} {
				if onlyBlocked && e.ID == unblocked.ID {
					continue
				}
				requireNoEvent(ctx, t, st, e, "DeleteUnsyncedByContext must remove the event")
			}
		}
	})
}

// requireEvents fails unless each event reads back as given.
func requireEvents(ctx context.Context, t testing.TB, st driver.Store, rule string, events []driver.ExternalEvent) {
	t.Helper()
	for _, want := range events {
		got, ok := findEvent(ctx, t, st, want)
		require.True(t, ok, "%s: event %s is missing", rule, want.ID)
		require.Equal(t, want, got, rule)
	}
}

func requireNoEvent(ctx context.Context, t testing.TB, st driver.Store, e driver.ExternalEvent, rule string) {
	t.Helper()
	_, ok := findEvent(ctx, t, st, e)
	require.False(t, ok, "%s: event %s must be gone", rule, e.ID)
}

// errPeek rolls back the transaction findEvent looks through.
var errPeek = errors.New("storetest: peek done")

// findEvent reads the event with e's ID: through its run if e is assigned
// to one; otherwise, since no method lists blocked unsynced events, by
// assigning it to a scratch run in a transaction that is rolled back.
func findEvent(ctx context.Context, t testing.TB, st driver.Store, e driver.ExternalEvent) (driver.ExternalEvent, bool) {
	t.Helper()
	var found []driver.ExternalEvent
	if e.SyncRunID != "" {
		all, err := st.ExternalEvents().AllBySyncRun(ctx, e.SyncRunID)
		require.NoError(t, err)
		found = all
	} else {
		scratch := newID("SYR")
		err := st.InTx(ctx, func(tx driver.Tx) error {
			if err := tx.ExternalEvents().AssignToSyncRun(ctx, []string{e.ID}, scratch); err != nil {
				return err
			}
			all, err := tx.ExternalEvents().AllBySyncRun(ctx, scratch)
			for i := range all {
				all[i].SyncRunID = ""
			}
			found = all
			return errors.Join(err, errPeek)
		})
		require.ErrorIs(t, err, errPeek)
	}
	for _, c := range found {
		if c.ID == e.ID {
			return c, true
		}
	}
	return driver.ExternalEvent{}, false
}

// eventIDs lists the events' IDs, for readable failure messages.
func eventIDs(es []driver.ExternalEvent) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}
