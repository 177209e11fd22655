package storetest_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/adapters/sqlstore"
	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/conformance/storetest"
)

// The suite's promise to implementers: a store that breaks the contract fails
// it, and the failure names the rule. These tests break the SQLite store on
// purpose, one rule at a time, run the suite on it in a child process (a
// failing suite must not fail this test binary) and read its verdict.

// brokenEnv selects, in the child process, how the store is broken.
const brokenEnv = "OPENBACKBONE_STORETEST_BROKEN"

// breakages wrap a working store so that it breaks one rule.
var breakages = map[string]func(driver.Store) driver.Store{
	// The working store itself: the control that shows the wrapping and the
	// child process alone fail nothing.
	"none": func(st driver.Store) driver.Store { return st },
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

// brokenHarness makes SQLite stores in temporary files, broken as asked.
type brokenHarness struct {
	t      testing.TB
	breaks func(driver.Store) driver.Store
	stores []*sqlstore.Store
}

func (h *brokenHarness) MakeStore(ctx context.Context) (driver.Store, error) {
	st, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(h.t.TempDir(), "store.db"), sqlstore.Options{})
	if err != nil {
		return nil, err
	}
	h.stores = append(h.stores, st)
	if err := st.Migrate(ctx); err != nil {
		return nil, err
	}
	return h.breaks(st), nil
}

func (h *brokenHarness) Close() {
	for _, st := range h.stores {
		_ = st.Close()
	}
}

// TestBrokenStoreChild is the child process's test: it runs the suite on the
// store broken as brokenEnv says. Run directly, it has nothing to do.
func TestBrokenStoreChild(t *testing.T) {
	breaks, ok := breakages[os.Getenv(brokenEnv)]
	if !ok {
		t.Skipf("runs only as the child process of TestBrokenStoreFailsNamingTheRule (%s unset)", brokenEnv)
	}
	storetest.RunConformanceTests(t, func(_ context.Context, t testing.TB) (storetest.Harness, error) {
		return &brokenHarness{t: t, breaks: breaks}, nil
	})
}

// runChild runs the suite's group on the store broken as breakage says and
// returns whether it passed, and its verbose output.
func runChild(t *testing.T, breakage, group string) (bool, string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestBrokenStoreChild$/^"+group+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), brokenEnv+"="+breakage)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run the suite in a child process: %v", err)
	}
	return err == nil, string(out)
}

func TestBrokenStoreFailsNamingTheRule(t *testing.T) {
	for _, c := range []struct {
		breakage, group string
		rule            string // the subtest that must fail
		message         string // what its failure must say
		unaffected      string // a rule of the group that must still pass
	}{
		{
			breakage:   "device-lookup",
			group:      "Devices",
			rule:       "TestBrokenStoreChild/Devices/Get/UnknownIDIsErrNotFound",
			message:    "Get of an unknown device ID must return ErrNotFound",
			unaffected: "TestBrokenStoreChild/Devices/Insert/ThenGetReturnsItUnchanged",
		},
		{
			breakage:   "intx-commits-on-error",
			group:      "InTx",
			rule:       "TestBrokenStoreChild/InTx/ErrorRollsBackEveryWrite",
			message:    "after fn returns an error, no insert through the Tx may remain",
			unaffected: "TestBrokenStoreChild/InTx/NilCommitsEveryWrite",
		},
	} {
		t.Run(c.breakage, func(t *testing.T) {
			t.Parallel()
			passed, out := runChild(t, "none", c.group)
			require.True(t, passed, "the working store must pass the %s rules; child output:\n%s", c.group, out)

			passed, out = runChild(t, c.breakage, c.group)
			require.False(t, passed, "the suite passed a store whose %s is broken; child output:\n%s", c.breakage, out)
			assert.Contains(t, out, "--- FAIL: "+c.rule+" ", "the failure must be reported under the rule's name")
			assert.Contains(t, out, c.message, "the failure must say what the rule demands")
			assert.Contains(t, out, "--- PASS: "+c.unaffected+" ", "rules the breakage does not touch must still pass")
			if t.Failed() {
				t.Logf("child output:\n%s", out)
			}
		})
	}
}
