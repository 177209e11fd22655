package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

func testRelationshipTemplates(t *testing.T, newHarness HarnessMaker) {
	t.Run("Insert/ThenGetReturnsItUnchanged", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		want := newTemplate(newAddress())
		want.MaxNumberOfAllocations = ptr(3)
		want.ExpiresAt = ptr(at(24 * time.Hour))
		want.ForIdentity = newAddress()
		want.Password = []byte("\x00secret\xff")
		mustInsertTemplate(ctx, t, st, want)
		mustInsertTemplate(ctx, t, st, newTemplate(newAddress()))
		got, err := st.RelationshipTemplates().Get(ctx, want.ID)
		require.NoError(t, err, "Get of an inserted template must succeed")
		require.Equal(t, want, got, "Get must return the template as inserted")
	})

	t.Run("Insert/OptionalFieldsComeBackEmpty", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		want := newTemplate(newAddress())
		want.Content = nil
		mustInsertTemplate(ctx, t, st, want)
		got, err := st.RelationshipTemplates().Get(ctx, want.ID)
		require.NoError(t, err)
		require.Nil(t, got.MaxNumberOfAllocations, "an unset MaxNumberOfAllocations must come back nil")
		require.Nil(t, got.ExpiresAt, "an unset ExpiresAt must come back nil")
		require.Empty(t, got.ForIdentity, "an unset ForIdentity must come back empty")
		require.Nil(t, got.Password, "a nil Password must come back nil")
		require.Nil(t, got.Content, "a nil Content must come back nil")
		require.Equal(t, want, got)
	})

	t.Run("Insert/EmptyContentAndPasswordComeBackEmptyNotNil", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		want := newTemplate(newAddress())
		want.Content, want.Password = []byte{}, []byte{}
		mustInsertTemplate(ctx, t, st, want)
		got, err := st.RelationshipTemplates().Get(ctx, want.ID)
		require.NoError(t, err)
		require.NotNil(t, got.Content, "an empty, non-nil Content must come back non-nil")
		require.Empty(t, got.Content)
		require.NotNil(t, got.Password, "an empty, non-nil Password must come back non-nil")
		require.Empty(t, got.Password)
	})

	t.Run("Insert/DuplicateIDIsErrConflict", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		first := mustInsertTemplate(ctx, t, st, newTemplate(newAddress()))
		dup := newTemplate(newAddress())
		dup.ID = first.ID
		require.ErrorIs(t, st.RelationshipTemplates().Insert(ctx, dup), driver.ErrConflict, "Insert with an existing template ID must return ErrConflict")
		got, err := st.RelationshipTemplates().Get(ctx, first.ID)
		require.NoError(t, err)
		require.Equal(t, first, got, "a rejected Insert must leave the existing template unchanged")
	})

	t.Run("Get/UnknownIDIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		mustInsertTemplate(ctx, t, st, newTemplate(newAddress()))
		_, err := st.RelationshipTemplates().Get(ctx, newID("RLT"))
		require.ErrorIs(t, err, driver.ErrNotFound, "Get of an unknown template ID must return ErrNotFound")
	})

	t.Run("Get/TimesRoundTripAsTheSameInstantInUTC", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		tpl := newTemplate(newAddress())
		tpl.CreatedAt = time.Date(2030, 12, 31, 23, 59, 59, 999_000_000, otherZone)
		tpl.ExpiresAt = ptr(tpl.CreatedAt.Add(time.Millisecond))
		mustInsertTemplate(ctx, t, st, tpl)
		got, err := st.RelationshipTemplates().Get(ctx, tpl.ID)
		require.NoError(t, err)
		requireUTC(t, "Get", &got.CreatedAt, got.ExpiresAt)
		require.Equal(t, tpl.CreatedAt.UTC(), got.CreatedAt, "CreatedAt must round-trip to the millisecond")
		require.Equal(t, tpl.ExpiresAt.UTC(), *got.ExpiresAt, "ExpiresAt must round-trip to the millisecond")
	})

	t.Run("GetMany/ReturnsTheTemplatesThatExist", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		a := mustInsertTemplate(ctx, t, st, newTemplate(newAddress()))
		b := newTemplate(newAddress())
		b.Password = []byte("pw")
		mustInsertTemplate(ctx, t, st, b)
		mustInsertTemplate(ctx, t, st, newTemplate(newAddress()))
		got, err := st.RelationshipTemplates().GetMany(ctx, []string{b.ID, newID("RLT"), a.ID})
		require.NoError(t, err)
		require.ElementsMatch(t, []driver.RelationshipTemplate{a, b}, got, "GetMany must return the templates with the IDs that exist")

		for _, ids := range [][]string{nil, {newID("RLT")}} {
			got, err := st.RelationshipTemplates().GetMany(ctx, ids)
			require.NoError(t, err)
			require.Empty(t, got, "GetMany of no or only unknown IDs is empty")
		}
	})

	t.Run("Delete/RemovesTheTemplateAndItsAllocations", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		creator, allocator := newAddress(), newAddress()
		gone := mustInsertTemplate(ctx, t, st, newTemplate(creator))
		kept := mustInsertTemplate(ctx, t, st, newTemplate(creator))
		mustAllocate(ctx, t, st, gone.ID, allocator)
		mustAllocate(ctx, t, st, gone.ID, newAddress())
		mustAllocate(ctx, t, st, kept.ID, newAddress())
		require.NoError(t, st.RelationshipTemplates().Delete(ctx, gone.ID), "Delete of an existing template must succeed")

		_, err := st.RelationshipTemplates().Get(ctx, gone.ID)
		require.ErrorIs(t, err, driver.ErrNotFound, "a deleted template must be gone")
		n, err := st.RelationshipTemplates().CountAllocations(ctx, gone.ID)
		require.NoError(t, err)
		require.Zero(t, n, "the allocations of a deleted template must be gone")
		ok, err := st.RelationshipTemplates().IsAllocatedBy(ctx, gone.ID, allocator)
		require.NoError(t, err)
		require.False(t, ok, "the allocations of a deleted template must be gone")
		allocators, err := st.RelationshipTemplates().AllocatorsOfTemplatesBy(ctx, creator)
		require.NoError(t, err)
		require.NotContains(t, allocators, allocator, "the allocations of a deleted template must be gone")

		got, err := st.RelationshipTemplates().Get(ctx, kept.ID)
		require.NoError(t, err)
		require.Equal(t, kept, got, "Delete must not touch other templates")
		n, err = st.RelationshipTemplates().CountAllocations(ctx, kept.ID)
		require.NoError(t, err)
		require.Equal(t, 1, n, "Delete must not touch other templates' allocations")

		// The identity may allocate a template with the same ID anew.
		mustInsertTemplate(ctx, t, st, gone)
		mustAllocate(ctx, t, st, gone.ID, allocator)
	})

	t.Run("Delete/RelationshipsKeepExistingWithEmptyTemplateID", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		creator := newAddress()
		tpl := mustInsertTemplate(ctx, t, st, newTemplate(creator))
		var fromIt []driver.Relationship
		for range 2 {
			r := newRelationship(newAddress(), creator)
			r.TemplateID = tpl.ID
			fromIt = append(fromIt, mustInsertRelationship(ctx, t, st, r))
		}
		other := mustInsertRelationship(ctx, t, st, newRelationship(newAddress(), creator))
		require.NoError(t, st.RelationshipTemplates().Delete(ctx, tpl.ID))
		for _, r := range fromIt {
			got, err := st.Relationships().Get(ctx, r.ID)
			require.NoError(t, err, "a relationship created from a deleted template must keep existing")
			r.TemplateID = ""
			require.Equal(t, r, got, "a relationship created from a deleted template must come back with an empty TemplateID and otherwise unchanged")
		}
		ok, err := st.Relationships().ExistsForTemplate(ctx, tpl.ID, creator)
		require.NoError(t, err)
		require.False(t, ok, "no relationship refers to a deleted template")
		got, err := st.Relationships().Get(ctx, other.ID)
		require.NoError(t, err)
		require.Equal(t, other, got, "relationships from other templates keep their TemplateID")
	})

	t.Run("Delete/UnknownIDIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		mustInsertTemplate(ctx, t, st, newTemplate(newAddress()))
		require.ErrorIs(t, st.RelationshipTemplates().Delete(ctx, newID("RLT")), driver.ErrNotFound,
			"Delete of an unknown template ID must return ErrNotFound")
	})

	t.Run("Allocate/SecondByTheSameIdentityIsErrConflict", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		tpl := mustInsertTemplate(ctx, t, st, newTemplate(newAddress()))
		allocator := newAddress()
		mustAllocate(ctx, t, st, tpl.ID, allocator)
		again := driver.TemplateAllocation{TemplateID: tpl.ID, AllocatedBy: allocator, AllocatedByDevice: newID("DVC"), AllocatedAt: at(time.Hour)}
		require.ErrorIs(t, st.RelationshipTemplates().Allocate(ctx, again), driver.ErrConflict,
			"a second allocation of a template by the same identity must return ErrConflict")
		n, err := st.RelationshipTemplates().CountAllocations(ctx, tpl.ID)
		require.NoError(t, err)
		require.Equal(t, 1, n, "a rejected Allocate must store nothing")

		other := mustInsertTemplate(ctx, t, st, newTemplate(newAddress()))
		mustAllocate(ctx, t, st, other.ID, allocator)
		mustAllocate(ctx, t, st, tpl.ID, newAddress())
	})

	t.Run("Allocate/ErrConflictLeavesTheTxUsable", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		tpl := mustInsertTemplate(ctx, t, st, newTemplate(newAddress()))
		a := mustAllocate(ctx, t, st, tpl.ID, newAddress())
		next := newAddress()
		err := st.InTx(ctx, func(tx driver.Tx) error {
			if err := tx.RelationshipTemplates().Allocate(ctx, a); !errors.Is(err, driver.ErrConflict) {
				return errors.Join(errors.New("want ErrConflict"), err)
			}
			return tx.RelationshipTemplates().Allocate(ctx, driver.TemplateAllocation{
				TemplateID: tpl.ID, AllocatedBy: next, AllocatedByDevice: newID("DVC"), AllocatedAt: at(0),
			})
		})
		require.NoError(t, err, "after ErrConflict from Allocate, the transaction must stay usable and commit")
		ok, err := st.RelationshipTemplates().IsAllocatedBy(ctx, tpl.ID, next)
		require.NoError(t, err)
		require.True(t, ok, "the write made after ErrConflict must be committed")
	})

	t.Run("CountAllocations/CountsTheTemplatesAllocations", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		tpl := mustInsertTemplate(ctx, t, st, newTemplate(newAddress()))
		other := mustInsertTemplate(ctx, t, st, newTemplate(newAddress()))
		for range 3 {
			mustAllocate(ctx, t, st, tpl.ID, newAddress())
		}
		mustAllocate(ctx, t, st, other.ID, newAddress())
		for id, want := range map[string]int{tpl.ID: 3, other.ID: 1, newID("RLT"): 0} {
			n, err := st.RelationshipTemplates().CountAllocations(ctx, id)
			require.NoError(t, err)
			require.Equal(t, want, n, "CountAllocations must count the template's allocations only")
		}
	})

	t.Run("IsAllocatedBy/ReportsTheIdentitysAllocation", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		tpl := mustInsertTemplate(ctx, t, st, newTemplate(newAddress()))
		other := mustInsertTemplate(ctx, t, st, newTemplate(newAddress()))
		allocator, stranger := newAddress(), newAddress()
		mustAllocate(ctx, t, st, tpl.ID, allocator)
		mustAllocate(ctx, t, st, other.ID, stranger)
		for _, c := range []struct {
			template, identity string
			want               bool
		}{
			{tpl.ID, allocator, true}, {tpl.ID, stranger, false}, {other.ID, allocator, false}, {newID("RLT"), allocator, false},
			{tpl.ID, tpl.CreatedBy, false},
		} {
			ok, err := st.RelationshipTemplates().IsAllocatedBy(ctx, c.template, c.identity)
			require.NoError(t, err)
			require.Equal(t, c.want, ok, "IsAllocatedBy(%s, %s)", c.template, c.identity)
		}
	})

	t.Run("AllocatorsOfTemplatesBy/ReturnsTheDistinctAllocatorsOfTheCreatorsTemplates", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		creator := newAddress()
		first := mustInsertTemplate(ctx, t, st, newTemplate(creator))
		second := mustInsertTemplate(ctx, t, st, newTemplate(creator))
		foreign := mustInsertTemplate(ctx, t, st, newTemplate(newAddress()))
		a, b, c := newAddress(), newAddress(), newAddress()
		mustAllocate(ctx, t, st, first.ID, a)
		mustAllocate(ctx, t, st, second.ID, a)
		mustAllocate(ctx, t, st, second.ID, b)
		mustAllocate(ctx, t, st, foreign.ID, c)
		got, err := st.RelationshipTemplates().AllocatorsOfTemplatesBy(ctx, creator)
		require.NoError(t, err)
		require.ElementsMatch(t, []string{a, b}, got, "AllocatorsOfTemplatesBy must return each allocator of the creator's templates once")

		got, err = st.RelationshipTemplates().AllocatorsOfTemplatesBy(ctx, a)
		require.NoError(t, err)
		require.Empty(t, got, "an identity without allocated templates has no allocators")
	})
}
