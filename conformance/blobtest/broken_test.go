package blobtest_test

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/adapters/gocloudblob"
	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/conformance/blobtest"
)

// The suite's promise to implementers: a blob store that breaks the contract
// fails it, and the failure names the rule. These tests break the in-memory
// store on purpose, one rule at a time, run the suite on it in a child
// process (a failing suite must not fail this test binary) and read its
// verdict.

// brokenEnv selects, in the child process, how the store is broken.
const brokenEnv = "OPENBACKBONE_BLOBTEST_BROKEN"

// breakages wrap a working store so that it breaks one rule.
var breakages = map[string]func(driver.Blob) driver.Blob{
	// The working store itself: the control that shows the wrapping and the
	// child process alone fail nothing.
	"none": func(b driver.Blob) driver.Blob { return b },
	// A read of a missing key that returns an empty blob instead of
	// driver.ErrNotFound.
	"missing-reads-empty": func(b driver.Blob) driver.Blob { return missingReadsEmpty{b} },
	// A delete of a missing key that reports success.
	"missing-deletes": func(b driver.Blob) driver.Blob { return missingDeletes{b} },
}

type missingReadsEmpty struct{ driver.Blob }

func (b missingReadsEmpty) NewReader(ctx context.Context, key string) (io.ReadCloser, error) {
	r, err := b.Blob.NewReader(ctx, key)
	if errors.Is(err, driver.ErrNotFound) {
		return io.NopCloser(strings.NewReader("")), nil
	}
	return r, err
}

type missingDeletes struct{ driver.Blob }

func (b missingDeletes) Delete(ctx context.Context, key string) error {
	if err := b.Blob.Delete(ctx, key); !errors.Is(err, driver.ErrNotFound) {
		return err
	}
	return nil
}

type brokenHarness struct{ breaks func(driver.Blob) driver.Blob }

func (h brokenHarness) MakeBlob(ctx context.Context) (driver.Blob, error) {
	b, err := gocloudblob.Open(ctx, "mem://", gocloudblob.Options{})
	if err != nil {
		return nil, err
	}
	return h.breaks(b), nil
}
func (brokenHarness) Close() {}

// TestBrokenBlobChild is the child process's test: it runs the suite on the
// store broken as brokenEnv says. Run directly, it has nothing to do.
func TestBrokenBlobChild(t *testing.T) {
	breaks, ok := breakages[os.Getenv(brokenEnv)]
	if !ok {
		t.Skipf("runs only as the child process of TestBrokenBlobFailsNamingTheRule (%s unset)", brokenEnv)
	}
	blobtest.RunConformanceTests(t, func(context.Context, testing.TB) (blobtest.Harness, error) {
		return brokenHarness{breaks}, nil
	})
}

// runChild runs the suite's area on the store broken as breakage says and
// returns whether it passed, and its verbose output.
func runChild(t *testing.T, breakage, area string) (bool, string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestBrokenBlobChild$/^"+area+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), brokenEnv+"="+breakage)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run the suite in a child process: %v", err)
	}
	return err == nil, string(out)
}

func TestBrokenBlobFailsNamingTheRule(t *testing.T) {
	for _, c := range []struct {
		breakage, area string
		rule           string // the subtest that must fail
		message        string // what its failure must say
		unaffected     string // a rule of the area that must still pass
	}{
		{
			breakage:   "missing-reads-empty",
			area:       "Read",
			rule:       "TestBrokenBlobChild/Read/MissingIsErrNotFound",
			message:    `rule "MissingIsErrNotFound" broken: a key never written: NewReader("never-written") succeeded`,
			unaffected: "TestBrokenBlobChild/Read/ReturnsWhatWasWritten",
		},
		{
			breakage:   "missing-deletes",
			area:       "Delete",
			rule:       "TestBrokenBlobChild/Delete/MissingIsErrNotFound",
			message:    `rule "MissingIsErrNotFound" broken: Delete of a key never written = <nil>, want an error wrapping driver.ErrNotFound`,
			unaffected: "TestBrokenBlobChild/Delete/RemovesBlob",
		},
	} {
		t.Run(c.breakage, func(t *testing.T) {
			t.Parallel()
			passed, out := runChild(t, "none", c.area)
			require.True(t, passed, "the working store must pass the %s rules; child output:\n%s", c.area, out)

			passed, out = runChild(t, c.breakage, c.area)
			require.False(t, passed, "the suite passed a store whose %s is broken; child output:\n%s", c.breakage, out)
			assert.Contains(t, out, "--- FAIL: "+c.rule+" ", "the failure must be reported under the rule's name")
			assert.Contains(t, out, c.message, "the failure must name the rule and say what broke")
			assert.Contains(t, out, "--- PASS: "+c.unaffected+" ", "rules the breakage does not touch must still pass")
			if t.Failed() {
				t.Logf("child output:\n%s", out)
			}
		})
	}
}
