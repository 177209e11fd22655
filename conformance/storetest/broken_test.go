package storetest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/conformance/internal/brokentest"
	"github.com/openbackbone/openbackbone/conformance/storetest"
)

// These tests break the SQLite store on purpose, one rule at a time, and hold
// the suite to failing it under the rule's name (see brokentest).

// broken names this suite's child process for brokentest.
var broken = brokentest.Suite{
	Env:     "OPENBACKBONE_STORETEST_BROKEN",
	Child:   "TestBrokenStoreChild",
	Subject: "store",
}

// breakages wrap a working store so that it breaks one rule.
var breakages = map[string]func(driver.Store) driver.Store{
	// A device lookup that reports a miss as an empty record and no error,
	// instead of driver.ErrNotFound.
	"device-lookup": func(st driver.Store) driver.Store { return lookupStore{st} },
	// An InTx that commits whatever fn wrote even when fn fails.
	"intx-commits-on-error": func(st driver.Store) driver.Store { return committingStore{st} },
}

type lookupStore struct{ driver.Store }

func (s lookupStore) Devices() driver.DeviceStore { return missIsEmpty{s.Store.Devices()} }

type missIsEmpty struct{ driver.DeviceStore }

func (d missIsEmpty) Get(ctx context.Context, id string) (driver.Device, error) {
	dev, err := d.DeviceStore.Get(ctx, id)
	if errors.Is(err, driver.ErrNotFound) {
		return driver.Device{}, nil
	}
	return dev, err
}

type committingStore struct{ driver.Store }

func (s committingStore) InTx(ctx context.Context, fn func(driver.Tx) error) error {
	var fnErr error
	if err := s.Store.InTx(ctx, func(tx driver.Tx) error {
		fnErr = fn(tx)
		return nil
	}); err != nil {
		return err
	}
	return fnErr
}

// brokenHarness makes the example's SQLite stores, broken as asked.
type brokenHarness struct {
	harness
	breaks func(driver.Store) driver.Store
}

func (h *brokenHarness) MakeStore(ctx context.Context) (driver.Store, error) {
	st, err := h.harness.MakeStore(ctx)
	if err != nil {
		return nil, err
	}
	return h.breaks(st), nil
}

// TestBrokenStoreChild is the child process's test: it runs the suite on the
// store broken as broken.Env says. Run directly, it has nothing to do.
func TestBrokenStoreChild(t *testing.T) {
	breaks := brokentest.Selected(t, broken, breakages)
	storetest.RunConformanceTests(t, func(_ context.Context, t testing.TB) (storetest.Harness, error) {
		return &brokenHarness{harness: harness{t: t}, breaks: breaks}, nil
	})
}

func TestBrokenStoreFailsNamingTheRule(t *testing.T) {
	brokentest.Run(t, broken, []brokentest.Case{
		{
			Breakage:   "device-lookup",
			Area:       "Devices",
			Rule:       "TestBrokenStoreChild/Devices/Get/UnknownIDIsErrNotFound",
			Message:    "Get of an unknown device ID must return ErrNotFound",
			Unaffected: "TestBrokenStoreChild/Devices/Insert/ThenGetReturnsItUnchanged",
		},
		{
			Breakage:   "intx-commits-on-error",
			Area:       "InTx",
			Rule:       "TestBrokenStoreChild/InTx/ErrorRollsBackEveryWrite",
			Message:    "after fn returns an error, no insert through the Tx may remain",
			Unaffected: "TestBrokenStoreChild/InTx/NilCommitsEveryWrite",
		},
	})
}
