package storetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// newPushRegistration returns an FCM registration of the device.
func newPushRegistration(d driver.Device) driver.PushRegistration {
	return driver.PushRegistration{
		DeviceID:             d.ID,
		IdentityAddress:      d.IdentityAddress,
		DevicePushIdentifier: newID("DPI"),
		Platform:             driver.PlatformFCM,
		Handle:               "fcm-token-" + newID("") + newID(""),
		AppID:                "eu.enmeshed.app",
		Environment:          driver.PushProduction,
		UpdatedAt:            at(0),
	}
}

func mustUpsertPushRegistration(ctx context.Context, t testing.TB, st driver.Stores, r driver.PushRegistration) driver.PushRegistration {
	t.Helper()
	got, err := st.PushRegistrations().Upsert(ctx, r)
	require.NoError(t, err, "fixture: upsert push registration")
	return got
}

// mustRegisterDevice inserts a device of the identity with the language and
// registers it for pushes.
func mustRegisterDevice(ctx context.Context, t testing.TB, st driver.Stores, address, language string) (driver.Device, driver.PushRegistration) {
	t.Helper()
	d := newDevice(address)
	d.CommunicationLanguage = language
	mustInsertDevice(ctx, t, st, d)
	return d, mustUpsertPushRegistration(ctx, t, st, newPushRegistration(d))
}

// recipient is what ListRecipients returns for the registration of d.
func recipient(d driver.Device, r driver.PushRegistration) driver.PushRecipient {
	return driver.PushRecipient{PushRegistration: r, CommunicationLanguage: d.CommunicationLanguage}
}

// byDeviceID sorts recipients as ListRecipients must order them.
func byDeviceID(rs []driver.PushRecipient) []driver.PushRecipient {
	slices.SortFunc(rs, func(a, b driver.PushRecipient) int { return strings.Compare(a.DeviceID, b.DeviceID) })
	return rs
}

// recipientDevices lists the recipients' device IDs, for readable failure
// messages.
func recipientDevices(rs []driver.PushRecipient) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.DeviceID
	}
	return out
}

func testPushRegistrations(t *testing.T, newHarness HarnessMaker) {
	t.Run("Upsert/InsertsAndReturnsTheRegistrationAsStored", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		d := mustInsertDevice(ctx, t, st, newDevice(newAddress()))
		want := newPushRegistration(d)
		want.Platform, want.AppID, want.Environment = driver.PlatformAPNs, "eu.enmeshed.app.ios", driver.PushDevelopment
		got, err := st.PushRegistrations().Upsert(ctx, want)
		require.NoError(t, err, "Upsert of a device without a registration must succeed")
		require.Equal(t, want, got, "Upsert must return the registration as given when the device had none")
		got, err = st.PushRegistrations().Get(ctx, d.ID)
		require.NoError(t, err, "Get of an upserted registration must succeed")
		require.Equal(t, want, got, "Get must return the registration as upserted")
	})

	t.Run("Upsert/TimesRoundTripAsTheSameInstantInUTC", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		d := mustInsertDevice(ctx, t, st, newDevice(newAddress()))
		r := newPushRegistration(d)
		r.UpdatedAt = time.Date(2031, 1, 1, 0, 59, 59, 1_000_000, otherZone)
		got, err := st.PushRegistrations().Upsert(ctx, r)
		require.NoError(t, err)
		requireUTC(t, "Upsert", &got.UpdatedAt)
		require.Equal(t, r.UpdatedAt.UTC(), got.UpdatedAt, "Upsert must return UpdatedAt to the millisecond")
		got, err = st.PushRegistrations().Get(ctx, d.ID)
		require.NoError(t, err)
		requireUTC(t, "Get", &got.UpdatedAt)
		require.Equal(t, r.UpdatedAt.UTC(), got.UpdatedAt, "UpdatedAt must round-trip to the millisecond")
	})

	t.Run("Upsert/OfARegisteredDeviceKeepsTheIdentifierAndIdentityAndReplacesTheRest", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		d, first := mustRegisterDevice(ctx, t, st, newAddress(), "en")
		other, otherReg := mustRegisterDevice(ctx, t, st, newAddress(), "en")
		update := driver.PushRegistration{
			DeviceID:             d.ID,
			IdentityAddress:      newAddress(),
			DevicePushIdentifier: newID("DPI"),
			Platform:             driver.PlatformAPNs,
			Handle:               "apns-token-" + newID(""),
			AppID:                "eu.enmeshed.app.ios",
			Environment:          driver.PushDevelopment,
			UpdatedAt:            at(time.Hour),
		}
		want := update
		want.DevicePushIdentifier, want.IdentityAddress = first.DevicePushIdentifier, first.IdentityAddress
		got, err := st.PushRegistrations().Upsert(ctx, update)
		require.NoError(t, err, "Upsert of a registered device must succeed")
		require.Equal(t, want, got,
			"Upsert of a registered device must keep its DevicePushIdentifier and IdentityAddress and replace Platform, Handle, AppID, Environment and UpdatedAt")
		got, err = st.PushRegistrations().Get(ctx, d.ID)
		require.NoError(t, err)
		require.Equal(t, want, got, "Get must return the registration as Upsert stored it")
		got, err = st.PushRegistrations().Get(ctx, other.ID)
		require.NoError(t, err)
		require.Equal(t, otherReg, got, "Upsert must not change another device's registration")
	})

	t.Run("Upsert/ConcurrentUpsertsOfOneDeviceLeaveOneRegistrationWithOneIdentifier", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		d := mustInsertDevice(ctx, t, st, newDevice(newAddress()))
		const calls = 10
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			given    = map[string]bool{}
			returned = map[string]bool{}
			errs     []error
		)
		for i := range calls {
			r := newPushRegistration(d)
			r.UpdatedAt = at(time.Duration(i) * time.Second)
			given[r.DevicePushIdentifier] = true
			wg.Go(func() {
				got, err := st.PushRegistrations().Upsert(ctx, r)
				mu.Lock()
				defer mu.Unlock()
				errs = append(errs, err)
				if err == nil {
					returned[got.DevicePushIdentifier] = true
				}
			})
		}
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err, "concurrent Upserts of one device must all succeed")
		}
		require.Len(t, returned, 1, "concurrent Upserts of one device must all return the same DevicePushIdentifier: the first registration's")
		got, err := st.PushRegistrations().Get(ctx, d.ID)
		require.NoError(t, err)
		require.True(t, returned[got.DevicePushIdentifier], "the stored DevicePushIdentifier must be the one every Upsert returned")
		require.True(t, given[got.DevicePushIdentifier], "the stored DevicePushIdentifier must be one an Upsert gave")
		list, err := st.PushRegistrations().ListRecipients(ctx, []string{d.IdentityAddress}, nil)
		require.NoError(t, err)
		require.Equal(t, []string{d.ID}, recipientDevices(list), "concurrent Upserts of one device must leave one registration")
	})

	t.Run("Get/UnknownDeviceIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		mustRegisterDevice(ctx, t, st, newAddress(), "en")
		_, err := st.PushRegistrations().Get(ctx, newID("DVC"))
		require.ErrorIs(t, err, driver.ErrNotFound, "Get of an unknown device must return ErrNotFound")
		unregistered := mustInsertDevice(ctx, t, st, newDevice(newAddress()))
		_, err = st.PushRegistrations().Get(ctx, unregistered.ID)
		require.ErrorIs(t, err, driver.ErrNotFound, "Get of a device without a registration must return ErrNotFound")
	})

	t.Run("Delete/RemovesTheRegistrationAndReportsWhetherThereWasOne", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		d, _ := mustRegisterDevice(ctx, t, st, newAddress(), "en")
		other, otherReg := mustRegisterDevice(ctx, t, st, d.IdentityAddress, "en")
		deleted, err := st.PushRegistrations().Delete(ctx, d.ID)
		require.NoError(t, err, "Delete of a registration must succeed")
		require.True(t, deleted, "Delete must report true when the device had a registration")
		_, err = st.PushRegistrations().Get(ctx, d.ID)
		require.ErrorIs(t, err, driver.ErrNotFound, "a deleted registration must be gone")
		got, err := st.PushRegistrations().Get(ctx, other.ID)
		require.NoError(t, err)
		require.Equal(t, otherReg, got, "Delete must remove that device's registration only")
		_, err = st.Devices().Get(ctx, d.ID)
		require.NoError(t, err, "Delete must remove the registration, not the device")
	})

	t.Run("Delete/IsIdempotentAndReportsFalseWithoutARegistration", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		d, _ := mustRegisterDevice(ctx, t, st, newAddress(), "en")
		deleted, err := st.PushRegistrations().Delete(ctx, d.ID)
		require.NoError(t, err)
		require.True(t, deleted)
		deleted, err = st.PushRegistrations().Delete(ctx, d.ID)
		require.NoError(t, err, "Delete of a registration deleted before must not be an error")
		require.False(t, deleted, "Delete must report false when the registration is gone already")
		unregistered := mustInsertDevice(ctx, t, st, newDevice(newAddress()))
		deleted, err = st.PushRegistrations().Delete(ctx, unregistered.ID)
		require.NoError(t, err, "Delete of a device without a registration must not be an error")
		require.False(t, deleted, "Delete must report false for a device without a registration")
		deleted, err = st.PushRegistrations().Delete(ctx, newID("DVC"))
		require.NoError(t, err, "Delete of an unknown device must not be an error")
		require.False(t, deleted, "Delete must report false for an unknown device")
	})

	t.Run("DeleteIfHandle/DeletesOnlyWhenPlatformAndHandleMatch", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		d, reg := mustRegisterDevice(ctx, t, st, newAddress(), "en")
		for _, tc := range []struct{ name, platform, handle string }{
			{"another handle", reg.Platform, reg.Handle + "x"},
			{"another platform", driver.PlatformAPNs, reg.Handle},
			{"a prefix of the handle", reg.Platform, reg.Handle[:len(reg.Handle)-1]},
		} {
			deleted, err := st.PushRegistrations().DeleteIfHandle(ctx, d.ID, tc.platform, tc.handle)
			require.NoError(t, err, "DeleteIfHandle with %s must not be an error", tc.name)
			require.False(t, deleted, "DeleteIfHandle with %s must report false", tc.name)
			got, err := st.PushRegistrations().Get(ctx, d.ID)
			require.NoError(t, err, "DeleteIfHandle with %s must leave the registration", tc.name)
			require.Equal(t, reg, got, "DeleteIfHandle with %s must leave the registration unchanged", tc.name)
		}
		deleted, err := st.PushRegistrations().DeleteIfHandle(ctx, d.ID, reg.Platform, reg.Handle)
		require.NoError(t, err)
		require.True(t, deleted, "DeleteIfHandle with the registration's platform and handle must report true")
		_, err = st.PushRegistrations().Get(ctx, d.ID)
		require.ErrorIs(t, err, driver.ErrNotFound, "DeleteIfHandle with the registration's platform and handle must remove it")
		deleted, err = st.PushRegistrations().DeleteIfHandle(ctx, d.ID, reg.Platform, reg.Handle)
		require.NoError(t, err, "DeleteIfHandle without a registration must not be an error")
		require.False(t, deleted, "DeleteIfHandle without a registration must report false")
	})

	t.Run("DeleteIfHandle/ARegistrationReplacedInTheMeantimeStays", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		d, old := mustRegisterDevice(ctx, t, st, newAddress(), "en")
		replacement := newPushRegistration(d)
		replacement.UpdatedAt = at(time.Minute)
		current := mustUpsertPushRegistration(ctx, t, st, replacement)
		deleted, err := st.PushRegistrations().DeleteIfHandle(ctx, d.ID, old.Platform, old.Handle)
		require.NoError(t, err)
		require.False(t, deleted, "DeleteIfHandle with the handle of a replaced registration must report false")
		got, err := st.PushRegistrations().Get(ctx, d.ID)
		require.NoError(t, err, "DeleteIfHandle with the handle of a replaced registration must leave the replacement")
		require.Equal(t, current, got)
	})

	t.Run("DeleteIfHandle/LeavesOtherDevicesWithTheHandle", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		d, reg := mustRegisterDevice(ctx, t, st, newAddress(), "en")
		other := mustInsertDevice(ctx, t, st, newDevice(newAddress()))
		shared := newPushRegistration(other)
		shared.Handle = reg.Handle
		shared = mustUpsertPushRegistration(ctx, t, st, shared)
		deleted, err := st.PushRegistrations().DeleteIfHandle(ctx, d.ID, reg.Platform, reg.Handle)
		require.NoError(t, err)
		require.True(t, deleted)
		got, err := st.PushRegistrations().Get(ctx, other.ID)
		require.NoError(t, err, "DeleteIfHandle must remove the given device's registration only")
		require.Equal(t, shared, got)
	})

	t.Run("DeleteByHandle/RemovesEveryRegistrationWithThePlatformAndHandleAndOnlyThose", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		handle := "fcm-token-" + newID("")
		var gone []driver.Device
		for range 3 {
			d := mustInsertDevice(ctx, t, st, newDevice(newAddress()))
			r := newPushRegistration(d)
			r.Handle = handle
			mustUpsertPushRegistration(ctx, t, st, r)
			gone = append(gone, d)
		}
		otherPlatform := mustInsertDevice(ctx, t, st, newDevice(newAddress()))
		r := newPushRegistration(otherPlatform)
		r.Platform, r.Handle = driver.PlatformAPNs, handle
		otherPlatformReg := mustUpsertPushRegistration(ctx, t, st, r)
		otherHandle, otherHandleReg := mustRegisterDevice(ctx, t, st, gone[0].IdentityAddress, "en")
		prefix := mustInsertDevice(ctx, t, st, newDevice(newAddress()))
		r = newPushRegistration(prefix)
		r.Handle = handle[:len(handle)-1]
		prefixReg := mustUpsertPushRegistration(ctx, t, st, r)

		n, err := st.PushRegistrations().DeleteByHandle(ctx, driver.PlatformFCM, handle)
		require.NoError(t, err, "DeleteByHandle must succeed")
		require.Equal(t, len(gone), n, "DeleteByHandle must return how many registrations it removed")
		for _, d := range gone {
			_, err := st.PushRegistrations().Get(ctx, d.ID)
			require.ErrorIs(t, err, driver.ErrNotFound, "DeleteByHandle must remove the registration of every device with the platform and handle")
		}
		for _, tc := range []struct {
			name string
			d    driver.Device
			want driver.PushRegistration
		}{
			{"the same handle on another platform", otherPlatform, otherPlatformReg},
			{"another handle", otherHandle, otherHandleReg},
			{"a prefix of the handle", prefix, prefixReg},
		} {
			got, err := st.PushRegistrations().Get(ctx, tc.d.ID)
			require.NoError(t, err, "DeleteByHandle must leave a registration with %s", tc.name)
			require.Equal(t, tc.want, got, "DeleteByHandle must leave a registration with %s unchanged", tc.name)
		}
		n, err = st.PushRegistrations().DeleteByHandle(ctx, driver.PlatformFCM, handle)
		require.NoError(t, err, "DeleteByHandle of a handle no registration has must not be an error")
		require.Zero(t, n, "DeleteByHandle of a handle no registration has must return 0")
	})

	t.Run("ListRecipients/ReturnsTheIdentitiesRegisteredDevicesWithTheirLanguageOrderedByDeviceID", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		a, b := newAddress(), newAddress()
		var want []driver.PushRecipient
		for _, tc := range []struct{ address, language string }{{a, "de"}, {a, "en"}, {b, "fr"}, {a, "it"}, {b, "de"}} {
			d, r := mustRegisterDevice(ctx, t, st, tc.address, tc.language)
			want = append(want, recipient(d, r))
		}
		mustInsertDevice(ctx, t, st, newDevice(a)) // not registered
		mustRegisterDevice(ctx, t, st, newAddress(), "en")
		byDeviceID(want)
		// An identity given twice, and one without devices.
		got, err := st.PushRegistrations().ListRecipients(ctx, []string{b, a, newAddress(), a}, nil)
		require.NoError(t, err, "ListRecipients must succeed")
		require.Equal(t, recipientDevices(want), recipientDevices(got),
			"ListRecipients must return each registered device of the identities once, ordered by DeviceID, and no device without a registration or of another identity")
		require.Equal(t, want, got, "ListRecipients must return the registrations as stored with their devices' languages")
	})

	t.Run("ListRecipients/ReturnsTheDevicesCurrentLanguage", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		d, r := mustRegisterDevice(ctx, t, st, newAddress(), "en")
		d.CommunicationLanguage = "nl"
		require.NoError(t, st.Devices().Update(ctx, d), "fixture: update device")
		got, err := st.PushRegistrations().ListRecipients(ctx, []string{d.IdentityAddress}, nil)
		require.NoError(t, err)
		require.Equal(t, []driver.PushRecipient{recipient(d, r)}, got,
			"ListRecipients must return the device's communication language as it is now, not as it was at registration")
	})

	t.Run("ListRecipients/LeavesOutTheExcludedDevices", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		a, b := newAddress(), newAddress()
		var all []driver.PushRecipient
		for _, address := range []string{a, a, a, b} {
			d, r := mustRegisterDevice(ctx, t, st, address, "en")
			all = append(all, recipient(d, r))
		}
		excluded := []string{all[1].DeviceID, newID("DVC"), all[3].DeviceID}
		want := byDeviceID([]driver.PushRecipient{all[0], all[2]})
		got, err := st.PushRegistrations().ListRecipients(ctx, []string{a, b}, excluded)
		require.NoError(t, err)
		require.Equal(t, recipientDevices(want), recipientDevices(got), "ListRecipients must leave out the excluded devices, and only those")
		got, err = st.PushRegistrations().ListRecipients(ctx, []string{a, b}, []string{})
		require.NoError(t, err)
		require.Equal(t, recipientDevices(byDeviceID(all)), recipientDevices(got), "ListRecipients with no excluded devices must leave out none")
	})

	t.Run("ListRecipients/NoIdentitiesIsEmpty", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		d, _ := mustRegisterDevice(ctx, t, st, newAddress(), "en")
		for _, identities := range [][]string{nil, {}} {
			got, err := st.PushRegistrations().ListRecipients(ctx, identities, nil)
			require.NoError(t, err, "ListRecipients of no identities must not be an error")
			require.Empty(t, got, "ListRecipients of no identities must return nothing")
			got, err = st.PushRegistrations().ListRecipients(ctx, identities, []string{d.ID})
			require.NoError(t, err, "ListRecipients of no identities must not be an error, also with excluded devices")
			require.Empty(t, got, "ListRecipients of no identities must return nothing, also with excluded devices")
		}
		got, err := st.PushRegistrations().ListRecipients(ctx, []string{newAddress()}, nil)
		require.NoError(t, err, "ListRecipients of identities without devices must not be an error")
		require.Empty(t, got, "ListRecipients of identities without devices must return nothing")
	})

	t.Run("ListRecipients/ManyIdentitiesAndExcludedDevices", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		// More identities and excluded devices than one statement should
		// list; the store must still answer in DeviceID order.
		identities := make([]string, 0, 1500)
		var all []driver.PushRecipient
		for range 8 {
			address := newAddress()
			identities = append(identities, address)
			for range 2 {
				d, r := mustRegisterDevice(ctx, t, st, address, "en")
				all = append(all, recipient(d, r))
			}
		}
		for len(identities) < cap(identities) {
			identities = append(identities, newAddress())
		}
		slices.Reverse(identities)
		// One identity given twice, far apart.
		identities = slices.Insert(identities, 0, identities[len(identities)-1])
		byDeviceID(all)
		got, err := st.PushRegistrations().ListRecipients(ctx, identities, []string{all[5].DeviceID})
		require.NoError(t, err, "ListRecipients of many identities must succeed")
		want := slices.Concat(all[:5], all[6:])
		require.Equal(t, recipientDevices(want), recipientDevices(got), "ListRecipients of many identities must return their registered devices once, but the excluded one, ordered by DeviceID")

		excluded := []string{all[0].DeviceID, all[9].DeviceID}
		for len(excluded) < 1500 {
			excluded = append(excluded, newID("DVC"))
		}
		got, err = st.PushRegistrations().ListRecipients(ctx, identities, excluded)
		require.NoError(t, err, "ListRecipients with many excluded devices must succeed")
		want = slices.Concat(all[1:9], all[10:])
		require.Equal(t, recipientDevices(want), recipientDevices(got), "ListRecipients with many excluded devices must leave out those and only those")
		require.Equal(t, want, got)
	})

	t.Run("DeviceDelete/RemovesTheDevicesRegistration", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		d, _ := mustRegisterDevice(ctx, t, st, newAddress(), "en")
		other, otherReg := mustRegisterDevice(ctx, t, st, d.IdentityAddress, "en")
		require.NoError(t, st.Devices().Delete(ctx, d.ID), "fixture: delete device")
		_, err := st.PushRegistrations().Get(ctx, d.ID)
		require.ErrorIs(t, err, driver.ErrNotFound, "deleting a device must remove its registration")
		got, err := st.PushRegistrations().ListRecipients(ctx, []string{d.IdentityAddress}, nil)
		require.NoError(t, err)
		require.Equal(t, []driver.PushRecipient{recipient(other, otherReg)}, got,
			"deleting a device must remove its registration only: the identity's other devices stay registered")
		deleted, err := st.PushRegistrations().Delete(ctx, d.ID)
		require.NoError(t, err)
		require.False(t, deleted, "after the device was deleted, no registration of it may remain")
	})

	t.Run("DeviceDelete/InTxRemovesTheRegistrationWithTheDevice", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		d, reg := mustRegisterDevice(ctx, t, st, newAddress(), "en")
		errFn := errors.New("fn failed")
		err := st.InTx(ctx, func(tx driver.Tx) error {
			if err := tx.Devices().Delete(ctx, d.ID); err != nil {
				return err
			}
			if _, err := tx.PushRegistrations().Get(ctx, d.ID); !errors.Is(err, driver.ErrNotFound) {
				return errors.Join(errors.New("inside the transaction, deleting the device must remove its registration"), err)
			}
			return errFn
		})
		require.ErrorIs(t, err, errFn)
		got, err := st.PushRegistrations().Get(ctx, d.ID)
		require.NoError(t, err, "a rolled-back device delete must leave the registration")
		require.Equal(t, reg, got)
	})

	t.Run("InTx/UpsertRolledBackLeavesNothing", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		existing, before := mustRegisterDevice(ctx, t, st, newAddress(), "en")
		fresh := mustInsertDevice(ctx, t, st, newDevice(newAddress()))
		errFn := errors.New("fn failed")
		err := st.InTx(ctx, func(tx driver.Tx) error {
			if _, err := tx.PushRegistrations().Upsert(ctx, newPushRegistration(fresh)); err != nil {
				return err
			}
			change := newPushRegistration(existing)
			change.UpdatedAt = at(time.Hour)
			if _, err := tx.PushRegistrations().Upsert(ctx, change); err != nil {
				return err
			}
			return errFn
		})
		require.ErrorIs(t, err, errFn)
		_, err = st.PushRegistrations().Get(ctx, fresh.ID)
		require.ErrorIs(t, err, driver.ErrNotFound, "an Upsert inside a rolled-back transaction must leave no registration")
		got, err := st.PushRegistrations().Get(ctx, existing.ID)
		require.NoError(t, err)
		require.Equal(t, before, got, "an Upsert inside a rolled-back transaction must leave the existing registration unchanged")
	})

	t.Run("InTx/UpsertOfADeviceInsertedInTheSameTransactionCommits", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		d := newDevice(newAddress())
		want := newPushRegistration(d)
		err := st.InTx(ctx, func(tx driver.Tx) error {
			if err := tx.Devices().Insert(ctx, d); err != nil {
				return err
			}
			_, err := tx.PushRegistrations().Upsert(ctx, want)
			return err
		})
		require.NoError(t, err, "a device and its registration written in one transaction must commit")
		got, err := st.PushRegistrations().Get(ctx, d.ID)
		require.NoError(t, err)
		require.Equal(t, want, got, "an Upsert inside a committed transaction must be stored")
	})
	testListAllRecipients(t, newHarness)
}

func testListAllRecipients(t *testing.T, newHarness HarnessMaker) {
	t.Run("ListAllRecipients/PagesThroughEveryRegistrationInDeviceIDOrderWithLanguages", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		var want []driver.PushRecipient
		for i, lang := range []string{"en", "de", "fr", "en", "it"} {
			address := newAddress()
			if i == 3 {
				address = want[0].IdentityAddress // two devices of one identity
			}
			d, r := mustRegisterDevice(ctx, t, st, address, lang)
			want = append(want, recipient(d, r))
		}
		mustInsertDevice(ctx, t, st, newDevice(newAddress())) // no registration: not listed
		want = byDeviceID(want)
		var got []driver.PushRecipient
		after := ""
		for range 10 {
			page, err := st.PushRegistrations().ListAllRecipients(ctx, after, 2)
			require.NoError(t, err, "ListAllRecipients must succeed")
			require.LessOrEqual(t, len(page), 2, "ListAllRecipients must return at most limit registrations")
			got = append(got, page...)
			if len(page) < 2 {
				break
			}
			after = page[len(page)-1].DeviceID
		}
		require.Equal(t, want, got, "paging with ListAllRecipients must return every registration once, ordered by DeviceID, with its device's language")
	})

	t.Run("ListAllRecipients/EmptyStoreReturnsAnEmptyPage", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		page, err := st.PushRegistrations().ListAllRecipients(ctx, "", 10)
		require.NoError(t, err)
		require.Empty(t, page, "ListAllRecipients without registrations must return none")
	})
}
