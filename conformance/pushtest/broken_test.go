package pushtest_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/openbackbone/openbackbone/adapters/dummypush"
	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/conformance/internal/brokentest"
	"github.com/openbackbone/openbackbone/conformance/pushtest"
)

// These tests break the dummy provider on purpose, one rule at a time, and
// hold the suite to failing it under the rule's name (see brokentest). The
// dummy provider has no service, so only the rules it can be held to
// (Platform, Apps) are broken here.

// broken names this suite's child process for brokentest.
var broken = brokentest.Suite{
	Env:     "OPENBACKBONE_PUSHTEST_BROKEN",
	Child:   "TestBrokenPushChild",
	Subject: "provider",
}

// breakages wrap a working provider so that it breaks one rule.
var breakages = map[string]func(driver.Push) driver.Push{
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
// provider broken as broken.Env says. Run directly, it has nothing to do.
func TestBrokenPushChild(t *testing.T) {
	breaks := brokentest.Selected(t, broken, breakages)
	pushtest.RunConformanceTests(t, func(context.Context, *testing.T) (pushtest.Harness, error) {
		return brokenHarness{breaks}, nil
	})
}

func TestBrokenPushFailsNamingTheRule(t *testing.T) {
	brokentest.Run(t, broken, []brokentest.Case{
		{
			Breakage:   "platform-unstable",
			Area:       "Platform",
			Rule:       "TestBrokenPushChild/Platform/IsStable",
			Message:    `rule "IsStable" broken: Platform() returned`,
			Unaffected: "TestBrokenPushChild/Platform/IsNonEmpty",
		},
		{
			Breakage: "apps-unsupported",
			Area:     "Apps",
			Rule:     "TestBrokenPushChild/Apps/ConfiguredAppIsSupported",
			Message:  `rule "ConfiguredAppIsSupported" broken: SupportsApp(`,
		},
	})
}
