package ssepush_test

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/adapters/gocloudbus"
	"github.com/openbackbone/openbackbone/adapters/ssepush"
	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/internal/testservices"
)

const (
	alice  = "did:e:localhost:dids:aaaaaaaaaaaaaaaaaaaaaa"
	bob    = "did:e:localhost:dids:bbbbbbbbbbbbbbbbbbbbbb"
	device = "DVCaaaaaaaaaaaaaaaaa"
)

// brokers returns, per broker, a function that gives its bus URL, or
// skips the test saying how to provide the broker.
func brokers() map[string]func(t *testing.T) string {
	return map[string]func(t *testing.T) string{
		"rabbitmq": func(t *testing.T) string { return "rabbit://?server=" + url.QueryEscape(testservices.RabbitMQ(t)) },
		"nats":     func(t *testing.T) string { return "nats://?server=" + url.QueryEscape(testservices.NATS(t)) },
	}
}

// openBus opens a new Bus at the URL: several Buses on one broker stand for
// several replicas.
func openBus(t *testing.T, busURL string) driver.Bus {
	b, err := gocloudbus.Open(context.Background(), busURL, gocloudbus.Options{Prefix: "obtest.ssepush."})
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	return b
}

func open(t *testing.T, bus driver.Bus) *ssepush.Provider {
	t.Helper()
	p, err := ssepush.Open(context.Background(), bus, ssepush.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { p.Close() })
	return p
}

func memBus(t *testing.T) driver.Bus {
	b, err := gocloudbus.Open(context.Background(), "mem://", gocloudbus.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	return b
}

func receive(t *testing.T, ch <-chan string) string {
	t.Helper()
	select {
	case e := <-ch:
		return e
	case <-time.After(10 * time.Second):
		return "(nothing)"
	}
}

func nothing(t *testing.T, ch <-chan string) {
	t.Helper()
	select {
	case e, ok := <-ch:
		if ok {
			t.Fatalf("unexpected event %q", e)
		}
	case <-time.After(100 * time.Millisecond):
	}
}

func send(t *testing.T, p *ssepush.Provider, identity, deviceID, event string) {
	t.Helper()
	require.NoError(t, p.Send(context.Background(), driver.PushTarget{IdentityAddress: identity, DeviceID: deviceID}, driver.PushNotification{EventName: event}))
}

func TestEventsReachTheStreamsOfTheirDevice(t *testing.T) {
	p := open(t, memBus(t))
	assert.Equal(t, driver.PlatformSSE, p.Platform())
	assert.True(t, p.SupportsApp("anything"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first, err := p.Listen(ctx, alice, device)
	require.NoError(t, err)
	second, err := p.Listen(ctx, alice, device)
	require.NoError(t, err)
	other, err := p.Listen(ctx, alice, "DVCbbbbbbbbbbbbbbbbb")
	require.NoError(t, err)
	assert.Equal(t, 3, p.Streams())

	send(t, p, alice, device, "ExternalEventCreated")
	assert.Equal(t, "ExternalEventCreated", receive(t, first))
	assert.Equal(t, "ExternalEventCreated", receive(t, second), "every stream of the device gets the event")
	nothing(t, other)

	// A device ID is only taken together with its identity.
	send(t, p, bob, device, "Test")
	nothing(t, first)

	// Text-only notifications are not streamed.
	require.NoError(t, p.Send(context.Background(), driver.PushTarget{IdentityAddress: alice, DeviceID: device}, driver.PushNotification{Title: "t"}))
	nothing(t, first)
}

func TestAStreamEndsWithItsContextAndWithClose(t *testing.T) {
	p, err := ssepush.Open(context.Background(), memBus(t), ssepush.Options{})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	ch, err := p.Listen(ctx, alice, device)
	require.NoError(t, err)
	cancel()
	_, ok := <-ch
	assert.False(t, ok, "the channel closes when the stream's context ends")
	assert.Eventually(t, func() bool { return p.Streams() == 0 }, 5*time.Second, 5*time.Millisecond)

	ch, err = p.Listen(context.Background(), alice, device)
	require.NoError(t, err)
	require.NoError(t, p.Close())
	_, ok = <-ch
	assert.False(t, ok, "Close ends every stream")
	require.NoError(t, p.Close(), "Close twice is fine")
	_, err = p.Listen(context.Background(), alice, device)
	assert.Error(t, err, "no streams after Close")
}

// A reader that does not keep up loses the overflow, not the provider.
func TestASlowStreamLosesOnlyItsOverflow(t *testing.T) {
	p, err := ssepush.Open(context.Background(), memBus(t), ssepush.Options{Buffer: 2})
	require.NoError(t, err)
	t.Cleanup(func() { p.Close() })
	slow, err := p.Listen(t.Context(), alice, device)
	require.NoError(t, err)
	fast, err := p.Listen(t.Context(), bob, "DVCbbbbbbbbbbbbbbbbb")
	require.NoError(t, err)
	for range 5 {
		send(t, p, alice, device, "Test")
	}
	send(t, p, bob, "DVCbbbbbbbbbbbbbbbbb", "Test")
	assert.Equal(t, "Test", receive(t, fast), "other streams are not held up")
	require.Eventually(t, func() bool { return p.Dropped() == 3 }, 10*time.Second, time.Millisecond, "the overflow is dropped")
	assert.Equal(t, "Test", receive(t, slow))
	assert.Equal(t, "Test", receive(t, slow))
	nothing(t, slow)
}

// A bus that cannot attach transient subscribers is refused at Open.
func TestOpenNeedsABroadcastBus(t *testing.T) {
	_, err := ssepush.Open(context.Background(), plainBus{}, ssepush.Options{})
	assert.ErrorContains(t, err, "BroadcastBus")

	cloud, err := gocloudbus.Open(context.Background(), "gcppubsub://?project=p", gocloudbus.Options{})
	require.NoError(t, err)
	defer cloud.Close()
	_, err = ssepush.Open(context.Background(), cloud, ssepush.Options{})
	assert.True(t, errors.Is(err, errors.ErrUnsupported), "%v", err)
}

type plainBus struct{ driver.Bus }

// Replicas on one broker: an event sent by one reaches the stream held by
// another, and each replica's own streams only.
func TestEventsCrossReplicasOverTheBroker(t *testing.T) {
	for name, busURL := range brokers() {
		t.Run(name, func(t *testing.T) {
			u := busURL(t)
			one, two := open(t, openBus(t, u)), open(t, openBus(t, u))
			onOne, err := one.Listen(t.Context(), alice, device)
			require.NoError(t, err)
			onTwo, err := two.Listen(t.Context(), bob, "DVCbbbbbbbbbbbbbbbbb")
			require.NoError(t, err)
			send(t, two, alice, device, "ExternalEventCreated")
			assert.Equal(t, "ExternalEventCreated", receive(t, onOne))
			send(t, one, bob, "DVCbbbbbbbbbbbbbbbbb", "Test")
			assert.Equal(t, "Test", receive(t, onTwo))
			nothing(t, onOne)
		})
	}
}
