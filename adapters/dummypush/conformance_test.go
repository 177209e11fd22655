package dummypush_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/openbackbone/openbackbone/adapters/dummypush"
	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/conformance/pushtest"
)

// TestConformance runs the push suite against the dummy provider. It has no
// service: the rules about what arrives and how failures map skip, saying
// why, and those about Platform, SupportsApp and concurrent Sends run.
func TestConformance(t *testing.T) {
	pushtest.RunConformanceTests(t, func(context.Context, *testing.T) (pushtest.Harness, error) {
		return harness{}, nil
	})
}

type harness struct{}

func (harness) MakePush(context.Context) (driver.Push, error) {
	return dummypush.New(slog.New(slog.NewTextHandler(io.Discard, nil))), nil
}

func (harness) TargetThat(_ context.Context, r pushtest.Reply) (driver.PushTarget, error) {
	if r.Behaviour != pushtest.Accept {
		return driver.PushTarget{}, fmt.Errorf("the dummy provider delivers nowhere and fails never; it cannot play %v: %w", r.Behaviour, pushtest.ErrNotSupported)
	}
	return pushtest.NewTarget("eu.enmeshed.app", "dummy-"+pushtest.RandomHex(8)), nil
}

func (harness) Received(context.Context, driver.PushTarget) ([]pushtest.Received, error) {
	return nil, fmt.Errorf("the dummy provider delivers nowhere: %w", pushtest.ErrNotSupported)
}

func (harness) Carries() pushtest.Fields { return 0 }

func (harness) UnconfiguredApp() (string, error) {
	return "", fmt.Errorf("the dummy provider accepts every app: %w", pushtest.ErrNotSupported)
}

func (harness) Close() {}
