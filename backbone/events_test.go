package backbone_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/adapters/gocloudbus"
	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/internal/backbonetest"
)

// buses lists the buses the event pipeline is tested on: in-memory always,
// RabbitMQ and NATS when their variables are set. Each test has a fixed
// prefix of its own, so its exchanges, queues and streams are reused by
// every run instead of piling up on the broker, and parallel tests do not
// share subscriptions.
func buses(name string) map[string]func(t *testing.T) driver.Bus {
	prefix := "obtest." + name + "."
	open := func(url string) func(t *testing.T) driver.Bus {
		return func(t *testing.T) driver.Bus {
			b, err := gocloudbus.Open(context.Background(), url, gocloudbus.Options{Prefix: prefix})
			require.NoError(t, err)
			t.Cleanup(func() { b.Close() })
			return b
		}
	}
	out := map[string]func(t *testing.T) driver.Bus{"mem": func(t *testing.T) driver.Bus {
		b, err := gocloudbus.Open(context.Background(), "mem://", gocloudbus.Options{})
		require.NoError(t, err)
		t.Cleanup(func() { b.Close() })
		return b
	}}
	if u := os.Getenv("OPENBACKBONE_TEST_RABBITMQ_URL"); u != "" {
		out["rabbitmq"] = open("rabbit://?server=" + u)
	}
	if u := os.Getenv("OPENBACKBONE_TEST_NATS_URL"); u != "" {
		out["nats"] = open("nats://?server=" + u)
	}
	return out
}

// eventsOf returns the external events deliverable to owner.
func eventsOf(t *testing.T, env *backbonetest.Env, owner string) []driver.ExternalEvent {
	evs, err := env.Store.ExternalEvents().ListDeliverable(context.Background(), owner, 3)
	require.NoError(t, err)
	return evs
}

// waitForEvents waits (bounded) until owner has n deliverable events.
func waitForEvents(t *testing.T, env *backbonetest.Env, owner string, n int) []driver.ExternalEvent {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		evs := eventsOf(t, env, owner)
		if len(evs) >= n || time.Now().After(deadline) {
			return evs
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestDomainEventsBecomeExternalEvents(t *testing.T) {
	for name, openBus := range buses("pipeline") {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := backbonetest.New(t, "sqlite", nil)
			env = env.Restart(t, openBus(t))
			env.Run(t)
			a, b := env.CreateAccount(t).Caller.Address, env.CreateAccount(t).Caller.Address
			require.NoError(t, backbone.RaiseForTest(t.Context(), env.Backbone,
				backbone.MessageCreated{ID: "MSGaaaaaaaaaaaaaaaaa", CreatedBy: a, Recipients: []backbone.MessageRecipient{{Address: b, RelationshipID: "RELaaaaaaaaaaaaaaaaa", DeliveryBlocked: true}}},
				backbone.RelationshipStatusChanged{RelationshipID: "RELaaaaaaaaaaaaaaaaa", NewStatus: "Pending", Initiator: b, Peer: a},
			))
			evs := waitForEvents(t, env, a, 1)
			require.Len(t, evs, 1)
			assert.Equal(t, "RelationshipStatusChanged", evs[0].Type)
			assert.JSONEq(t, `{"relationshipId":"RELaaaaaaaaaaaaaaaaa"}`, string(evs[0].Payload))
			assert.Empty(t, eventsOf(t, env, b), "a message over a pending relationship is blocked")

			require.NoError(t, backbone.RaiseForTest(t.Context(), env.Backbone,
				backbone.RelationshipStatusChanged{RelationshipID: "RELaaaaaaaaaaaaaaaaa", NewStatus: "Active", Initiator: a, Peer: b}))
			evs = waitForEvents(t, env, b, 2)
			require.Len(t, evs, 2, "accepting unblocks the message and tells the requester")
			assert.Equal(t, "MessageReceived", evs[0].Type)
			assert.JSONEq(t, `{"id":"MSGaaaaaaaaaaaaaaaaa"}`, string(evs[0].Payload))
			assert.Equal(t, "RelationshipStatusChanged", evs[1].Type)
		})
	}
}

// The outbox is written in the transaction of the change. If the process
// dies before the relay published it, the next process publishes it, and
// the consumer records it exactly once even if it arrives twice.
func TestAnEventCommittedBeforeACrashIsDeliveredExactlyOnceAfterRestart(t *testing.T) {
	for name, openBus := range buses("crash") {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := backbonetest.New(t, "sqlite", nil)
			bus := openBus(t)
			a := env.CreateAccount(t).Caller.Address

			// The first process commits the change and dies before its relay
			// ran: it never ran Run.
			crashed := env.Restart(t, bus)
			require.NoError(t, backbone.RaiseForTest(t.Context(), crashed.Backbone,
				backbone.PeerFeatureFlagsChanged{PeerAddress: "did:e:localhost:dids:0000000000000000000000", NotifiedIdentityAddress: a}))
			assert.Empty(t, eventsOf(t, env, a))

			// A relay that published but died before deleting leaves the
			// message to be published again: simulate with a second
			// publication of the same outbox row.
			now := env.Clock.Now()
			pending, err := env.Store.Outbox().Claim(t.Context(), now, now, 100)
			require.NoError(t, err)
			require.NotEmpty(t, pending)

			restarted := env.Restart(t, bus)
			restarted.Run(t)
			time.Sleep(100 * time.Millisecond) // let the subscriptions attach before the duplicate
			for _, m := range pending {
				require.NoError(t, bus.Publish(t.Context(), m.Topic, driver.Message{ID: m.ID, Body: m.Body}))
			}
			evs := waitForEvents(t, env, a, 1)
			require.Len(t, evs, 1)
			assert.Equal(t, "PeerFeatureFlagsChanged", evs[0].Type)
			// Give a duplicate every chance to land, then count again.
			deadline := time.Now().Add(time.Second)
			for time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			assert.Len(t, eventsOf(t, env, a), 1, "delivered exactly once")
			later := env.Clock.Now().Add(time.Hour)
			left, err := env.Store.Outbox().Claim(t.Context(), later, later, 100)
			require.NoError(t, err)
			assert.Empty(t, left, "the relay emptied the outbox")
		})
	}
}
