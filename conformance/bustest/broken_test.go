package bustest_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/adapters/gocloudbus"
	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/conformance/bustest"
)

// The suite's promise to implementers: a bus that breaks the contract fails
// it, and the failure names the rule. These tests break the in-process bus on
// purpose, one rule at a time, run the suite on it in a child process (a
// failing suite must not fail this test binary) and read its verdict.

// brokenEnv selects, in the child process, how the bus is broken.
const brokenEnv = "OPENBACKBONE_BUSTEST_BROKEN"

// breakages change what a working bus's deliveries do.
var breakages = map[string]func(driver.Delivery) driver.Delivery{
	// The working bus itself: the control that shows the wrapping and the
	// child process alone fail nothing.
	"none": func(d driver.Delivery) driver.Delivery { return d },
	// A Nack that acknowledges instead of handing the message back.
	"nack-acks": func(d driver.Delivery) driver.Delivery { return nackAcks{d} },
	// A delivery that loses the message's metadata on the way.
	"metadata-lost": func(d driver.Delivery) driver.Delivery { return metadataLost{d} },
}

type nackAcks struct{ driver.Delivery }

func (d nackAcks) Nack() { d.Ack() }

type metadataLost struct{ driver.Delivery }

func (d metadataLost) Message() driver.Message {
	m := d.Delivery.Message()
	m.Metadata = nil
	return m
}

// brokenBus hands out subscriptions whose deliveries are broken. It has no
// SubscribeTransient, so the suite skips the transient rules.
type brokenBus struct {
	driver.Bus
	breaks func(driver.Delivery) driver.Delivery
}

func (b brokenBus) Subscribe(ctx context.Context, topic, sub string) (driver.Subscription, error) {
	s, err := b.Bus.Subscribe(ctx, topic, sub)
	if err != nil {
		return nil, err
	}
	return brokenSubscription{s, b.breaks}, nil
}

type brokenSubscription struct {
	driver.Subscription
	breaks func(driver.Delivery) driver.Delivery
}

func (s brokenSubscription) Receive(ctx context.Context) (driver.Delivery, error) {
	d, err := s.Subscription.Receive(ctx)
	if err != nil {
		return nil, err
	}
	return s.breaks(d), nil
}

type brokenHarness struct {
	breaks func(driver.Delivery) driver.Delivery
}

func (h brokenHarness) MakeBus(ctx context.Context) (driver.Bus, error) {
	b, err := gocloudbus.Open(ctx, "mem://", gocloudbus.Options{})
	if err != nil {
		return nil, err
	}
	return brokenBus{b, h.breaks}, nil
}
func (brokenHarness) SupportsDurableSubscriptions() bool { return false }
func (brokenHarness) Close()                             {}

// TestBrokenBusChild is the child process's test: it runs the suite on the
// bus broken as brokenEnv says. Run directly, it has nothing to do.
func TestBrokenBusChild(t *testing.T) {
	breaks, ok := breakages[os.Getenv(brokenEnv)]
	if !ok {
		t.Skipf("runs only as the child process of TestBrokenBusFailsNamingTheRule (%s unset)", brokenEnv)
	}
	bustest.RunConformanceTests(t, func(context.Context, testing.TB) (bustest.Harness, error) {
		return brokenHarness{breaks}, nil
	})
}

// runChild runs the suite's area on the bus broken as breakage says and
// returns whether it passed, and its verbose output.
func runChild(t *testing.T, breakage, area string) (bool, string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestBrokenBusChild$/^"+area+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), brokenEnv+"="+breakage)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run the suite in a child process: %v", err)
	}
	return err == nil, string(out)
}

func TestBrokenBusFailsNamingTheRule(t *testing.T) {
	for _, c := range []struct {
		breakage, area string
		rule           string // the subtest that must fail
		message        string // what its failure must say
		unaffected     string // a rule of the area that must still pass
	}{
		{
			breakage:   "nack-acks",
			area:       "Nack",
			rule:       "TestBrokenBusChild/Nack/RedeliversTheMessage",
			message:    `rule "RedeliversTheMessage" broken: waiting 5s for the nacked message, delivered again`,
			unaffected: "", // every Nack rule relies on redelivery
		},
		{
			breakage:   "metadata-lost",
			area:       "Message",
			rule:       "TestBrokenBusChild/Message/IDAndMetadataRoundTrip",
			message:    `rule "IDAndMetadataRoundTrip" broken: Metadata`,
			unaffected: "TestBrokenBusChild/Message/BinaryBodyRoundTrips",
		},
	} {
		t.Run(c.breakage, func(t *testing.T) {
			t.Parallel()
			passed, out := runChild(t, "none", c.area)
			require.True(t, passed, "the working bus must pass the %s rules; child output:\n%s", c.area, out)

			passed, out = runChild(t, c.breakage, c.area)
			require.False(t, passed, "the suite passed a bus whose %s is broken; child output:\n%s", c.breakage, out)
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
