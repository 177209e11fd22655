package sqlstore

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// A registration belongs to a device: the table's foreign key refuses one
// for a device that does not exist, which Upsert reports as ErrNotFound
// with the native error kept.
func TestPushRegistrationOfAnUnknownDeviceIsErrNotFound(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, open func(t *testing.T) *Store) {
		ctx := context.Background()
		st := open(t)
		require.NoError(t, st.Migrate(ctx))
		r := driver.PushRegistration{
			DeviceID: "DVC1", IdentityAddress: "id1", DevicePushIdentifier: "DPI1", Platform: driver.PlatformFCM,
			Handle: "handle0001", AppID: "app", Environment: driver.PushProduction, UpdatedAt: time.Now(),
		}
		_, err := st.PushRegistrations().Upsert(ctx, r)
		require.ErrorIs(t, err, driver.ErrNotFound)
		require.True(t, foreignKeyViolation(err), "the native error must stay wrapped")
		_, err = st.PushRegistrations().Get(ctx, "DVC1")
		require.ErrorIs(t, err, driver.ErrNotFound)

		require.NoError(t, st.Devices().Insert(ctx, driver.Device{ID: "DVC1", IdentityAddress: "id1", Username: "USR1", CreatedAt: time.Now()}))
		_, err = st.PushRegistrations().Upsert(ctx, r)
		require.NoError(t, err, "once the device exists, its registration is accepted")
	})
}
