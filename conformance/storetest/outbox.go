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

func testOutbox(t *testing.T, newHarness HarnessMaker) {
	farFuture := at(24 * time.Hour)

	t.Run("Append/ThenClaimReturnsThemUnchanged", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		a := newOutboxMessage(time.Date(2030, 12, 31, 23, 59, 59, 999_000_000, otherZone))
		b := newOutboxMessage(at(time.Second))
		b.Body = []byte("\x00binary\xff")
		require.NoError(t, st.Outbox().Append(ctx, a, b), "Append must succeed")
		got, err := st.Outbox().Claim(ctx, at(time.Hour), farFuture, 10)
		require.NoError(t, err)
		require.Len(t, got, 2)
		requireUTC(t, "Claim", &got[0].CreatedAt, &got[1].CreatedAt)
		a.CreatedAt = a.CreatedAt.UTC()
		require.Equal(t, []driver.OutboxMessage{a, b}, got, "Claim must return the appended messages unchanged, CreatedAt as the same instant")
	})

	t.Run("Append/DuplicateIDIsErrConflict", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		first := newOutboxMessage(at(0))
		require.NoError(t, st.Outbox().Append(ctx, first))
		dup := newOutboxMessage(at(time.Second))
		dup.ID = first.ID
		require.ErrorIs(t, st.Outbox().Append(ctx, dup), driver.ErrConflict, "Append with an existing message ID must return ErrConflict")
		require.ErrorIs(t, st.Outbox().Append(ctx, newOutboxMessage(at(0)), dup), driver.ErrConflict,
			"Append of several messages, one with an existing ID, must return ErrConflict")
		got, err := st.Outbox().Claim(ctx, at(time.Hour), farFuture, 10)
		require.NoError(t, err)
		require.Contains(t, got, first, "a rejected Append must leave the existing message unchanged")
	})

	t.Run("Append/InRolledBackTxStoresNothing", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		errFn := errors.New("fn failed")
		err := st.InTx(ctx, func(tx driver.Tx) error {
			if err := tx.Outbox().Append(ctx, newOutboxMessage(at(0)), newOutboxMessage(at(0))); err != nil {
				return err
			}
			return errFn
		})
		require.ErrorIs(t, err, errFn)
		got, err := st.Outbox().Claim(ctx, at(time.Hour), farFuture, 10)
		require.NoError(t, err)
		require.Empty(t, got, "messages appended in a rolled-back transaction must not be stored")
	})

	t.Run("Claim/OldestFirstUpToLimit", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		var all []driver.OutboxMessage
		for _, d := range []time.Duration{3, 1, 4, 0, 2} {
			m := newOutboxMessage(at(d * time.Second))
			require.NoError(t, st.Outbox().Append(ctx, m))
			all = append(all, m)
		}
		slices.SortFunc(all, func(a, b driver.OutboxMessage) int { return a.CreatedAt.Compare(b.CreatedAt) })
		got, err := st.Outbox().Claim(ctx, at(time.Hour), farFuture, 2)
		require.NoError(t, err)
		require.Equal(t, all[:2], got, "Claim must return at most limit messages, oldest first")
		got, err = st.Outbox().Claim(ctx, at(time.Hour), farFuture, 10)
		require.NoError(t, err)
		require.Equal(t, all[2:], got, "a second Claim must return the messages not leased, oldest first")
		got, err = st.Outbox().Claim(ctx, at(time.Hour), farFuture, 10)
		require.NoError(t, err)
		require.Empty(t, got, "with every message leased, Claim returns none")
	})

	t.Run("Claim/LeasedMessageIsNotReturnedUntilItsLeaseEnds", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		m := newOutboxMessage(at(0))
		require.NoError(t, st.Outbox().Append(ctx, m))
		leaseEnd := at(time.Minute)
		got, err := st.Outbox().Claim(ctx, at(time.Second), leaseEnd, 10)
		require.NoError(t, err)
		require.Equal(t, []driver.OutboxMessage{m}, got)
		got, err = st.Outbox().Claim(ctx, leaseEnd.Add(-time.Millisecond), farFuture, 10)
		require.NoError(t, err)
		require.Empty(t, got, "a leased message must not be claimed again while its lease lasts")
		got, err = st.Outbox().Claim(ctx, leaseEnd.Add(time.Millisecond), farFuture, 10)
		require.NoError(t, err)
		require.Equal(t, []driver.OutboxMessage{m}, got, "a message whose lease ended must be claimable again")
		got, err = st.Outbox().Claim(ctx, leaseEnd.Add(time.Second), farFuture, 10)
		require.NoError(t, err)
		require.Empty(t, got, "the new claim leases it until the new leaseUntil")
	})

	t.Run("Claim/ConcurrentClaimsNeverReturnTheSameMessage", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		const n, claimers = 60, 6
		msgs := make([]driver.OutboxMessage, n)
		for i := range msgs {
			msgs[i] = newOutboxMessage(at(time.Duration(i) * time.Millisecond))
		}
		require.NoError(t, st.Outbox().Append(ctx, msgs...))
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			claimed = map[string]int{}
			errs    []error
		)
		for range claimers {
			wg.Go(func() {
				for range n {
					got, err := st.Outbox().Claim(ctx, at(time.Hour), farFuture, 4)
					mu.Lock()
					for _, m := range got {
						claimed[m.ID]++
					}
					if err != nil {
						errs = append(errs, err)
					}
					mu.Unlock()
					if err != nil || len(got) == 0 {
						return
					}
				}
			})
		}
		wg.Wait()
		require.Empty(t, errs, "concurrent claims must succeed")
		for id, times := range claimed {
			require.Equal(t, 1, times, "message %s: concurrent claims must never return the same message while its lease lasts", id)
		}
		got, err := st.Outbox().Claim(ctx, at(time.Hour), farFuture, n)
		require.NoError(t, err)
		require.Equal(t, n, len(claimed)+len(got), "every message must be claimed once")
	})

	t.Run("Claim/EmptyOutboxReturnsNone", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		got, err := st.Outbox().Claim(ctx, at(0), farFuture, 10)
		require.NoError(t, err, "Claim on an empty outbox is not an error")
		require.Empty(t, got)
	})

	t.Run("Delete/RemovesThoseMessagesIgnoringUnknownIDs", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		a, b, c := newOutboxMessage(at(0)), newOutboxMessage(at(time.Second)), newOutboxMessage(at(2*time.Second))
		require.NoError(t, st.Outbox().Append(ctx, a, b, c))
		_, err := st.Outbox().Claim(ctx, at(time.Hour), at(2*time.Hour), 1)
		require.NoError(t, err)
		require.NoError(t, st.Outbox().Delete(ctx, []string{a.ID, c.ID, newID("OBX")}), "Delete must ignore unknown IDs")
		got, err := st.Outbox().Claim(ctx, at(3*time.Hour), farFuture, 10)
		require.NoError(t, err)
		require.Equal(t, []driver.OutboxMessage{b}, got, "Delete must remove the messages with the IDs, leased or not, and no others")
		require.NoError(t, st.Outbox().Delete(ctx, []string{newID("OBX")}), "Delete of unknown IDs only is not an error")
	})
}
