package pushtest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/adapters/dummypush"
	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/conformance/pushtest"
)

// The suite's promise to implementers: a provider that breaks the contract
// fails it, and the failure names the rule. These tests break the dummy
// provider on purpose, one rule at a time, run the suite on it in a child
// process (a failing suite must not fail this test binary) and read its
// verdict. The dummy provider has no service, so only the rules it can be
// held to (Platform, Apps) are broken here.

// brokenEnv selects, in the child process, how the provider is broken.
const brokenEnv = "OPENBACKBONE_PUSHTEST_BROKEN"

// breakages wrap a working provider so that it breaks one rule.
var breakages = map[string]func(driver.Push) driver.Push{
	// The working provider itself: the control that shows the wrapping and
	// the child process alone fail nothing.
	"none": func(p driver.Push) driver.Push { return p },
	// A Platform that changes from call to call.
	"platform-unstable": func(p driver.Push) driver.Push { return &unstablePlatform{Push: p} },
	// A SupportsApp that approves no app, not even a configured one.
	"apps-unsupported": func(p driver.Push) driver.Push { return noApps{p} },
}

type unstablePlatform struct {
	driver.Push
	calls atomic.Int64
}

func (p *unstablePlatform) Platform() string {
	return fmt.Sprintf("%s-%d", p.Push.Platform(), p.calls.Add(1))
}

type noApps struct{ driver.Push }

func (noApps) SupportsApp(string) bool { return false }

// brokenHarness is dummypush's own harness, its providers broken.
type brokenHarness struct{ breaks func(driver.Push) driver.Push }

func (h brokenHarness) MakePush(context.Context) (driver.Push, error) {
	return h.breaks(dummypush.New(slog.New(slog.NewTextHandler(io.Discard, nil)))), nil
}

func (brokenHarness) TargetThat(_ context.Context, r pushtest.Reply) (driver.PushTarget, error) {
	if r.Behaviour != pushtest.Accept {
		return driver.PushTarget{}, fmt.Errorf("the dummy provider cannot play %v: %w", r.Behaviour, pushtest.ErrNotSupported)
	}
	return pushtest.NewTarget("eu.enmeshed.app", "dummy-"+pushtest.RandomHex(8)), nil
}

func (brokenHarness) Received(context.Context, driver.PushTarget) ([]pushtest.Received, error) {
	return nil, fmt.Errorf("the dummy provider delivers nowhere: %w", pushtest.ErrNotSupported)
}

func (brokenHarness) Carries() pushtest.Fields { return 0 }

func (brokenHarness) UnconfiguredApp() (string, error) {
	return "", fmt.Errorf("the dummy provider accepts every app: %w", pushtest.ErrNotSupported)
}

func (brokenHarness) Close() {}

// TestBrokenPushChild is the child process's test: it runs the suite on the
// provider broken as brokenEnv says. Run directly, it has nothing to do.
func TestBrokenPushChild(t *testing.T) {
	breaks, ok := breakages[os.Getenv(brokenEnv)]
	if !ok {
		t.Skipf("runs only as the child process of TestBrokenPushFailsNamingTheRule (%s unset)", brokenEnv)
	}
	pushtest.RunConformanceTests(t, func(context.Context, *testing.T) (pushtest.Harness, error) {
		return brokenHarness{breaks}, nil
	})
}

// runChild runs the suite's area on the provider broken as breakage says and
// returns whether it passed, and its verbose output.
func runChild(t *testing.T, breakage, area string) (bool, string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestBrokenPushChild$/^"+area+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), brokenEnv+"="+breakage)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run the suite in a child process: %v", err)
	}
	return err == nil, string(out)
}

func TestBrokenPushFailsNamingTheRule(t *testing.T) {
	for _, c := range []struct {
		breakage, area string
		rule           string // the subtest that must fail
		message        string // what its failure must say
		unaffected     string // a rule of the area that must still pass
	}{
		{
			breakage:   "platform-unstable",
			area:       "Platform",
			rule:       "TestBrokenPushChild/Platform/IsStable",
			message:    `rule "IsStable" broken: Platform() returned`,
			unaffected: "TestBrokenPushChild/Platform/IsNonEmpty",
		},
		{
			breakage: "apps-unsupported",
			area:     "Apps",
			rule:     "TestBrokenPushChild/Apps/ConfiguredAppIsSupported",
			message:  `rule "ConfiguredAppIsSupported" broken: SupportsApp(`,
		},
	} {
		t.Run(c.breakage, func(t *testing.T) {
			t.Parallel()
			passed, out := runChild(t, "none", c.area)
			require.True(t, passed, "the working provider must pass the %s rules; child output:\n%s", c.area, out)

			passed, out = runChild(t, c.breakage, c.area)
			require.False(t, passed, "the suite passed a provider whose %s is broken; child output:\n%s", c.breakage, out)
			assert.Contains(t, out, "--- FAIL: "+c.rule+" ", "the failure must be reported under the rule's name")
			assert.Contains(t, out, c.message, "the failure must name the rule and say what broke")
			if c.unaffected != "" {
				assert.Contains(t, out, "--- PASS: "+c.unaffected+" ", "rules the breakage does not touch must still pass")
			}
			if t.Failed() {
				t.Logf("child output:\n%s", out)
			}
		})
	}
}
