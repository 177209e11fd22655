package bustest_test

import (
	"context"
	"testing"

	"github.com/openbackbone/openbackbone/adapters/gocloudbus"
	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/conformance/bustest"
	"github.com/openbackbone/openbackbone/conformance/internal/brokentest"
)

// These tests break the in-process bus on purpose, one rule at a time, and
// hold the suite to failing it under the rule's name (see brokentest).

// broken names this suite's child process for brokentest.
var broken = brokentest.Suite{
	Env:     "OPENBACKBONE_BUSTEST_BROKEN",
	Child:   "TestBrokenBusChild",
	Subject: "bus",
}

// breakages change what a working bus's deliveries do.
var breakages = map[string]func(driver.Delivery) driver.Delivery{
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
// bus broken as broken.Env says. Run directly, it has nothing to do.
func TestBrokenBusChild(t *testing.T) {
	breaks := brokentest.Selected(t, broken, breakages)
	bustest.RunConformanceTests(t, func(context.Context, testing.TB) (bustest.Harness, error) {
		return brokenHarness{breaks}, nil
	})
}

func TestBrokenBusFailsNamingTheRule(t *testing.T) {
	brokentest.Run(t, broken, []brokentest.Case{
		{
			Breakage: "nack-acks",
			Area:     "Nack",
			Rule:     "TestBrokenBusChild/Nack/RedeliversTheMessage",
			Message:  `rule "RedeliversTheMessage" broken: waiting 5s for the nacked message, delivered again`,
			// No Unaffected: every Nack rule relies on redelivery.
		},
		{
			Breakage:   "metadata-lost",
			Area:       "Message",
			Rule:       "TestBrokenBusChild/Message/IDAndMetadataRoundTrip",
			Message:    `rule "IDAndMetadataRoundTrip" broken: Metadata`,
			Unaffected: "TestBrokenBusChild/Message/BinaryBodyRoundTrips",
		},
	})
}
