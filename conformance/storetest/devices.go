package storetest

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

func testDevices(t *testing.T, newHarness HarnessMaker) {
	t.Run("Insert/ThenGetReturnsItUnchanged", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		want := newDevice(newAddress())
		want.CreatedByDevice = newID("DVC")
		want.LastLoginAt = ptr(at(time.Minute))
		want.CommunicationLanguage = "de"
		want.IsBackupDevice = true
		want.FailedLogins = 2
		want.LockedOutUntil = ptr(at(time.Hour))
		mustInsertDevice(ctx, t, st, want)
		got, err := st.Devices().Get(ctx, want.ID)
		require.NoError(t, err, "Get of an inserted device must succeed")
		require.Equal(t, want, got, "Get must return the device as inserted")
	})

	t.Run("Insert/OptionalFieldsComeBackEmpty", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		want := mustInsertDevice(ctx, t, st, newDevice(newAddress()))
		got, err := st.Devices().Get(ctx, want.ID)
		require.NoError(t, err)
		require.Empty(t, got.CreatedByDevice, "an unset CreatedByDevice must come back empty")
		require.Nil(t, got.LastLoginAt, "an unset LastLoginAt must come back nil")
		require.Nil(t, got.LockedOutUntil, "an unset LockedOutUntil must come back nil")
		require.Equal(t, want, got)
	})

	t.Run("Insert/DuplicateIDIsErrConflict", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		first := mustInsertDevice(ctx, t, st, newDevice(newAddress()))
		dup := newDevice(first.IdentityAddress)
		dup.ID = first.ID
		err := st.Devices().Insert(ctx, dup)
		require.ErrorIs(t, err, driver.ErrConflict, "Insert with an existing device ID must return ErrConflict")
		got, err := st.Devices().Get(ctx, first.ID)
		require.NoError(t, err)
		require.Equal(t, first, got, "a rejected Insert must leave the existing device unchanged")
	})

	t.Run("Insert/DuplicateUsernameIsErrConflict", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		first := mustInsertDevice(ctx, t, st, newDevice(newAddress()))
		dup := newDevice(newAddress())
		dup.Username = first.Username
		err := st.Devices().Insert(ctx, dup)
		require.ErrorIs(t, err, driver.ErrConflict, "Insert with an existing username must return ErrConflict")
		_, err = st.Devices().Get(ctx, dup.ID)
		require.ErrorIs(t, err, driver.ErrNotFound, "a rejected Insert must store nothing")
	})

	t.Run("Insert/DuplicateUsernameIgnoringCaseIsErrConflict", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		d := newDevice(newAddress())
		d.Username = "USRabcDEF0123456789"
		mustInsertDevice(ctx, t, st, d)
		for _, variant := range []string{"usrabcdef0123456789", "USRABCDEF0123456789", "uSRaBcdeF0123456789"} {
			dup := newDevice(newAddress())
			dup.Username = variant
			err := st.Devices().Insert(ctx, dup)
			require.ErrorIs(t, err, driver.ErrConflict, "Insert of username %q must conflict with %q: usernames compare case-insensitively", variant, d.Username)
		}
	})

	t.Run("Insert/SecondBackupDeviceOfIdentityIsErrConflict", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		address := newAddress()
		backup := newDevice(address)
		backup.IsBackupDevice = true
		mustInsertDevice(ctx, t, st, backup)
		second := newDevice(address)
		second.IsBackupDevice = true
		err := st.Devices().Insert(ctx, second)
		require.ErrorIs(t, err, driver.ErrConflict, "Insert of a second backup device of one identity must return ErrConflict")
		_, err = st.Devices().Get(ctx, second.ID)
		require.ErrorIs(t, err, driver.ErrNotFound, "a rejected Insert must store nothing")
	})

	t.Run("Insert/OneBackupDevicePerIdentityAllowsOtherDevices", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		address := newAddress()
		backup := newDevice(address)
		backup.IsBackupDevice = true
		mustInsertDevice(ctx, t, st, backup)
		for range 3 {
			require.NoError(t, st.Devices().Insert(ctx, newDevice(address)), "an identity with a backup device may have any number of other devices")
		}
		other := newDevice(newAddress())
		other.IsBackupDevice = true
		require.NoError(t, st.Devices().Insert(ctx, other), "another identity may have a backup device of its own")
	})

	t.Run("Get/UnknownIDIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		mustInsertDevice(ctx, t, st, newDevice(newAddress()))
		_, err := st.Devices().Get(ctx, newID("DVC"))
		require.ErrorIs(t, err, driver.ErrNotFound, "Get of an unknown device ID must return ErrNotFound")
	})

	t.Run("Get/TimesRoundTripAsTheSameInstantInUTC", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		d := newDevice(newAddress())
		d.CreatedAt = time.Date(2030, 12, 31, 23, 59, 59, 999_000_000, otherZone)
		d.LastLoginAt = ptr(time.Date(2031, 1, 1, 1, 0, 0, 1_000_000, otherZone))
		d.LockedOutUntil = ptr(time.Date(2031, 1, 1, 2, 30, 0, 0, otherZone))
		mustInsertDevice(ctx, t, st, d)
		got, err := st.Devices().Get(ctx, d.ID)
		require.NoError(t, err)
		requireUTC(t, "Get", &got.CreatedAt, got.LastLoginAt, got.LockedOutUntil)
		require.Equal(t, d.CreatedAt.UTC(), got.CreatedAt, "CreatedAt must round-trip to the millisecond")
		require.Equal(t, d.LastLoginAt.UTC(), *got.LastLoginAt, "LastLoginAt must round-trip to the millisecond")
		require.Equal(t, d.LockedOutUntil.UTC(), *got.LockedOutUntil, "LockedOutUntil must round-trip to the millisecond")
	})

	t.Run("GetByUsername/MatchesIgnoringCase", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		want := newDevice(newAddress())
		want.Username = "USRaBcDeF0123456789"
		mustInsertDevice(ctx, t, st, want)
		mustInsertDevice(ctx, t, st, newDevice(want.IdentityAddress))
		for _, u := range []string{want.Username, strings.ToLower(want.Username), strings.ToUpper(want.Username)} {
			got, err := st.Devices().GetByUsername(ctx, u)
			require.NoError(t, err, "GetByUsername(%q) must find the device with username %q: case is ignored", u, want.Username)
			require.Equal(t, want, got, "GetByUsername must return the device, with the username as stored")
		}
	})

	t.Run("GetByUsername/UnknownUsernameIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		d := mustInsertDevice(ctx, t, st, newDevice(newAddress()))
		_, err := st.Devices().GetByUsername(ctx, newID("USR"))
		require.ErrorIs(t, err, driver.ErrNotFound, "GetByUsername of an unknown username must return ErrNotFound")
		_, err = st.Devices().GetByUsername(ctx, d.Username[:len(d.Username)-1])
		require.ErrorIs(t, err, driver.ErrNotFound, "GetByUsername must match the whole username, not a prefix")
	})

	t.Run("List/OrdersByCreatedAtThenID", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		address := newAddress()
		var want []driver.Device
		// Inserted out of order; three share a CreatedAt, so ID decides.
		for _, d := range []time.Duration{time.Hour, 0, time.Millisecond, 0, -time.Second, 0} {
			dev := newDevice(address)
			dev.CreatedAt = at(d)
			want = append(want, mustInsertDevice(ctx, t, st, dev))
		}
		slices.SortFunc(want, func(a, b driver.Device) int {
			if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})
		got, total, err := st.Devices().List(ctx, address, nil, driver.PageRequest{Number: 1, Size: 100})
		require.NoError(t, err)
		require.Equal(t, len(want), total)
		require.Equal(t, ids(want), ids(got), "List must order devices by CreatedAt, then ID")
		require.Equal(t, want, got, "List must return the devices as inserted")
	})

	t.Run("List/ReturnsTheIdentitysDevicesOnly", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		address := newAddress()
		mine := []driver.Device{mustInsertDevice(ctx, t, st, newDevice(address))}
		mustInsertDevice(ctx, t, st, newDevice(newAddress()))
		got, total, err := st.Devices().List(ctx, address, nil, driver.PageRequest{Number: 1, Size: 10})
		require.NoError(t, err)
		require.Equal(t, 1, total, "the total must count the identity's devices only")
		require.Equal(t, ids(mine), ids(got), "List must return the identity's devices only")
	})

	t.Run("List/PagesWithTheTotalOfAllPages", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		address := newAddress()
		var all []driver.Device
		for i := range 7 {
			d := newDevice(address)
			d.CreatedAt = at(time.Duration(i) * time.Second)
			all = append(all, mustInsertDevice(ctx, t, st, d))
		}
		for _, tc := range []struct {
			page driver.PageRequest
			want []driver.Device
		}{
			{driver.PageRequest{Number: 1, Size: 3}, all[0:3]},
			{driver.PageRequest{Number: 2, Size: 3}, all[3:6]},
			{driver.PageRequest{Number: 3, Size: 3}, all[6:7]},
			{driver.PageRequest{Number: 1, Size: 7}, all},
			{driver.PageRequest{Number: 2, Size: 1}, all[1:2]},
		} {
			got, total, err := st.Devices().List(ctx, address, nil, tc.page)
			require.NoError(t, err)
			require.Equal(t, 7, total, "page %+v: the total must count every matching device, not the page", tc.page)
			require.Equal(t, ids(tc.want), ids(got), "page %+v must hold the devices at offset (Number-1)×Size", tc.page)
		}
	})

	t.Run("List/PageBeyondTheEndIsEmptyWithTheTotal", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		address := newAddress()
		for range 2 {
			mustInsertDevice(ctx, t, st, newDevice(address))
		}
		got, total, err := st.Devices().List(ctx, address, nil, driver.PageRequest{Number: 3, Size: 2})
		require.NoError(t, err, "a page beyond the end is not an error")
		require.Empty(t, got)
		require.Equal(t, 2, total, "the total must be reported also for a page beyond the end")
	})

	t.Run("List/UnknownIdentityIsEmpty", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		mustInsertDevice(ctx, t, st, newDevice(newAddress()))
		got, total, err := st.Devices().List(ctx, newAddress(), nil, driver.PageRequest{Number: 1, Size: 10})
		require.NoError(t, err, "List of an identity without devices is not an error")
		require.Empty(t, got)
		require.Zero(t, total)
	})

	t.Run("List/WithIDsMatchesOnlyThoseDevices", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		address := newAddress()
		var all []driver.Device
		for i := range 5 {
			d := newDevice(address)
			d.CreatedAt = at(time.Duration(i) * time.Second)
			all = append(all, mustInsertDevice(ctx, t, st, d))
		}
		foreign := mustInsertDevice(ctx, t, st, newDevice(newAddress()))
		filter := []string{all[3].ID, all[1].ID, foreign.ID, newID("DVC"), all[4].ID}
		got, total, err := st.Devices().List(ctx, address, filter, driver.PageRequest{Number: 1, Size: 10})
		require.NoError(t, err)
		require.Equal(t, ids([]driver.Device{all[1], all[3], all[4]}), ids(got),
			"with ids, List must return the identity's devices with those IDs, in order; another identity's device never matches")
		require.Equal(t, 3, total, "with ids, the total must count the matching devices only")

		got, total, err = st.Devices().List(ctx, address, filter, driver.PageRequest{Number: 2, Size: 2})
		require.NoError(t, err)
		require.Equal(t, ids([]driver.Device{all[4]}), ids(got), "paging must apply to the filtered devices")
		require.Equal(t, 3, total)
	})

	t.Run("Update/ReplacesTheMutableFields", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		want := mustInsertDevice(ctx, t, st, newDevice(newAddress()))
		want.PasswordHash = "$argon2id$new"
		want.LastLoginAt = ptr(at(time.Minute))
		want.CommunicationLanguage = "fr"
		want.IsBackupDevice = true
		want.FailedLogins = 4
		want.LockedOutUntil = ptr(at(time.Hour))
		require.NoError(t, st.Devices().Update(ctx, want), "Update of an existing device must succeed")
		got, err := st.Devices().Get(ctx, want.ID)
		require.NoError(t, err)
		require.Equal(t, want, got, "Update must replace PasswordHash, LastLoginAt, CommunicationLanguage, IsBackupDevice, FailedLogins and LockedOutUntil")
	})

	t.Run("Update/ClearsOptionalTimes", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		d := newDevice(newAddress())
		d.LastLoginAt, d.LockedOutUntil, d.FailedLogins, d.IsBackupDevice = ptr(at(time.Minute)), ptr(at(time.Hour)), 5, true
		want := mustInsertDevice(ctx, t, st, d)
		want.LastLoginAt, want.LockedOutUntil, want.FailedLogins, want.IsBackupDevice = nil, nil, 0, false
		require.NoError(t, st.Devices().Update(ctx, want))
		got, err := st.Devices().Get(ctx, want.ID)
		require.NoError(t, err)
		require.Equal(t, want, got, "Update must clear LastLoginAt and LockedOutUntil when they are nil")
	})

	t.Run("Update/LeavesTheOtherFieldsUnchanged", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		d := newDevice(newAddress())
		d.CreatedByDevice = newID("DVC")
		want := mustInsertDevice(ctx, t, st, d)
		change := want
		change.IdentityAddress = newAddress()
		change.Username = newID("USR")
		change.CreatedAt = at(time.Hour)
		change.CreatedByDevice = newID("DVC")
		require.NoError(t, st.Devices().Update(ctx, change))
		got, err := st.Devices().Get(ctx, want.ID)
		require.NoError(t, err)
		require.Equal(t, want, got, "Update must not change IdentityAddress, Username, CreatedAt or CreatedByDevice")
		got, err = st.Devices().GetByUsername(ctx, want.Username)
		require.NoError(t, err, "after Update the device must still be found by its username")
		require.Equal(t, want.ID, got.ID)
	})

	t.Run("Update/UnknownIDIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		d := newDevice(newAddress())
		err := st.Devices().Update(ctx, d)
		require.ErrorIs(t, err, driver.ErrNotFound, "Update of an unknown device ID must return ErrNotFound")
		_, err = st.Devices().Get(ctx, d.ID)
		require.ErrorIs(t, err, driver.ErrNotFound, "Update of an unknown device ID must not create the device")
	})

	t.Run("IncrementFailedLogins/AddsOneAndReturnsTheNewCount", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		d := newDevice(newAddress())
		d.FailedLogins = 2
		mustInsertDevice(ctx, t, st, d)
		for want := 3; want <= 5; want++ {
			n, err := st.Devices().IncrementFailedLogins(ctx, d.ID)
			require.NoError(t, err)
			require.Equal(t, want, n, "IncrementFailedLogins must return the count after adding one")
		}
		got, err := st.Devices().Get(ctx, d.ID)
		require.NoError(t, err)
		require.Equal(t, 5, got.FailedLogins, "IncrementFailedLogins must store the new count")
		d.FailedLogins = 5
		require.Equal(t, d, got, "IncrementFailedLogins must change nothing but FailedLogins")
	})

	t.Run("IncrementFailedLogins/UnknownIDIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		mustInsertDevice(ctx, t, st, newDevice(newAddress()))
		_, err := st.Devices().IncrementFailedLogins(ctx, newID("DVC"))
		require.ErrorIs(t, err, driver.ErrNotFound, "IncrementFailedLogins of an unknown device must return ErrNotFound")
	})

	t.Run("IncrementFailedLogins/ConcurrentCallsLoseNoIncrement", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		d := mustInsertDevice(ctx, t, st, newDevice(newAddress()))
		const calls = 20
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			results []int
			errs    []error
		)
		for range calls {
			wg.Go(func() {
				n, err := st.Devices().IncrementFailedLogins(ctx, d.ID)
				mu.Lock()
				defer mu.Unlock()
				results, errs = append(results, n), append(errs, err)
			})
		}
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err)
		}
		slices.Sort(results)
		want := make([]int, calls)
		for i := range want {
			want[i] = i + 1
		}
		require.Equal(t, want, results, "concurrent IncrementFailedLogins calls must each see their own increment: the increment is atomic")
		got, err := st.Devices().Get(ctx, d.ID)
		require.NoError(t, err)
		require.Equal(t, calls, got.FailedLogins, "no concurrent increment may be lost")
	})

	t.Run("Delete/RemovesTheDevice", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		d := mustInsertDevice(ctx, t, st, newDevice(newAddress()))
		other := mustInsertDevice(ctx, t, st, newDevice(d.IdentityAddress))
		require.NoError(t, st.Devices().Delete(ctx, d.ID), "Delete of an existing device must succeed")
		_, err := st.Devices().Get(ctx, d.ID)
		require.ErrorIs(t, err, driver.ErrNotFound, "a deleted device must be gone")
		_, err = st.Devices().GetByUsername(ctx, d.Username)
		require.ErrorIs(t, err, driver.ErrNotFound, "a deleted device must not be found by username")
		got, total, err := st.Devices().List(ctx, d.IdentityAddress, nil, driver.PageRequest{Number: 1, Size: 10})
		require.NoError(t, err)
		require.Equal(t, 1, total)
		require.Equal(t, []string{other.ID}, ids(got), "Delete must remove that device only")
	})

	t.Run("Delete/FreesTheUsernameAndTheBackupSlot", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		d := newDevice(newAddress())
		d.IsBackupDevice = true
		mustInsertDevice(ctx, t, st, d)
		require.NoError(t, st.Devices().Delete(ctx, d.ID))
		again := newDevice(d.IdentityAddress)
		again.Username, again.IsBackupDevice = strings.ToLower(d.Username), true
		require.NoError(t, st.Devices().Insert(ctx, again), "after Delete, the username and the identity's backup slot must be free again")
	})

	t.Run("Delete/UnknownIDIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		d := mustInsertDevice(ctx, t, st, newDevice(newAddress()))
		err := st.Devices().Delete(ctx, newID("DVC"))
		require.ErrorIs(t, err, driver.ErrNotFound, "Delete of an unknown device ID must return ErrNotFound")
		_, err = st.Devices().Get(ctx, d.ID)
		require.NoError(t, err, "a failed Delete must remove nothing")
	})
}

// ids lists the devices' IDs, for readable failure messages.
func ids(ds []driver.Device) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}
