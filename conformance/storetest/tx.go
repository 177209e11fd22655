package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// records is one record of every aggregate, written together.
type records struct {
	tier      driver.Tier
	client    driver.Client
	identity  driver.Identity
	device    driver.Device
	challenge driver.Challenge
	flags     map[string]bool
}

func newRecords() records {
	i := newIdentity()
	return records{
		tier: newTier(), client: newClient(), identity: i, device: newDevice(i.Address),
		challenge: newChallenge(), flags: map[string]bool{"f": true},
	}
}

// write inserts the records through st.
func (r records) write(ctx context.Context, st driver.Stores) error {
	return errors.Join(
		st.Tiers().Insert(ctx, r.tier),
		st.Clients().Insert(ctx, r.client),
		st.Identities().Insert(ctx, r.identity),
		st.Devices().Insert(ctx, r.device),
		st.Challenges().Insert(ctx, r.challenge),
		st.Identities().UpsertFeatureFlags(ctx, r.identity.Address, r.flags),
	)
}

// requirePresent fails unless every record reads back through st.
func (r records) requirePresent(ctx context.Context, t testing.TB, st driver.Stores, rule string) {
	t.Helper()
	tier, err := st.Tiers().Get(ctx, r.tier.ID)
	require.NoError(t, err, "%s: tier", rule)
	require.Equal(t, r.tier, tier, rule)
	client, err := st.Clients().Get(ctx, r.client.ClientID)
	require.NoError(t, err, "%s: client", rule)
	require.Equal(t, r.client, client, rule)
	identity, err := st.Identities().Get(ctx, r.identity.Address)
	require.NoError(t, err, "%s: identity", rule)
	require.Equal(t, r.identity, identity, rule)
	device, err := st.Devices().Get(ctx, r.device.ID)
	require.NoError(t, err, "%s: device", rule)
	require.Equal(t, r.device, device, rule)
	challenge, err := st.Challenges().Get(ctx, r.challenge.ID)
	require.NoError(t, err, "%s: challenge", rule)
	require.Equal(t, r.challenge, challenge, rule)
	flags, err := st.Identities().FeatureFlags(ctx, r.identity.Address)
	require.NoError(t, err, "%s: feature flags", rule)
	require.Equal(t, r.flags, flags, rule)
}

// requireAbsent fails if any record reads back through st.
func (r records) requireAbsent(ctx context.Context, t testing.TB, st driver.Stores, rule string) {
	t.Helper()
	_, err := st.Tiers().Get(ctx, r.tier.ID)
	require.ErrorIs(t, err, driver.ErrNotFound, "%s: tier", rule)
	_, err = st.Clients().Get(ctx, r.client.ClientID)
	require.ErrorIs(t, err, driver.ErrNotFound, "%s: client", rule)
	_, err = st.Identities().Get(ctx, r.identity.Address)
	require.ErrorIs(t, err, driver.ErrNotFound, "%s: identity", rule)
	_, err = st.Devices().Get(ctx, r.device.ID)
	require.ErrorIs(t, err, driver.ErrNotFound, "%s: device", rule)
	_, err = st.Challenges().Get(ctx, r.challenge.ID)
	require.ErrorIs(t, err, driver.ErrNotFound, "%s: challenge", rule)
	flags, err := st.Identities().FeatureFlags(ctx, r.identity.Address)
	require.NoError(t, err)
	require.Empty(t, flags, "%s: feature flags", rule)
}

func testTx(t *testing.T, newHarness HarnessMaker) {
	t.Run("NilCommitsEveryWrite", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		r := newRecords()
		err := st.InTx(ctx, func(tx driver.Tx) error { return r.write(ctx, tx) })
		require.NoError(t, err, "InTx must return nil when fn returns nil and the commit succeeds")
		r.requirePresent(ctx, t, st, "after fn returns nil, every write through the Tx must be committed")
	})

	t.Run("ErrorRollsBackEveryWrite", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		before := newRecords()
		require.NoError(t, before.write(ctx, st), "fixture: records")
		inserted := newRecords()
		errFn := errors.New("fn failed")
		err := st.InTx(ctx, func(tx driver.Tx) error {
			if err := inserted.write(ctx, tx); err != nil {
				return err
			}
			// Change and delete the records that existed before.
			d := before.device
			d.FailedLogins, d.PasswordHash = 9, "changed"
			i := before.identity
			i.Status = driver.IdentityDeleting
			c := before.client
			c.DisplayName = "changed"
			err := errors.Join(
				tx.Devices().Update(ctx, d),
				tx.Identities().Update(ctx, i),
				tx.Clients().Update(ctx, c),
				tx.Identities().UpsertFeatureFlags(ctx, i.Address, map[string]bool{"f": false, "g": true}),
				tx.Tiers().Delete(ctx, before.tier.ID),
			)
			if err != nil {
				return err
			}
			if _, err := tx.Devices().IncrementFailedLogins(ctx, d.ID); err != nil {
				return err
			}
			if _, err := tx.Challenges().DeleteExpiredBefore(ctx, at(24*time.Hour)); err != nil {
				return err
			}
			return errFn
		})
		require.ErrorIs(t, err, errFn)
		inserted.requireAbsent(ctx, t, st, "after fn returns an error, no insert through the Tx may remain")
		before.requirePresent(ctx, t, st, "after fn returns an error, no update or delete through the Tx may remain")
	})

	t.Run("ReturnsFnErrorUnchanged", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		errFn := &fnError{"the service's own error"}
		err := st.InTx(ctx, func(tx driver.Tx) error {
			if _, err := tx.Tiers().List(ctx); err != nil {
				return err
			}
			return errFn
		})
		require.True(t, err == error(errFn), "InTx must return fn's error unchanged, not wrapped; got %v", err)
	})

	t.Run("TxSeesItsOwnWrites", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		r := newRecords()
		err := st.InTx(ctx, func(tx driver.Tx) error {
			if err := r.write(ctx, tx); err != nil {
				return err
			}
			r.requirePresent(ctx, t, tx, "reads through a Tx must see the writes made through it")
			n, err := tx.Devices().IncrementFailedLogins(ctx, r.device.ID)
			if err != nil {
				return err
			}
			if n != 1 {
				return fmt.Errorf("IncrementFailedLogins in the Tx returned %d, want 1", n)
			}
			_, total, err := tx.Devices().List(ctx, r.identity.Address, nil, driver.PageRequest{Number: 1, Size: 10})
			if err != nil {
				return err
			}
			if total != 1 {
				return fmt.Errorf("List in the Tx counted %d devices, want 1", total)
			}
			return nil
		})
		require.NoError(t, err, "reads through a Tx must see the writes made through it")
	})

	t.Run("WritesAreInvisibleOutsideUntilCommit", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		tier := newTier()
		err := st.InTx(ctx, func(tx driver.Tx) error {
			if err := tx.Tiers().Insert(ctx, tier); err != nil {
				return err
			}
			// A store may block readers while a transaction writes; it must
			// not show them the uncommitted tier.
			readCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			_, err := st.Tiers().Get(readCtx, tier.ID)
			if !errors.Is(err, driver.ErrNotFound) && !errors.Is(err, context.DeadlineExceeded) {
				return fmt.Errorf("reading an uncommitted tier outside the Tx: want ErrNotFound (or a blocked read), got %v", err)
			}
			return nil
		})
		require.NoError(t, err, "writes in a transaction must not be visible outside it before commit")
		got, err := st.Tiers().Get(ctx, tier.ID)
		require.NoError(t, err, "writes in a transaction must be visible outside it after commit")
		require.Equal(t, tier, got)
	})

	t.Run("ErrConflictInsideIsReturnedAndRollsBack", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		existing := mustInsertTier(ctx, t, st, newTier())
		fresh := newTier()
		err := st.InTx(ctx, func(tx driver.Tx) error {
			if err := tx.Tiers().Insert(ctx, fresh); err != nil {
				return err
			}
			return fmt.Errorf("service: %w", tx.Tiers().Insert(ctx, existing))
		})
		require.ErrorIs(t, err, driver.ErrConflict, "a conflicting Insert through a Tx must return ErrConflict")
		_, err = st.Tiers().Get(ctx, fresh.ID)
		require.ErrorIs(t, err, driver.ErrNotFound, "fn returned the conflict, so the transaction's other writes must be rolled back")
	})

	t.Run("ConcurrentIncrementFailedLoginsLosesNoUpdate", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		d := mustInsertDevice(ctx, t, st, newDevice(newAddress()))
		const workers, rounds = 5, 4
		errs := make(chan error, workers*rounds)
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for range rounds {
					// The read-modify-write a service does: read, change,
					// write back.
					errs <- st.InTx(ctx, func(tx driver.Tx) error {
						cur, err := tx.Devices().Get(ctx, d.ID)
						if err != nil {
							return err
						}
						cur.FailedLogins++
						return tx.Devices().Update(ctx, cur)
					})
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err, "concurrent read-modify-write transactions must succeed (the store retries what it must)")
		}
		got, err := st.Devices().Get(ctx, d.ID)
		require.NoError(t, err)
		require.Equal(t, workers*rounds, got.FailedLogins, "transactions are serializable: no concurrent read-modify-write may be lost")
	})

	t.Run("ConcurrentTransactionsAllCommit", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		const n = 8
		rs := make([]records, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range rs {
			rs[i] = newRecords()
			wg.Go(func() {
				errs[i] = st.InTx(ctx, func(tx driver.Tx) error { return rs[i].write(ctx, tx) })
			})
		}
		wg.Wait()
		for i, r := range rs {
			require.NoError(t, errs[i], "independent concurrent transactions must all commit")
			r.requirePresent(ctx, t, st, "every concurrent transaction's writes must be committed")
		}
	})

	t.Run("ConcurrentBackupDeviceRegistrationsLeaveOne", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		address := newAddress()
		const n = 6
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				d := newDevice(address)
				d.IsBackupDevice = true
				// What registering a backup device does: check, then insert.
				errs[i] = st.InTx(ctx, func(tx driver.Tx) error {
					ds, _, err := tx.Devices().List(ctx, address, nil, driver.PageRequest{Number: 1, Size: 100})
					if err != nil {
						return err
					}
					for _, d := range ds {
						if d.IsBackupDevice {
							return errHasBackup
						}
					}
					return tx.Devices().Insert(ctx, d)
				})
			})
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, errHasBackup), errors.Is(err, driver.ErrConflict):
			default:
				require.NoError(t, err, "a losing registration must see the winner's backup device or get ErrConflict")
			}
		}
		require.Equal(t, 1, ok, "exactly one of the concurrent backup device registrations must commit")
		_, total, err := st.Devices().List(ctx, address, nil, driver.PageRequest{Number: 1, Size: 100})
		require.NoError(t, err)
		require.Equal(t, 1, total, "an identity must end with one backup device")
	})
}

// fnError is an error type of the caller's own, which InTx must pass
// through untouched.
type fnError struct{ msg string }

func (e *fnError) Error() string { return e.msg }

var errHasBackup = errors.New("identity has a backup device")
