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

func testTokens(t *testing.T, newHarness HarnessMaker) {
	t.Run("Insert/ThenGetReturnsItUnchanged", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		want := newToken(newAddress())
		want.ForIdentity = newAddress()
		want.Password = []byte("\x00secret\xff")
		want.AccessFailedCount = 3
		mustInsertToken(ctx, t, st, want)
		mustInsertToken(ctx, t, st, newToken(newAddress()))
		got, err := st.Tokens().Get(ctx, want.ID)
		require.NoError(t, err, "Get of an inserted token must succeed")
		require.Equal(t, want, got, "Get must return the token as inserted")
	})

	t.Run("Insert/AnonymousTokenComesBackWithoutCreator", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		want := newToken("")
		want.Content = nil
		mustInsertToken(ctx, t, st, want)
		got, err := st.Tokens().Get(ctx, want.ID)
		require.NoError(t, err)
		require.Empty(t, got.CreatedBy, "an anonymous token's CreatedBy must come back empty")
		require.Empty(t, got.CreatedByDevice, "an anonymous token's CreatedByDevice must come back empty")
		require.Empty(t, got.ForIdentity, "an unset ForIdentity must come back empty")
		require.Nil(t, got.Content, "a nil Content must come back nil")
		require.Nil(t, got.Password, "a nil Password must come back nil")
		require.Equal(t, want, got)
	})

	t.Run("Insert/EmptyContentAndPasswordComeBackEmptyNotNil", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		want := newToken(newAddress())
		want.Content, want.Password = []byte{}, []byte{}
		mustInsertToken(ctx, t, st, want)
		got, err := st.Tokens().Get(ctx, want.ID)
		require.NoError(t, err)
		require.NotNil(t, got.Content, "an empty, non-nil Content must come back non-nil")
		require.Empty(t, got.Content)
		require.NotNil(t, got.Password, "an empty, non-nil Password must come back non-nil")
		require.Empty(t, got.Password)
	})

	t.Run("Insert/DuplicateIDIsErrConflict", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		first := mustInsertToken(ctx, t, st, newToken(newAddress()))
		dup := newToken(newAddress())
		dup.ID = first.ID
		require.ErrorIs(t, st.Tokens().Insert(ctx, dup), driver.ErrConflict, "Insert with an existing token ID must return ErrConflict")
		got, err := st.Tokens().Get(ctx, first.ID)
		require.NoError(t, err)
		require.Equal(t, first, got, "a rejected Insert must leave the existing token unchanged")
	})

	t.Run("Get/UnknownIDIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		mustInsertToken(ctx, t, st, newToken(newAddress()))
		_, err := st.Tokens().Get(ctx, newID("TOK"))
		require.ErrorIs(t, err, driver.ErrNotFound, "Get of an unknown token ID must return ErrNotFound")
	})

	t.Run("Get/TimesComeBackInUTC", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		tok := newToken(newAddress())
		tok.CreatedAt, tok.ExpiresAt = at(0).In(otherZone), at(time.Hour).In(otherZone)
		mustInsertToken(ctx, t, st, tok)
		got, err := st.Tokens().Get(ctx, tok.ID)
		require.NoError(t, err)
		requireUTC(t, "Get", &got.CreatedAt, &got.ExpiresAt)
		require.True(t, tok.CreatedAt.Equal(got.CreatedAt), "CreatedAt must keep the instant")
		require.True(t, tok.ExpiresAt.Equal(got.ExpiresAt), "ExpiresAt must keep the instant")
	})

	t.Run("Update/ReplacesCreatorContentAndAccessFailedCountOnly", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		tok := newToken("")
		tok.Content = nil
		tok.ForIdentity = newAddress()
		tok.Password = []byte("pw")
		mustInsertToken(ctx, t, st, tok)
		other := mustInsertToken(ctx, t, st, newToken(""))

		changed := tok
		changed.CreatedBy, changed.CreatedByDevice = newAddress(), newID("DVC")
		changed.Content = []byte("\x00new content\xff")
		changed.AccessFailedCount = 7
		ignored := changed
		ignored.CreatedAt, ignored.ExpiresAt = at(time.Minute), at(2*time.Hour)
		ignored.ForIdentity, ignored.Password = newAddress(), []byte("other")
		require.NoError(t, st.Tokens().Update(ctx, ignored), "Update of an existing token must succeed")
		got, err := st.Tokens().Get(ctx, tok.ID)
		require.NoError(t, err)
		require.Equal(t, changed, got, "Update must replace CreatedBy, CreatedByDevice, Content and AccessFailedCount, and nothing else")

		got, err = st.Tokens().Get(ctx, other.ID)
		require.NoError(t, err)
		require.Equal(t, other, got, "Update must not touch other tokens")

		// Back to anonymous and no content.
		require.NoError(t, st.Tokens().Update(ctx, tok))
		got, err = st.Tokens().Get(ctx, tok.ID)
		require.NoError(t, err)
		require.Equal(t, tok, got, "Update must be able to clear CreatedBy and set Content to nil")
	})

	t.Run("Update/UnknownIDIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		mustInsertToken(ctx, t, st, newToken(newAddress()))
		require.ErrorIs(t, st.Tokens().Update(ctx, newToken(newAddress())), driver.ErrNotFound, "Update of an unknown token ID must return ErrNotFound")
	})

	t.Run("IncrementAccessFailed/ReturnsTheNewCount", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		tok := newToken(newAddress())
		tok.AccessFailedCount = 98
		mustInsertToken(ctx, t, st, tok)
		other := mustInsertToken(ctx, t, st, newToken(newAddress()))
		for want := 99; want <= 100; want++ {
			n, err := st.Tokens().IncrementAccessFailed(ctx, tok.ID)
			require.NoError(t, err)
			require.Equal(t, want, n, "IncrementAccessFailed must return the new count")
		}
		got, err := st.Tokens().Get(ctx, tok.ID)
		require.NoError(t, err)
		tok.AccessFailedCount = 100
		require.Equal(t, tok, got, "IncrementAccessFailed must store the new count and change nothing else")
		got, err = st.Tokens().Get(ctx, other.ID)
		require.NoError(t, err)
		require.Equal(t, other, got, "IncrementAccessFailed must not touch other tokens")

		_, err = st.Tokens().IncrementAccessFailed(ctx, newID("TOK"))
		require.ErrorIs(t, err, driver.ErrNotFound, "IncrementAccessFailed of an unknown token ID must return ErrNotFound")
	})

	t.Run("IncrementAccessFailed/IsAtomicUnderConcurrency", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		tok := mustInsertToken(ctx, t, st, newToken(newAddress()))
		const callers = 10
		got := make([]int, callers)
		errs := make([]error, callers)
		var wg sync.WaitGroup
		for i := range callers {
			wg.Go(func() {
				if i%2 == 0 {
					got[i], errs[i] = st.Tokens().IncrementAccessFailed(ctx, tok.ID)
					return
				}
				errs[i] = st.InTx(ctx, func(tx driver.Tx) error {
					n, err := tx.Tokens().IncrementAccessFailed(ctx, tok.ID)
					got[i] = n
					return err
				})
			})
		}
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err, "concurrent IncrementAccessFailed must succeed")
		}
		slices.Sort(got)
		want := make([]int, callers)
		for i := range want {
			want[i] = i + 1
		}
		require.Equal(t, want, got, "concurrent IncrementAccessFailed calls must each return a different new count, losing no increment")
		stored, err := st.Tokens().Get(ctx, tok.ID)
		require.NoError(t, err)
		require.Equal(t, callers, stored.AccessFailedCount, "no increment may be lost")
	})

	t.Run("Delete/RemovesTheTokenAndItsAllocations", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		allocator := newAddress()
		gone := mustInsertToken(ctx, t, st, newToken(newAddress()))
		kept := mustInsertToken(ctx, t, st, newToken(newAddress()))
		mustAllocateToken(ctx, t, st, gone.ID, allocator)
		mustAllocateToken(ctx, t, st, kept.ID, allocator)
		require.NoError(t, st.Tokens().Delete(ctx, gone.ID), "Delete of an existing token must succeed")

		_, err := st.Tokens().Get(ctx, gone.ID)
		require.ErrorIs(t, err, driver.ErrNotFound, "a deleted token must be gone")
		ok, err := st.Tokens().IsAllocatedBy(ctx, gone.ID, allocator)
		require.NoError(t, err)
		require.False(t, ok, "the allocations of a deleted token must be gone")

		got, err := st.Tokens().Get(ctx, kept.ID)
		require.NoError(t, err)
		require.Equal(t, kept, got, "Delete must not touch other tokens")
		ok, err = st.Tokens().IsAllocatedBy(ctx, kept.ID, allocator)
		require.NoError(t, err)
		require.True(t, ok, "Delete must not touch other tokens' allocations")

		// A token with the same ID may be inserted and allocated anew.
		mustInsertToken(ctx, t, st, gone)
		mustAllocateToken(ctx, t, st, gone.ID, allocator)
	})

	t.Run("Delete/UnknownIDIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		mustInsertToken(ctx, t, st, newToken(newAddress()))
		require.ErrorIs(t, st.Tokens().Delete(ctx, newID("TOK")), driver.ErrNotFound, "Delete of an unknown token ID must return ErrNotFound")
	})

	t.Run("Allocate/SecondByTheSameIdentityIsErrConflict", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		tok := mustInsertToken(ctx, t, st, newToken(newAddress()))
		allocator := newAddress()
		mustAllocateToken(ctx, t, st, tok.ID, allocator)
		again := driver.TokenAllocation{TokenID: tok.ID, AllocatedBy: allocator, AllocatedByDevice: newID("DVC"), AllocatedAt: at(time.Hour)}
		require.ErrorIs(t, st.Tokens().Allocate(ctx, again), driver.ErrConflict,
			"a second allocation of a token by the same identity must return ErrConflict")

		other := mustInsertToken(ctx, t, st, newToken(newAddress()))
		mustAllocateToken(ctx, t, st, other.ID, allocator)
		mustAllocateToken(ctx, t, st, tok.ID, newAddress())
	})

	t.Run("Allocate/ErrConflictLeavesTheTxUsable", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		tok := mustInsertToken(ctx, t, st, newToken(newAddress()))
		a := mustAllocateToken(ctx, t, st, tok.ID, newAddress())
		next := newAddress()
		err := st.InTx(ctx, func(tx driver.Tx) error {
			if err := tx.Tokens().Allocate(ctx, a); !errors.Is(err, driver.ErrConflict) {
				return errors.Join(errors.New("want ErrConflict"), err)
			}
			return tx.Tokens().Allocate(ctx, driver.TokenAllocation{TokenID: tok.ID, AllocatedBy: next, AllocatedByDevice: newID("DVC"), AllocatedAt: at(0)})
		})
		require.NoError(t, err, "after ErrConflict from Allocate, the transaction must stay usable and commit")
		ok, err := st.Tokens().IsAllocatedBy(ctx, tok.ID, next)
		require.NoError(t, err)
		require.True(t, ok, "the write made after ErrConflict must be committed")
	})

	t.Run("IsAllocatedBy/ReportsTheIdentitysAllocation", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		tok := mustInsertToken(ctx, t, st, newToken(newAddress()))
		other := mustInsertToken(ctx, t, st, newToken(newAddress()))
		allocator, stranger := newAddress(), newAddress()
		mustAllocateToken(ctx, t, st, tok.ID, allocator)
		mustAllocateToken(ctx, t, st, other.ID, stranger)
		for _, c := range []struct {
			token, identity string
			want            bool
		}{
			{tok.ID, allocator, true}, {tok.ID, stranger, false}, {other.ID, allocator, false}, {newID("TOK"), allocator, false},
			{tok.ID, tok.CreatedBy, false},
		} {
			ok, err := st.Tokens().IsAllocatedBy(ctx, c.token, c.identity)
			require.NoError(t, err)
			require.Equal(t, c.want, ok, "IsAllocatedBy(%s, %s)", c.token, c.identity)
		}
	})

	t.Run("List/ReturnsTheTokensCreatedOrAllocatedByTheIdentityAmongTheIDs", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		me := newAddress()
		created := mustInsertToken(ctx, t, st, newToken(me))
		expired := newToken(me)
		expired.ExpiresAt = at(-time.Hour)
		expired.Password = []byte("pw")
		mustInsertToken(ctx, t, st, expired)
		allocated := mustInsertToken(ctx, t, st, newToken(newAddress()))
		mustAllocateToken(ctx, t, st, allocated.ID, me)
		anonymous := newToken("")
		anonymous.Content = nil
		mustInsertToken(ctx, t, st, anonymous)
		mustAllocateToken(ctx, t, st, anonymous.ID, me)
		both := mustInsertToken(ctx, t, st, newToken(me))
		mustAllocateToken(ctx, t, st, both.ID, me)
		foreign := mustInsertToken(ctx, t, st, newToken(newAddress()))
		mustAllocateToken(ctx, t, st, foreign.ID, newAddress())
		forMe := newToken(newAddress())
		forMe.ForIdentity = me
		mustInsertToken(ctx, t, st, forMe)
		notAsked := mustInsertToken(ctx, t, st, newToken(me))

		ids := []string{created.ID, expired.ID, allocated.ID, anonymous.ID, both.ID, foreign.ID, forMe.ID, newID("TOK")}
		got, total, err := st.Tokens().List(ctx, me, ids, driver.PageRequest{Number: 1, Size: 10})
		require.NoError(t, err)
		require.ElementsMatch(t, []driver.Token{created, expired, allocated, anonymous, both}, got,
			"List must return the tokens with one of the IDs that the identity created or allocated, each once, whole")
		require.Equal(t, 5, total, "List must count the tokens with one of the IDs that the identity created or allocated")
		require.NotContains(t, tokenIDs(got), notAsked.ID)
	})

	t.Run("List/OldestFirstByCreatedAtThenIDWithPagingAndTotal", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		me := newAddress()
		var want []driver.Token
		for i, d := range []time.Duration{3, 1, 2, 1, 0, 2} {
			tok := newToken(me)
			if i%2 == 1 {
				tok = newToken(newAddress())
			}
			tok.CreatedAt = at(d * time.Minute)
			mustInsertToken(ctx, t, st, tok)
			if i%2 == 1 {
				mustAllocateToken(ctx, t, st, tok.ID, me)
			}
			want = append(want, tok)
		}
		slices.SortFunc(want, func(a, b driver.Token) int {
			if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
				return c
			}
			if a.ID < b.ID {
				return -1
			}
			return 1
		})
		ids := tokenIDs(want)
		slices.Reverse(ids)
		got, total, err := st.Tokens().List(ctx, me, ids, driver.PageRequest{Number: 1, Size: 10})
		require.NoError(t, err)
		require.Equal(t, 6, total)
		require.Equal(t, want, got, "List must return the tokens oldest first, then by ID, whatever the order of the IDs")

		page, total, err := st.Tokens().List(ctx, me, ids, driver.PageRequest{Number: 2, Size: 4})
		require.NoError(t, err)
		require.Equal(t, 6, total, "the total must count every page")
		require.Equal(t, tokenIDs(want[4:]), tokenIDs(page), "page 2 of size 4 holds the 5th and 6th token")

		page, total, err = st.Tokens().List(ctx, me, ids, driver.PageRequest{Number: 3, Size: 4})
		require.NoError(t, err)
		require.Empty(t, page, "a page beyond the end is empty")
		require.Equal(t, 6, total, "a page beyond the end still has the total")
	})

	t.Run("List/NoIDsMatchNone", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		me := newAddress()
		mustInsertToken(ctx, t, st, newToken(me))
		for _, ids := range [][]string{nil, {}} {
			got, total, err := st.Tokens().List(ctx, me, ids, driver.PageRequest{Number: 1, Size: 10})
			require.NoError(t, err)
			require.Empty(t, got, "with no IDs, no token matches")
			require.Zero(t, total)
		}
	})
}
