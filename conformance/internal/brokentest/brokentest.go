// Package brokentest checks the conformance suites' promise to implementers:
// an adapter that breaks the contract fails its suite, and the failure names
// the rule. A suite's tests break a working adapter on purpose, one rule at a
// time, and run the suite on it in a child process, because a failing suite
// must not fail the test binary that checks it; this package runs that child
// and reads its verdict.
package brokentest

import (
	"errors"
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Control names the breakage that breaks nothing: the working adapter runs
// through the same child process, so that a failure under a real breakage
// is the breakage's and not the harness's.
const Control = "none"

// Suite names how one suite's broken-adapter test reaches its child.
type Suite struct {
	// Env selects, in the child process, how the adapter is broken.
	Env string
	// Child is the test function that runs the suite in the child process.
	Child string
	// Subject is what the suite tests ("store", "bus"), for failure messages.
	Subject string
}

// Case is one breakage and the verdict the suite must reach on it.
type Case struct {
	// Breakage is the key of the breakage in the suite's map.
	Breakage string
	// Area is the suite's top-level subtest the breakage affects; only it runs.
	Area string
	// Rule is the full name of the subtest that must fail.
	Rule string
	// Message is what its failure must say.
	Message string
	// Unaffected, if set, is the full name of a rule of the area that must
	// still pass; empty where every rule of the area depends on the broken one.
	Unaffected string
}

// Selected returns the breakage that s.Env selects in the child process, a
// wrapper of the working adapter, or for Control the adapter itself. Run
// directly, the child test has nothing to do, so Selected skips it.
func Selected[A any](t *testing.T, s Suite, breakages map[string]func(A) A) func(A) A {
	t.Helper()
	name := os.Getenv(s.Env)
	if name == Control {
		return func(a A) A { return a }
	}
	breaks, ok := breakages[name]
	if !ok {
		t.Skipf("runs only as the child process of a broken-%s test (%s unset)", s.Subject, s.Env)
	}
	return breaks
}

// Run checks each case in parallel: the suite's area passes on the working
// adapter, and fails on the broken one under the rule's name with its message.
func Run(t *testing.T, s Suite, cases []Case) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.Breakage, func(t *testing.T) {
			t.Parallel()
			passed, out := runChild(t, s, Control, c.Area)
			require.True(t, passed, "the working %s must pass the %s rules; child output:\n%s", s.Subject, c.Area, out)

			passed, out = runChild(t, s, c.Breakage, c.Area)
			require.False(t, passed, "the suite passed a %s whose %s is broken; child output:\n%s", s.Subject, c.Breakage, out)
			assert.Contains(t, out, "--- FAIL: "+c.Rule+" ", "the failure must be reported under the rule's name")
			assert.Contains(t, out, c.Message, "the failure must say what broke the rule")
			if c.Unaffected != "" {
				assert.Contains(t, out, "--- PASS: "+c.Unaffected+" ", "rules the breakage does not touch must still pass")
			}
			if t.Failed() {
				t.Logf("child output:\n%s", out)
			}
		})
	}
}

// runChild runs the suite's area in a child process on the adapter broken as
// breakage says and returns whether it passed, and its verbose output.
func runChild(t *testing.T, s Suite, breakage, area string) (bool, string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^"+s.Child+"$/^"+area+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), s.Env+"="+breakage)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run the suite in a child process: %v", err)
	}
	return err == nil, string(out)
}
