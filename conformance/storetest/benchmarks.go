package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// RunBenchmarks measures the store calls on the login and device paths
// against a store holding a few hundred identities and devices.
func RunBenchmarks(b *testing.B, newHarness HarnessMaker) {
	ctx, st := newStore(b, newHarness)
	const identities, devicesEach = 200, 5
	var (
		someIdentity driver.Identity
		someDevice   driver.Device
	)
	err := st.InTx(ctx, func(tx driver.Tx) error {
		for i := range identities {
			identity := newIdentity()
			if err := tx.Identities().Insert(ctx, identity); err != nil {
				return err
			}
			for j := range devicesEach {
				d := newDevice(identity.Address)
				d.CreatedAt = at(time.Duration(j) * time.Second)
				if err := tx.Devices().Insert(ctx, d); err != nil {
					return err
				}
				if i == identities/2 && j == devicesEach-1 {
					someDevice = d
				}
			}
			if i == identities/2 {
				someIdentity = identity
			}
		}
		return nil
	})
	if err != nil {
		b.Fatalf("fixture: %v", err)
	}

	b.Run("Devices/GetByUsername", func(b *testing.B) {
		username := strings.ToLower(someDevice.Username)
		for b.Loop() {
			if _, err := st.Devices().GetByUsername(ctx, username); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Devices/List", func(b *testing.B) {
		page := driver.PageRequest{Number: 1, Size: 10}
		for b.Loop() {
			if ds, total, err := st.Devices().List(ctx, someIdentity.Address, nil, page); err != nil || total != devicesEach || len(ds) != devicesEach {
				b.Fatalf("List: %d devices of %d, %v", len(ds), total, err)
			}
		}
	})
	b.Run("Identities/Get", func(b *testing.B) {
		for b.Loop() {
			if _, err := st.Identities().Get(ctx, someIdentity.Address); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("InTx/GetAndUpdateDevice", func(b *testing.B) {
		for b.Loop() {
			err := st.InTx(ctx, func(tx driver.Tx) error {
				d, err := tx.Devices().Get(ctx, someDevice.ID)
				if err != nil {
					return err
				}
				d.FailedLogins = 0
				return tx.Devices().Update(ctx, d)
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
