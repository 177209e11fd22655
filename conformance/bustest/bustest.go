// Package bustest is the conformance suite every driver.Bus must pass.
//
// An adapter's test file hands RunConformanceTests a HarnessMaker; the suite
// runs one subtest per rule of the driver.Bus contract, named after the rule
// (Publish/EverySubscriptionReceivesEachMessage, …), each on fresh, uniquely
// named topics, in parallel. No rule waits longer than a few seconds for a
// message, so a broken adapter fails instead of hanging. The rules of the
// optional driver.BroadcastBus (Transient/…) are skipped, with the reason
// "bus does not implement driver.BroadcastBus", for a bus without it.
// RunBenchmarks measures publish+receive throughput.
package bustest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/conformance/internal/suite"
)

// Harness gives the suite buses on one backend.
type Harness interface {
	// MakeBus returns a new Bus on the harness's backend. The suite closes
	// it. Topic names are unique per test, so a harness may reuse one broker
	// for every test.
	MakeBus(ctx context.Context) (driver.Bus, error)
	// SupportsDurableSubscriptions reports whether subscriptions outlive
	// the Bus that created them: a Bus made later by the same Harness
	// receives what was published to them in between (as a process
	// restarted against the same broker would). In-process buses report
	// false.
	SupportsDurableSubscriptions() bool
	// Close releases what the harness holds; it is called after the test's
	// buses are closed.
	Close()
}

// HarnessMaker makes a Harness for one test.
type HarnessMaker func(ctx context.Context, t testing.TB) (Harness, error)

// forTest is m in the form suite.Rule takes.
func (m HarnessMaker) forTest(ctx context.Context, t *testing.T) (Harness, error) { return m(ctx, t) }

const (
	// ruleTimeout bounds one rule, setup included.
	ruleTimeout = 30 * time.Second
	// waitTimeout bounds the wait for one message, or for a call that must
	// return.
	waitTimeout = 5 * time.Second
	// closeTimeout bounds a Close. Closing may wait for acknowledgements
	// still in flight to the broker, which adapters bound themselves
	// (gocloudbus: 10 s); the suite checks that Close returns, not how fast.
	closeTimeout = 15 * time.Second
	// quietPeriod is how long a subscription must stay silent when no
	// message may arrive. It bounds the check; it asserts no speed.
	quietPeriod = 300 * time.Millisecond
)

// RunConformanceTests runs the whole suite against the buses newHarness makes.
func RunConformanceTests(t *testing.T, newHarness HarnessMaker) {
	suite.RunAreas(t, newHarness, []suite.Area[HarnessMaker]{
		{Name: "Publish", Run: testPublish},
		{Name: "Subscribe", Run: testSubscribe},
		{Name: "Message", Run: testMessage},
		{Name: "Ack", Run: testAck},
		{Name: "Nack", Run: testNack},
		{Name: "Close", Run: testClose},
		{Name: "Receive", Run: testReceive},
		{Name: "Transient", Run: testTransient},
	})
}

// rule runs one rule as a parallel subtest with a fresh harness and bus.
func rule(t *testing.T, newHarness HarnessMaker, name string, f func(e *env)) {
	suite.Rule(t, name, ruleTimeout, newHarness.forTest, func(ctx context.Context, t *testing.T, h Harness) {
		e := &env{t: t, ctx: ctx, h: h, rule: name}
		e.bus = e.makeBus()
		f(e)
	})
}

// env is one rule's fixture.
type env struct {
	t    testing.TB
	ctx  context.Context
	h    Harness
	bus  driver.Bus
	rule string
}

// failf reports a broken rule, naming it.
func (e *env) failf(format string, args ...any) {
	e.t.Helper()
	e.t.Fatalf("rule %q broken: %s", e.rule, fmt.Sprintf(format, args...))
}

// makeBus makes a bus closed at cleanup.
func (e *env) makeBus() driver.Bus {
	e.t.Helper()
	bus, err := e.h.MakeBus(e.ctx)
	if err != nil {
		e.t.Fatalf("make bus: %v", err)
	}
	e.t.Cleanup(func() { closes(e.t, "Bus.Close", bus) })
	return bus
}

// topic returns a topic name no other test uses.
func (e *env) topic() string {
	hint := e.rule[strings.LastIndex(e.rule, "/")+1:]
	hint = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, hint)
	if len(hint) > 40 {
		hint = hint[:40]
	}
	return "bustest." + strings.Trim(hint, "-") + "." + randomHex(6)
}

// subscribe attaches a subscriber that is closed at cleanup.
func (e *env) subscribe(bus driver.Bus, topic, subscription string) driver.Subscription {
	e.t.Helper()
	s, err := bus.Subscribe(e.ctx, topic, subscription)
	if err != nil {
		e.t.Fatalf("Subscribe(%q, %q): %v", topic, subscription, err)
	}
	e.t.Cleanup(func() { closes(e.t, "Subscription.Close", s) })
	return s
}

func (e *env) publish(bus driver.Bus, topic string, msgs ...driver.Message) {
	e.t.Helper()
	if err := bus.Publish(e.ctx, topic, msgs...); err != nil {
		e.t.Fatalf("Publish(%q, %d messages): %v", topic, len(msgs), err)
	}
}

// receive waits up to waitTimeout for a message and returns it unsettled.
func (e *env) receive(s driver.Subscription, what string) driver.Delivery {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, waitTimeout)
	defer cancel()
	d, err := s.Receive(ctx)
	if err != nil {
		e.failf("waiting %v for %s: %v", waitTimeout, what, err)
	}
	return d
}

// receiveIDs receives and acks n messages, returning how often each ID came.
func (e *env) receiveIDs(s driver.Subscription, n int, what string) map[string]int {
	e.t.Helper()
	ids := map[string]int{}
	for i := range n {
		d := e.receive(s, fmt.Sprintf("%s (message %d of %d)", what, i+1, n))
		ids[d.Message().ID]++
		d.Ack()
	}
	return ids
}

// expectNothing fails if a message arrives within quietPeriod; it nacks it.
func (e *env) expectNothing(s driver.Subscription, what string) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, quietPeriod)
	defer cancel()
	d, err := s.Receive(ctx)
	if err == nil {
		d.Nack()
		e.failf("%s, but received message %q", what, d.Message().ID)
	}
	if e.ctx.Err() != nil {
		e.t.Fatalf("rule timed out: %v", err)
	}
}

// messages makes n messages with unique IDs.
func messages(n int) []driver.Message {
	run := randomHex(4)
	msgs := make([]driver.Message, n)
	for i := range msgs {
		msgs[i] = driver.Message{
			ID:       fmt.Sprintf("msg-%s-%d", run, i),
			Body:     fmt.Appendf(nil, `{"n":%d}`, i),
			Metadata: map[string]string{"n": fmt.Sprint(i)},
		}
	}
	return msgs
}

func idSet(msgs []driver.Message) map[string]int {
	ids := map[string]int{}
	for _, m := range msgs {
		ids[m.ID]++
	}
	return ids
}

// diffIDs describes how got differs from want, or returns "".
func diffIDs(got, want map[string]int) string {
	var missing, extra, repeated []string
	for id := range want {
		if got[id] == 0 {
			missing = append(missing, id)
		}
	}
	for id, n := range got {
		switch {
		case want[id] == 0:
			extra = append(extra, id)
		case n > want[id]:
			repeated = append(repeated, fmt.Sprintf("%s×%d", id, n))
		}
	}
	if len(missing)+len(extra)+len(repeated) == 0 {
		return ""
	}
	slices.Sort(missing)
	slices.Sort(extra)
	slices.Sort(repeated)
	return fmt.Sprintf("missing %v, unexpected %v, repeated %v (got %d distinct of %d)", missing, extra, repeated, len(got), len(want))
}

// within runs f and fails t if it has not returned after waitTimeout.
func within(t testing.TB, what string, f func()) bool {
	t.Helper()
	return suite.Within(t, what, waitTimeout, f)
}

// closes reports whether c.Close returned within closeTimeout.
func closes(t testing.TB, what string, c io.Closer) bool {
	t.Helper()
	return suite.Within(t, what, closeTimeout, func() { _ = c.Close() })
}

func randomHex(n int) string { return suite.RandomHex(n) }

// collector gathers the IDs that concurrent receivers see.
type collector struct {
	mu  sync.Mutex
	ids map[string]int
	by  map[string]int // receiver → count
}

func (c *collector) add(receiver, id string) (distinct int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ids == nil {
		c.ids, c.by = map[string]int{}, map[string]int{}
	}
	c.ids[id]++
	c.by[receiver]++
	return len(c.ids)
}

func (c *collector) snapshot() (ids, by map[string]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.ids), maps.Clone(c.by)
}

// isContextErr reports whether err is, or wraps, a context error.
func isContextErr(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}
