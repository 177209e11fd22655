package backbone_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/adapters/gocloudbus"
	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/internal/backbonetest"
	"github.com/openbackbone/openbackbone/internal/testservices"
)

// buses lists the buses the event pipeline is tested on: in-memory, and the
// RabbitMQ and NATS testservices gives (skipped, saying why, without them).
// Each test has a fixed prefix of its own, so its exchanges, queues and
// streams are reused by every run instead of piling up on the broker, and
// parallel tests do not share subscriptions.
func buses(name string) map[string]func(t *testing.T) driver.Bus {
	prefix := "obtest." + name + "."
	open := func(t *testing.T, busURL string) driver.Bus {
		b, err := gocloudbus.Open(context.Background(), busURL, gocloudbus.Options{Prefix: prefix})
		require.NoError(t, err)
		t.Cleanup(func() { b.Close() })
		return b
	}
	return map[string]func(t *testing.T) driver.Bus{
		"mem": func(t *testing.T) driver.Bus {
			b, err := gocloudbus.Open(context.Background(), "mem://", gocloudbus.Options{})
			require.NoError(t, err)
			t.Cleanup(func() { b.Close() })
			return b
		},
		"rabbitmq": func(t *testing.T) driver.Bus {
			return open(t, "rabbit://?server="+url.QueryEscape(testservices.RabbitMQ(t)))
		},
		"nats": func(t *testing.T) driver.Bus {
			return open(t, "nats://?server="+url.QueryEscape(testservices.NATS(t)))
		},
	}
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
			bus := openBus(t) // first, so that a missing broker skips at once
			env := backbonetest.New(t, "sqlite", nil)
			env = env.Restart(t, bus)
			env.Run(t)
			ca, cb := env.CreateAccount(t).Caller, env.CreateAccount(t).Caller
			a, b := ca.Address, cb.Address
			rel := pending(t, env, ca, cb) // b asks a: a gets RelationshipStatusChanged
			evs := waitForEvents(t, env, a, 1)
			require.Len(t, evs, 1)
			assert.Equal(t, "RelationshipStatusChanged", evs[0].Type)
			assert.JSONEq(t, `{"relationshipId":"`+rel.ID+`"}`, string(evs[0].Payload))
			require.NoError(t, backbone.RaiseForTest(t.Context(), env.Backbone,
				backbone.MessageCreated{ID: "MSGaaaaaaaaaaaaaaaaa", CreatedBy: a, Recipients: []backbone.MessageRecipient{{Address: b, RelationshipID: rel.ID}}}))
			time.Sleep(300 * time.Millisecond) // give the message event time to arrive: nothing must be delivered
			assert.Empty(t, eventsOf(t, env, b), "a message over a pending relationship is blocked")

			_, err := env.Backbone.Relationships.Accept(t.Context(), ca, rel.ID, nil)
			require.NoError(t, err)
			evs = waitForEvents(t, env, b, 2)
			require.Len(t, evs, 2, "accepting unblocks the message and tells the requester")
			assert.Equal(t, "MessageReceived", evs[0].Type)
			assert.JSONEq(t, `{"id":"MSGaaaaaaaaaaaaaaaaa"}`, string(evs[0].Payload))
			assert.Equal(t, "RelationshipStatusChanged", evs[1].Type)
		})
	}
}

// A message event consumed after the acceptance it was sent before is not
// held back: the handler reads the relationship as it is then.
func TestMessageEventArrivingAfterAcceptanceIsNotHeldBack(t *testing.T) {
	env := backbonetest.New(t, "sqlite", nil)
	env = env.Restart(t, buses("late")["mem"](t))
	ca, cb := env.CreateAccount(t).Caller, env.CreateAccount(t).Caller
	rel := pending(t, env, ca, cb)
	// Sent while Pending; the acceptance commits before anything is consumed.
	require.NoError(t, backbone.RaiseForTest(t.Context(), env.Backbone,
		backbone.MessageCreated{ID: "MSGbbbbbbbbbbbbbbbbb", CreatedBy: ca.Address, Recipients: []backbone.MessageRecipient{{Address: cb.Address, RelationshipID: rel.ID}}}))
	_, err := env.Backbone.Relationships.Accept(t.Context(), ca, rel.ID, nil)
	require.NoError(t, err)
	env.Run(t)
	var got []string
	require.Eventually(t, func() bool {
		got = got[:0]
		for _, e := range eventsOf(t, env, cb.Address) {
			got = append(got, e.Type)
		}
		return len(got) == 2
	}, 15*time.Second, 20*time.Millisecond)
	assert.ElementsMatch(t, []string{"MessageReceived", "RelationshipStatusChanged"}, got)
}
