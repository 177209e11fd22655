// Package pushtest is the conformance suite every driver.Push must pass.
//
// An adapter's test file hands RunConformanceTests a HarnessMaker; the suite
// runs one subtest per rule of the driver.Push contract, named after the rule
// (Send/DeadHandleIsErrInvalidHandle, …), each with a fresh harness, in
// parallel. The harness stands in for the provider's service (a local fake
// of APNs or FCM, a bus for server-sent events) and reports what reached it.
//
// Not every service can be made to fail in every way: a harness returns an
// error wrapping ErrNotSupported from TargetThat, Received or UnconfiguredApp
// when its service cannot express a behaviour, and the suite skips the rule
// with that error as the reason, so a missing capability shows in the test
// output instead of passing silently. The rules of the optional
// driver.PushStreamer (Listen/…) are skipped, saying so, for a provider
// without it.
//
// No rule waits longer than a few seconds for a reply, so a broken provider
// fails instead of hanging; run the suite with -race, as the rule
// Send/SafeForConcurrentUse is only meaningful under the race detector.
package pushtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"testing"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/conformance/internal/suite"
)

// ErrNotSupported is wrapped by a harness's error when its service cannot
// express what the suite asked for. The suite skips the rule with the
// error's text as the reason.
var ErrNotSupported = errors.New("pushtest: not supported by this harness")

// Behaviour is how the service answers notifications to a target.
type Behaviour int

const (
	// Accept: the service takes the notification.
	Accept Behaviour = iota
	// Dead: the service reports the handle as no longer valid (an
	// uninstalled app); Send must wrap driver.ErrInvalidHandle.
	Dead
	// Transient: the service fails for now (a 500) without asking for a
	// pause; Send's error must be neither sentinel.
	Transient
	// RetryAfter: the service asks the sender to wait Reply.After (a 429
	// or 503 with Retry-After); Send must return a *driver.RetryAfterError.
	RetryAfter
	// Refuse: the service refuses notifications to the target for good;
	// Send must wrap driver.ErrNotDeliverable.
	Refuse
	// Stall: the service takes the request and never answers it, until
	// the client gives up.
	Stall
)

func (b Behaviour) String() string {
	switch b {
	case Accept:
		return "Accept"
	case Dead:
		return "Dead"
	case Transient:
		return "Transient"
	case RetryAfter:
		return "RetryAfter"
	case Refuse:
		return "Refuse"
	case Stall:
		return "Stall"
	}
	return fmt.Sprintf("Behaviour(%d)", int(b))
}

// Reply describes how the service is to answer a target.
type Reply struct {
	Behaviour Behaviour
	// After is the pause a RetryAfter reply asks for, a whole number of
	// seconds (Retry-After carries seconds).
	After time.Duration
}

// Fields are the parts of a driver.PushNotification a service receives.
type Fields uint

const (
	FieldEventName Fields = 1 << iota
	FieldContent
	FieldTitle
	FieldBody
	FieldCollapseID
)

// AllFields are all parts of a notification.
const AllFields = FieldEventName | FieldContent | FieldTitle | FieldBody | FieldCollapseID

// Received is a notification as it reached the service, decoded back into
// the parts of a driver.PushNotification; parts the service does not carry
// (see Harness.Carries) are left empty.
type Received struct {
	EventName string
	// Content is the JSON content; compared as JSON, not byte for byte.
	Content                 []byte
	Title, Body, CollapseID string
}

// Harness gives the suite providers talking to one stand-in service.
type Harness interface {
	// MakePush returns a provider that delivers to the harness's service.
	// The suite closes it if it implements io.Closer. Every provider made
	// by one harness delivers to the same service.
	MakePush(ctx context.Context) (driver.Push, error)
	// TargetThat returns a target, addressed to an app the providers are
	// configured for, whose notifications the service answers as r says.
	// Each call returns a target with a handle (and device) of its own.
	// It returns an error wrapping ErrNotSupported if the service cannot
	// answer that way.
	TargetThat(ctx context.Context, r Reply) (driver.PushTarget, error)
	// Received returns the notifications the service has received for the
	// target so far, in the order they arrived, including those it then
	// answered with a failure. It returns an error wrapping
	// ErrNotSupported if the service keeps no record (a provider that
	// delivers nowhere).
	Received(ctx context.Context, target driver.PushTarget) ([]Received, error)
	// Carries reports which parts of a notification reach the service.
	Carries() Fields
	// UnconfiguredApp returns an app ID the providers have no credentials
	// for, or an error wrapping ErrNotSupported if they serve every app.
	UnconfiguredApp() (string, error)
	// Close releases what the harness holds; it is called after the
	// test's providers are closed.
	Close()
}

// HarnessMaker makes a Harness for one test. It takes *testing.T so that
// harnesses can reuse fakes written for an adapter's own tests.
type HarnessMaker func(ctx context.Context, t *testing.T) (Harness, error)

const (
	// ruleTimeout bounds one rule, setup included.
	ruleTimeout = 30 * time.Second
	// waitTimeout bounds the wait for one Send to return or for one
	// notification or event to arrive. It bounds the check; it asserts no
	// speed.
	waitTimeout = 5 * time.Second
	// quietPeriod is how long a stream must stay silent when no event may
	// arrive.
	quietPeriod = 300 * time.Millisecond
	// pollInterval is how often the suite asks the harness what arrived.
	pollInterval = 10 * time.Millisecond
)

// RunConformanceTests runs the whole suite against the providers newHarness
// makes.
func RunConformanceTests(t *testing.T, newHarness HarnessMaker) {
	suite.RunAreas(t, newHarness, []suite.Area[HarnessMaker]{
		{Name: "Platform", Run: testPlatform},
		{Name: "Apps", Run: testApps},
		{Name: "Send", Run: testSend},
		{Name: "Errors", Run: testErrors},
		{Name: "Cancel", Run: testCancel},
		{Name: "Listen", Run: testListen},
	})
}

// rule runs one rule as a parallel subtest with a fresh harness and
// provider.
func rule(t *testing.T, newHarness HarnessMaker, name string, f func(e *env)) {
	suite.Rule(t, name, ruleTimeout, newHarness, func(ctx context.Context, t *testing.T, h Harness) {
		e := &env{t: t, ctx: ctx, h: h, rule: name}
		e.push = e.makePush()
		f(e)
	})
}

// env is one rule's fixture.
type env struct {
	t    *testing.T
	ctx  context.Context
	h    Harness
	push driver.Push
	rule string
}

// failf reports a broken rule, naming it.
func (e *env) failf(format string, args ...any) {
	e.t.Helper()
	e.t.Fatalf("rule %q broken: %s", e.rule, fmt.Sprintf(format, args...))
}

// errorf reports a broken rule, naming it, and lets the rule go on.
func (e *env) errorf(format string, args ...any) {
	e.t.Helper()
	e.t.Errorf("rule %q broken: %s", e.rule, fmt.Sprintf(format, args...))
}

// skipUnsupported skips the rule if err says the harness cannot do what
// was asked, and fails the test on any other error.
func (e *env) skipUnsupported(what string, err error) {
	e.t.Helper()
	if err == nil {
		return
	}
	if errors.Is(err, ErrNotSupported) {
		e.t.Skipf("%s: %v", what, err)
	}
	e.t.Fatalf("%s: %v", what, err)
}

// makePush makes a provider closed at cleanup.
func (e *env) makePush() driver.Push {
	e.t.Helper()
	p, err := e.h.MakePush(e.ctx)
	if err != nil {
		e.t.Fatalf("make push provider: %v", err)
	}
	if p == nil {
		e.t.Fatalf("make push provider: harness returned a nil provider")
	}
	if c, ok := p.(io.Closer); ok {
		e.t.Cleanup(func() {
			within(e.t, "Close", func() {
				if err := c.Close(); err != nil {
					e.t.Errorf("Close: %v", err)
				}
			})
		})
	}
	return p
}

// target makes a target the service answers as r says; skips if it cannot.
func (e *env) target(r Reply) driver.PushTarget {
	e.t.Helper()
	tg, err := e.h.TargetThat(e.ctx, r)
	e.skipUnsupported(fmt.Sprintf("TargetThat(%v)", r.Behaviour), err)
	return tg
}

// received asks the harness what reached the service; skips if it keeps no
// record.
func (e *env) received(tg driver.PushTarget) []Received {
	e.t.Helper()
	got, err := e.h.Received(e.ctx, tg)
	e.skipUnsupported("Received", err)
	return got
}

// waitReceived polls the service until at least n notifications for tg
// arrived, or waitTimeout passed, and returns what arrived.
func (e *env) waitReceived(tg driver.PushTarget, n int) []Received {
	e.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		got := e.received(tg)
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		select {
		case <-e.ctx.Done():
			e.t.Fatalf("rule timed out waiting for %d notifications to %q", n, tg.Handle)
		case <-time.After(pollInterval):
		}
	}
}

// send calls Send and fails the rule if it does not return within
// waitTimeout.
func (e *env) send(ctx context.Context, tg driver.PushTarget, n driver.PushNotification) error {
	e.t.Helper()
	var err error
	if !within(e.t, "Send", func() { err = e.push.Send(ctx, tg, n) }) {
		e.t.FailNow()
	}
	return err
}

// notification returns a notification with every part set, its content
// shaped as the backbone builds it.
func notification(tg driver.PushTarget) driver.PushNotification {
	const event = "ExternalEventCreated"
	content, err := json.Marshal(map[string]any{
		"accRef":               tg.IdentityAddress,
		"devicePushIdentifier": tg.DevicePushIdentifier,
		"eventName":            event,
		"sentAt":               "2026-01-02T03:04:05.678Z",
		"payload":              map[string]any{"id": "EVT" + randomHex(8), "note": "<ä & ü>"},
	})
	if err != nil {
		panic(err) // a map of strings always marshals
	}
	return driver.PushNotification{
		EventName:  event,
		Content:    content,
		Title:      "Neue Nachricht " + randomHex(3),
		Body:       "Sie haben eine neue Nachricht erhalten.",
		CollapseID: "col-" + randomHex(4),
	}
}

// diffReceived describes how got differs from the parts of want the
// service carries, or returns "".
func diffReceived(got Received, want driver.PushNotification, carries Fields) string {
	var d string
	check := func(f Fields, name, g, w string) {
		if carries&f != 0 && g != w {
			d += fmt.Sprintf("%s %q, want %q; ", name, g, w)
		}
	}
	check(FieldEventName, "EventName", got.EventName, want.EventName)
	check(FieldTitle, "Title", got.Title, want.Title)
	check(FieldBody, "Body", got.Body, want.Body)
	check(FieldCollapseID, "CollapseID", got.CollapseID, want.CollapseID)
	if carries&FieldContent != 0 && !sameJSON(got.Content, want.Content) {
		d += fmt.Sprintf("Content %s, want %s; ", got.Content, want.Content)
	}
	return d
}

// sameJSON reports whether a and b are the same JSON value (both absent
// counts as the same).
func sameJSON(a, b []byte) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}

// within runs f and fails t if it has not returned after waitTimeout.
func within(t testing.TB, what string, f func()) bool {
	t.Helper()
	return suite.Within(t, what, waitTimeout, f)
}

func randomHex(n int) string { return suite.RandomHex(n) }

// describe names the sentinels err wraps, for failure messages.
func describe(err error) string {
	if err == nil {
		return "nil"
	}
	var ra *driver.RetryAfterError
	s := fmt.Sprintf("%q (ErrInvalidHandle: %t, ErrNotDeliverable: %t, RetryAfterError: %t)",
		err.Error(), errors.Is(err, driver.ErrInvalidHandle), errors.Is(err, driver.ErrNotDeliverable), errors.As(err, &ra))
	return s
}

// NewTarget returns a target of the app with the handle and an identity,
// device and device push identifier no other target has, for harnesses'
// TargetThat.
func NewTarget(appID, handle string) driver.PushTarget {
	return driver.PushTarget{
		IdentityAddress:      "did:e:localhost:dids:" + randomHex(11),
		DeviceID:             "DVC" + randomHex(9)[:17],
		DevicePushIdentifier: "DPI" + randomHex(9)[:17],
		Handle:               handle,
		AppID:                appID,
		Environment:          driver.PushProduction,
	}
}

// RandomHex returns 2n random hex digits, for harnesses that make handles.
func RandomHex(n int) string { return randomHex(n) }
