package storetest

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// openStatuses are those of which a pair may have one relationship at most.
var openStatuses = []driver.RelationshipStatus{driver.RelationshipPending, driver.RelationshipActive, driver.RelationshipTerminated}

// closedStatuses are the others.
var closedStatuses = []driver.RelationshipStatus{
	driver.RelationshipRejected, driver.RelationshipRevoked, driver.RelationshipDeletionProposed, driver.RelationshipReadyForDeletion,
}

func testRelationships(t *testing.T, newHarness HarnessMaker) {
	t.Run("Insert/ThenGetReturnsItUnchanged", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		want := withStatus(newRelationship(newAddress(), newAddress()), driver.RelationshipActive, driver.AuditAcceptanceOfCreation, at(time.Minute))
		want.CreationResponseContent = []byte("\x00response\xff")
		want.FromHasDecomposed, want.ToHasDecomposed = true, true
		mustInsertRelationship(ctx, t, st, want)
		got, err := st.Relationships().Get(ctx, want.ID)
		require.NoError(t, err, "Get of an inserted relationship must succeed")
		require.Equal(t, want, got, "Get must return the relationship with its audit log as inserted")
	})

	t.Run("Insert/OptionalFieldsRoundTrip", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		want := newRelationship(newAddress(), newAddress())
		want.TemplateID = ""
		want.CreationContent = nil
		want.AuditLog[0].CreatedByDevice = ""
		mustInsertRelationship(ctx, t, st, want)
		got, err := st.Relationships().Get(ctx, want.ID)
		require.NoError(t, err)
		require.Empty(t, got.TemplateID, "an empty TemplateID must come back empty")
		require.Nil(t, got.CreationContent, "a nil CreationContent must come back nil")
		require.Nil(t, got.CreationResponseContent, "a nil CreationResponseContent must come back nil")
		require.Empty(t, got.AuditLog[0].CreatedByDevice, "an empty CreatedByDevice of an audit entry must come back empty")
		require.Nil(t, got.AuditLog[0].OldStatus, "the nil OldStatus of the Creation entry must come back nil")
		require.Equal(t, want, got)
	})

	t.Run("Insert/EmptyContentsComeBackEmptyNotNil", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		want := newRelationship(newAddress(), newAddress())
		want.CreationContent = []byte{}
		want.CreationResponseContent = []byte{}
		mustInsertRelationship(ctx, t, st, want)
		got, err := st.Relationships().Get(ctx, want.ID)
		require.NoError(t, err)
		require.NotNil(t, got.CreationContent, "an empty, non-nil CreationContent must come back non-nil")
		require.Empty(t, got.CreationContent)
		require.NotNil(t, got.CreationResponseContent, "an empty, non-nil CreationResponseContent must come back non-nil")
		require.Empty(t, got.CreationResponseContent)
	})

	t.Run("Insert/DuplicateIDIsErrConflict", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		first := mustInsertRelationship(ctx, t, st, newRelationship(newAddress(), newAddress()))
		dup := newRelationship(newAddress(), newAddress())
		dup.ID = first.ID
		require.ErrorIs(t, st.Relationships().Insert(ctx, dup), driver.ErrConflict, "Insert with an existing relationship ID must return ErrConflict")
		got, err := st.Relationships().Get(ctx, first.ID)
		require.NoError(t, err)
		require.Equal(t, first, got, "a rejected Insert must leave the existing relationship and its audit log unchanged")
	})

	t.Run("Insert/SecondOpenRelationshipOfAPairIsErrConflict", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		for _, existing := range openStatuses {
			for _, status := range openStatuses {
				for _, reversed := range []bool{false, true} {
					a, b := newAddress(), newAddress()
					first := newRelationship(a, b)
					first.Status = existing
					mustInsertRelationship(ctx, t, st, first)
					second := newRelationship(a, b)
					if reversed {
						second = newRelationship(b, a)
					}
					second.Status = status
					require.ErrorIs(t, st.Relationships().Insert(ctx, second), driver.ErrConflict,
						"Insert of a relationship in status %d must return ErrConflict while the pair has one in status %d (reversed: %v)", status, existing, reversed)
					_, err := st.Relationships().Get(ctx, second.ID)
					require.ErrorIs(t, err, driver.ErrNotFound, "a rejected Insert must store nothing")
					between, err := st.Relationships().Between(ctx, a, b)
					require.NoError(t, err)
					require.Equal(t, []driver.Relationship{first}, between, "a rejected Insert must store no audit entries either")
				}
			}
		}
	})

	t.Run("Insert/ClosedRelationshipsDoNotBlockThePair", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		a, b := newAddress(), newAddress()
		for i, status := range closedStatuses {
			r := newRelationship(a, b)
			if i%2 == 1 {
				r = newRelationship(b, a)
			}
			r.Status = status
			require.NoError(t, st.Relationships().Insert(ctx, r), "relationships in status %d must not block each other", status)
		}
		require.NoError(t, st.Relationships().Insert(ctx, newRelationship(b, a)),
			"relationships in status Rejected, Revoked, DeletionProposed or ReadyForDeletion must not block a Pending one")
		closed := newRelationship(a, b)
		closed.Status = driver.RelationshipRejected
		require.NoError(t, st.Relationships().Insert(ctx, closed), "a closed relationship may be inserted beside an open one")
	})

	t.Run("Insert/OtherPairsDoNotBlock", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		a, b, c := newAddress(), newAddress(), newAddress()
		mustInsertRelationship(ctx, t, st, newRelationship(a, b))
		require.NoError(t, st.Relationships().Insert(ctx, newRelationship(a, c)), "an identity may have open relationships with several others")
		require.NoError(t, st.Relationships().Insert(ctx, newRelationship(c, b)), "an identity may have open relationships with several others")
	})

	t.Run("Insert/ErrConflictLeavesTheTxUsable", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		a, b := newAddress(), newAddress()
		first := mustInsertRelationship(ctx, t, st, newRelationship(a, b))
		next := newRelationship(a, newAddress())
		err := st.InTx(ctx, func(tx driver.Tx) error {
			if err := tx.Relationships().Insert(ctx, newRelationship(b, a)); !errors.Is(err, driver.ErrConflict) {
				return errors.Join(errors.New("want ErrConflict for the pair"), err)
			}
			dup := newRelationship(newAddress(), newAddress())
			dup.ID = first.ID
			if err := tx.Relationships().Insert(ctx, dup); !errors.Is(err, driver.ErrConflict) {
				return errors.Join(errors.New("want ErrConflict for the ID"), err)
			}
			return tx.Relationships().Insert(ctx, next)
		})
		require.NoError(t, err, "after ErrConflict from Insert, the transaction must stay usable and commit")
		got, err := st.Relationships().Get(ctx, next.ID)
		require.NoError(t, err)
		require.Equal(t, next, got, "the write made after ErrConflict must be committed")
	})

	t.Run("Insert/ConcurrentInsertsOfAPairOneWins", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		a, b := newAddress(), newAddress()
		const inserts = 6
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			winners []string
		)
		for i := range inserts {
			wg.Go(func() {
				r := newRelationship(a, b)
				if i%2 == 1 {
					r = newRelationship(b, a)
				}
				// What creating a relationship does: look at the pair's
				// relationships, then insert.
				err := st.InTx(ctx, func(tx driver.Tx) error {
					if _, err := tx.Relationships().Between(ctx, a, b); err != nil {
						return err
					}
					return tx.Relationships().Insert(ctx, r)
				})
				switch {
				case err == nil:
					mu.Lock()
					winners = append(winners, r.ID)
					mu.Unlock()
				case !errors.Is(err, driver.ErrConflict):
					t.Errorf("a concurrent insert of the pair must succeed or return ErrConflict, got %v", err)
				}
			})
		}
		wg.Wait()
		require.Len(t, winners, 1, "exactly one of the concurrent inserts of a pair must commit")
		between, err := st.Relationships().Between(ctx, a, b)
		require.NoError(t, err)
		require.Equal(t, winners, relationshipIDs(between), "only the committed relationship must be stored")
	})

	t.Run("Get/UnknownIDIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		mustInsertRelationship(ctx, t, st, newRelationship(newAddress(), newAddress()))
		_, err := st.Relationships().Get(ctx, newID("REL"))
		require.ErrorIs(t, err, driver.ErrNotFound, "Get of an unknown relationship ID must return ErrNotFound")
	})

	t.Run("Get/TimesRoundTripAsTheSameInstantInUTC", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		r := newRelationship(newAddress(), newAddress())
		r.CreatedAt = time.Date(2030, 12, 31, 23, 59, 59, 999_000_000, otherZone)
		r.AuditLog[0].CreatedAt = r.CreatedAt
		mustInsertRelationship(ctx, t, st, r)
		got, err := st.Relationships().Get(ctx, r.ID)
		require.NoError(t, err)
		requireUTC(t, "Get", &got.CreatedAt, &got.AuditLog[0].CreatedAt)
		require.Equal(t, r.CreatedAt.UTC(), got.CreatedAt, "CreatedAt must round-trip to the millisecond")
		require.Equal(t, r.CreatedAt.UTC(), got.AuditLog[0].CreatedAt, "an audit entry's CreatedAt must round-trip to the millisecond")
	})

	t.Run("Get/AuditLogIsOrderedByCreatedAtThenInsertion", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		r := newRelationship(newAddress(), newAddress())
		// Given out of time order, with ties whose IDs sort against the
		// insertion order.
		r.AuditLog[0].CreatedAt = at(2 * time.Minute)
		r = withStatus(r, driver.RelationshipActive, driver.AuditAcceptanceOfCreation, at(time.Minute))
		r = withStatus(r, driver.RelationshipTerminated, driver.AuditTermination, at(2*time.Minute))
		r.AuditLog[1].ID, r.AuditLog[2].ID = "RALZZZZZZZZZZZZZZZZZ", "RALAAAAAAAAAAAAAAAAA"
		mustInsertRelationship(ctx, t, st, r)
		r = withStatus(r, driver.RelationshipTerminated, driver.AuditReactivationRequested, at(2*time.Minute))
		r = withStatus(r, driver.RelationshipTerminated, driver.AuditRevocationOfReactivation, at(0))
		require.NoError(t, st.Relationships().Update(ctx, r))
		got, err := st.Relationships().Get(ctx, r.ID)
		require.NoError(t, err)
		want := []driver.RelationshipAuditEntry{r.AuditLog[4], r.AuditLog[1], r.AuditLog[0], r.AuditLog[2], r.AuditLog[3]}
		require.Equal(t, want, got.AuditLog, "the audit log must be ordered by CreatedAt, then by insertion")
	})

	t.Run("Update/ReplacesStatusContentAndFlagsAndAppendsNewEntries", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		want := mustInsertRelationship(ctx, t, st, newRelationship(newAddress(), newAddress()))
		other := mustInsertRelationship(ctx, t, st, newRelationship(newAddress(), newAddress()))
		want = withStatus(want, driver.RelationshipRejected, driver.AuditRejectionOfCreation, at(time.Minute))
		want.CreationResponseContent = []byte("\x00response\xff")
		want = withStatus(want, driver.RelationshipDeletionProposed, driver.AuditDecomposition, at(2*time.Minute))
		want.AuditLog[2].CreatedByDevice = ""
		want.FromHasDecomposed = true
		require.NoError(t, st.Relationships().Update(ctx, want), "Update of an existing relationship must succeed")
		got, err := st.Relationships().Get(ctx, want.ID)
		require.NoError(t, err)
		require.Equal(t, want, got, "Update must replace Status, CreationResponseContent and the flags, and append the new entries")

		want = withStatus(want, driver.RelationshipReadyForDeletion, driver.AuditDecompositionDueToIdentityDeletion, at(3*time.Minute))
		want.ToHasDecomposed = true
		require.NoError(t, st.Relationships().Update(ctx, want))
		got, err = st.Relationships().Get(ctx, want.ID)
		require.NoError(t, err)
		require.Equal(t, want, got, "a second Update must append only its new entry")

		got, err = st.Relationships().Get(ctx, other.ID)
		require.NoError(t, err)
		require.Equal(t, other, got, "Update must not change other relationships")
	})

	t.Run("Update/CreationResponseContentNilAndEmptyRoundTrip", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		r := mustInsertRelationship(ctx, t, st, newRelationship(newAddress(), newAddress()))
		r.CreationResponseContent = []byte{}
		require.NoError(t, st.Relationships().Update(ctx, r))
		got, err := st.Relationships().Get(ctx, r.ID)
		require.NoError(t, err)
		require.NotNil(t, got.CreationResponseContent, "an empty, non-nil CreationResponseContent must come back non-nil")
		require.Empty(t, got.CreationResponseContent)

		r.CreationResponseContent = nil
		require.NoError(t, st.Relationships().Update(ctx, r))
		got, err = st.Relationships().Get(ctx, r.ID)
		require.NoError(t, err)
		require.Nil(t, got.CreationResponseContent, "Update with a nil CreationResponseContent must store nil")
	})

	t.Run("Update/LeavesTheOtherFieldsUnchanged", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		want := mustInsertRelationship(ctx, t, st, newRelationship(newAddress(), newAddress()))
		change := want
		change.TemplateID = newID("RLT")
		change.From, change.To = newAddress(), newAddress()
		change.CreatedAt = at(time.Hour)
		change.CreationContent = []byte("other")
		require.NoError(t, st.Relationships().Update(ctx, change))
		got, err := st.Relationships().Get(ctx, want.ID)
		require.NoError(t, err)
		require.Equal(t, want, got, "Update must change nothing but Status, CreationResponseContent and the flags")
	})

	t.Run("Update/StoredAuditEntriesNeverChange", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		want := mustInsertRelationship(ctx, t, st, newRelationship(newAddress(), newAddress()))
		want = withStatus(want, driver.RelationshipActive, driver.AuditAcceptanceOfCreation, at(time.Minute))
		require.NoError(t, st.Relationships().Update(ctx, want))

		changed := want
		changed.AuditLog = slices.Clone(want.AuditLog)
		changed.AuditLog[0].CreatedBy = newAddress()
		changed.AuditLog[0].Reason = driver.AuditTermination
		changed.AuditLog[1].CreatedAt = at(time.Hour)
		require.NoError(t, st.Relationships().Update(ctx, changed))
		got, err := st.Relationships().Get(ctx, want.ID)
		require.NoError(t, err)
		require.Equal(t, want.AuditLog, got.AuditLog, "Update must not change stored audit entries")

		partial := withStatus(want, driver.RelationshipTerminated, driver.AuditTermination, at(2*time.Minute))
		partial.AuditLog = partial.AuditLog[2:]
		require.NoError(t, st.Relationships().Update(ctx, partial))
		got, err = st.Relationships().Get(ctx, want.ID)
		require.NoError(t, err)
		require.Equal(t, append(slices.Clone(want.AuditLog), partial.AuditLog...), got.AuditLog,
			"Update must keep stored entries missing from r.AuditLog and append the new ones")
	})

	t.Run("Update/UnknownIDIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		r := newRelationship(newAddress(), newAddress())
		require.ErrorIs(t, st.Relationships().Update(ctx, r), driver.ErrNotFound, "Update of an unknown relationship ID must return ErrNotFound")
		_, err := st.Relationships().Get(ctx, r.ID)
		require.ErrorIs(t, err, driver.ErrNotFound, "Update of an unknown relationship must not create it")
		// Had Update stored the audit entry, inserting it now would clash.
		require.NoError(t, st.Relationships().Insert(ctx, r), "Update of an unknown relationship must store no audit entries")
	})

	t.Run("Update/ToAnOpenStatusBesideAnotherOpenIsErrConflict", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		for _, open := range openStatuses {
			a, b := newAddress(), newAddress()
			old := newRelationship(a, b)
			old.Status = driver.RelationshipRejected
			mustInsertRelationship(ctx, t, st, old)
			current := newRelationship(b, a)
			current.Status = open
			mustInsertRelationship(ctx, t, st, current)
			for _, status := range openStatuses {
				change := withStatus(old, status, driver.AuditAcceptanceOfCreation, at(time.Minute))
				require.ErrorIs(t, st.Relationships().Update(ctx, change), driver.ErrConflict,
					"Update to status %d must return ErrConflict while the pair has another relationship in status %d", status, open)
				got, err := st.Relationships().Get(ctx, old.ID)
				require.NoError(t, err)
				require.Equal(t, old, got, "a rejected Update must change nothing and append no entries")
			}
			change := withStatus(old, driver.RelationshipDeletionProposed, driver.AuditDecomposition, at(time.Minute))
			require.NoError(t, st.Relationships().Update(ctx, change), "Update to a closed status is never blocked by the pair rule")
		}
	})

	t.Run("Update/OpenToOpenOfTheSameRelationshipIsAllowed", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		a, b := newAddress(), newAddress()
		closed := newRelationship(b, a)
		closed.Status = driver.RelationshipRevoked
		mustInsertRelationship(ctx, t, st, closed)
		r := mustInsertRelationship(ctx, t, st, newRelationship(a, b))
		for _, status := range []driver.RelationshipStatus{driver.RelationshipActive, driver.RelationshipTerminated, driver.RelationshipTerminated, driver.RelationshipActive} {
			r = withStatus(r, status, driver.AuditAcceptanceOfReactivation, at(time.Minute))
			require.NoError(t, st.Relationships().Update(ctx, r), "a relationship does not conflict with itself (to status %d)", status)
		}
		got, err := st.Relationships().Get(ctx, r.ID)
		require.NoError(t, err)
		require.Equal(t, r, got)
	})

	t.Run("Update/ErrConflictLeavesTheTxUsable", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		a, b := newAddress(), newAddress()
		old := newRelationship(a, b)
		old.Status = driver.RelationshipRevoked
		mustInsertRelationship(ctx, t, st, old)
		mustInsertRelationship(ctx, t, st, newRelationship(a, b))
		next := newRelationship(a, newAddress())
		err := st.InTx(ctx, func(tx driver.Tx) error {
			change := withStatus(old, driver.RelationshipActive, driver.AuditAcceptanceOfCreation, at(time.Minute))
			if err := tx.Relationships().Update(ctx, change); !errors.Is(err, driver.ErrConflict) {
				return errors.Join(errors.New("want ErrConflict"), err)
			}
			return tx.Relationships().Insert(ctx, next)
		})
		require.NoError(t, err, "after ErrConflict from Update, the transaction must stay usable and commit")
		_, err = st.Relationships().Get(ctx, next.ID)
		require.NoError(t, err, "the write made after ErrConflict must be committed")
	})

	t.Run("Between/ReturnsThePairsRelationshipsInBothDirectionsOldestFirst", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		a, b := newAddress(), newAddress()
		var want []driver.Relationship
		for i, status := range []driver.RelationshipStatus{driver.RelationshipRejected, driver.RelationshipRevoked, driver.RelationshipActive} {
			r := newRelationship(a, b)
			if i == 1 {
				r = newRelationship(b, a)
			}
			r.CreatedAt = at(time.Duration(3-i) * time.Hour)
			r = withStatus(r, status, driver.AuditAcceptanceOfCreation, r.CreatedAt.Add(time.Minute))
			mustInsertRelationship(ctx, t, st, r)
			want = append([]driver.Relationship{r}, want...)
		}
		mustInsertRelationship(ctx, t, st, newRelationship(a, newAddress()))
		mustInsertRelationship(ctx, t, st, newRelationship(newAddress(), b))
		for _, pair := range [][2]string{{a, b}, {b, a}} {
			got, err := st.Relationships().Between(ctx, pair[0], pair[1])
			require.NoError(t, err)
			require.Equal(t, want, got, "Between must return the pair's relationships in either direction, oldest first, with audit logs")
		}
	})

	t.Run("Between/PairWithoutRelationshipsIsEmpty", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		a := newAddress()
		mustInsertRelationship(ctx, t, st, newRelationship(a, newAddress()))
		got, err := st.Relationships().Between(ctx, a, newAddress())
		require.NoError(t, err)
		require.Empty(t, got)
	})

	t.Run("List/ReturnsThoseWithTheIDsWhereParticipantTakesPartOldestFirst", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		me := newAddress()
		var mine, ids []string
		var want []driver.Relationship
		for i := range 5 {
			r := newRelationship(me, newAddress())
			if i%2 == 1 {
				r = newRelationship(newAddress(), me)
			}
			r.CreatedAt = at(time.Duration(5-i) * time.Hour)
			if i == 2 {
				r = withStatus(r, driver.RelationshipActive, driver.AuditAcceptanceOfCreation, at(time.Hour))
			}
			mustInsertRelationship(ctx, t, st, r)
			mine = append(mine, r.ID)
			want = append([]driver.Relationship{r}, want...)
		}
		foreign := mustInsertRelationship(ctx, t, st, newRelationship(newAddress(), newAddress()))
		notAsked := mustInsertRelationship(ctx, t, st, newRelationship(me, newAddress()))
		ids = append(slices.Clone(mine), foreign.ID, newID("REL"))

		got, total, err := st.Relationships().List(ctx, me, ids, driver.PageRequest{Number: 1, Size: 10})
		require.NoError(t, err)
		require.Equal(t, 5, total, "List must count the relationships with the IDs where participant is From or To")
		require.Equal(t, want, got, "List must return them oldest first with audit logs, without foreign, unknown or unasked ones")
		require.NotContains(t, relationshipIDs(got), notAsked.ID)

		page, total, err := st.Relationships().List(ctx, me, ids, driver.PageRequest{Number: 2, Size: 2})
		require.NoError(t, err)
		require.Equal(t, 5, total, "the total must count every page")
		require.Equal(t, want[2:4], page, "page 2 of size 2 must hold the third and fourth oldest")
	})

	t.Run("List/PageBeyondTheEndIsEmptyWithTheTotal", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		me := newAddress()
		r := mustInsertRelationship(ctx, t, st, newRelationship(me, newAddress()))
		got, total, err := st.Relationships().List(ctx, me, []string{r.ID}, driver.PageRequest{Number: 3, Size: 5})
		require.NoError(t, err)
		require.Empty(t, got)
		require.Equal(t, 1, total)
	})

	t.Run("List/NoIDsIsEmpty", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		me := newAddress()
		mustInsertRelationship(ctx, t, st, newRelationship(me, newAddress()))
		for _, ids := range [][]string{nil, {}} {
			got, total, err := st.Relationships().List(ctx, me, ids, driver.PageRequest{Number: 1, Size: 10})
			require.NoError(t, err)
			require.Empty(t, got, "with no IDs, no relationship matches")
			require.Zero(t, total)
		}
	})

	t.Run("ExistsForTemplate/TrueForEitherParticipant", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		r := mustInsertRelationship(ctx, t, st, newRelationship(newAddress(), newAddress()))
		other := mustInsertRelationship(ctx, t, st, newRelationship(newAddress(), newAddress()))
		for _, c := range []struct {
			template, participant string
			want                  bool
			rule                  string
		}{
			{r.TemplateID, r.From, true, "From of a relationship created from the template"},
			{r.TemplateID, r.To, true, "To of a relationship created from the template"},
			{r.TemplateID, other.From, false, "an identity whose relationship is from another template"},
			{r.TemplateID, newAddress(), false, "an identity without relationships"},
			{newID("RLT"), r.From, false, "a template without relationships"},
		} {
			got, err := st.Relationships().ExistsForTemplate(ctx, c.template, c.participant)
			require.NoError(t, err)
			require.Equal(t, c.want, got, "ExistsForTemplate: %s", c.rule)
		}
	})

	t.Run("ListByParticipant/ReturnsTheParticipantsWithTheStatusesOldestFirst", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		me := newAddress()
		var want []driver.Relationship
		for i, status := range []driver.RelationshipStatus{
			driver.RelationshipActive, driver.RelationshipRejected, driver.RelationshipPending,
			driver.RelationshipTerminated, driver.RelationshipDeletionProposed,
		} {
			r := newRelationship(me, newAddress())
			if i%2 == 1 {
				r = newRelationship(newAddress(), me)
			}
			r.Status = status
			r.CreatedAt = at(time.Duration(5-i) * time.Hour)
			mustInsertRelationship(ctx, t, st, r)
			if status != driver.RelationshipRejected && status != driver.RelationshipDeletionProposed {
				want = append(stripAuditLogs(r), want...)
			}
		}
		mustInsertRelationship(ctx, t, st, newRelationship(newAddress(), newAddress()))
		got, err := st.Relationships().ListByParticipant(ctx, me, openStatuses)
		require.NoError(t, err)
		for i := range got {
			require.Empty(t, got[i].AuditLog, "ListByParticipant returns relationships without audit logs")
			got[i].AuditLog = nil
		}
		require.Equal(t, want, got, "ListByParticipant must return the participant's relationships in the statuses, oldest first")

		none, err := st.Relationships().ListByParticipant(ctx, me, []driver.RelationshipStatus{driver.RelationshipRevoked})
		require.NoError(t, err)
		require.Empty(t, none, "no relationship in the statuses")
		none, err = st.Relationships().ListByParticipant(ctx, me, nil)
		require.NoError(t, err)
		require.Empty(t, none, "with no statuses, no relationship matches")
	})
}
