package backbone_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/internal/backbonetest"
)

// opaqueBus hides every capability of the bus it wraps, Ping included.
type opaqueBus struct{ driver.Bus }

// sickBus answers Ping with its error, or not at all when hang is set.
type sickBus struct {
	driver.Bus
	err  error
	hang chan struct{} // Ping blocks until it is closed, ignoring ctx
}

func (s sickBus) Ping(ctx context.Context) error {
	if s.hang != nil {
		<-s.hang // Check must give up on its own
	}
	return s.err
}

func TestCheckAsksEveryDriverThatCanAnswer(t *testing.T) {
	env := backbonetest.New(t, "sqlite", nil)
	bus := memBus(t)

	healthy := env.Restart(t, bus).Backbone.Check(t.Context())
	assert.Equal(t, map[string]error{"store": nil, "bus": nil, "blob": nil}, healthy)

	unknown := env.Restart(t, opaqueBus{bus}).Backbone.Check(t.Context())
	assert.ErrorIs(t, unknown["bus"], backbone.ErrNotChecked)
	assert.NoError(t, unknown["store"])

	down := errors.New("broker unreachable")
	failing := env.Restart(t, sickBus{Bus: bus, err: down}).Backbone.Check(t.Context())
	assert.ErrorIs(t, failing["bus"], down)
	assert.NoError(t, failing["blob"])

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	release := make(chan struct{})
	defer close(release)
	hanging := env.Restart(t, sickBus{Bus: bus, hang: release}).Backbone.Check(ctx)
	assert.ErrorIs(t, hanging["bus"], context.DeadlineExceeded)
	assert.NoError(t, hanging["store"])

	require.NoError(t, env.Store.Close())
	closed := env.Backbone.Check(t.Context())
	assert.Error(t, closed["store"])
	assert.NotContains(t, closed, "bus", "a Backbone without a bus has nothing to check there")
}

func TestOutboxBacklogCountsWhatWaitsForTheRelay(t *testing.T) {
	env := backbonetest.New(t, "sqlite", nil)
	empty, err := env.Backbone.OutboxBacklog(t.Context())
	require.NoError(t, err)
	assert.Zero(t, empty.Count)

	created := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	require.NoError(t, env.Store.Outbox().Append(t.Context(), driver.OutboxMessage{ID: "m1", Topic: "t", Body: []byte("{}"), CreatedAt: created}))
	backlog, err := env.Backbone.OutboxBacklog(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 1, backlog.Count)
	assert.True(t, created.Equal(backlog.Oldest))
}

func TestPushStatsListTheProviders(t *testing.T) {
	env := backbonetest.New(t, "sqlite", nil)
	b := env.Restart(t, memBus(t), &recorder{platform: "fcm"}).Backbone
	assert.Equal(t, map[string]backbone.PushStats{"fcm": {}}, b.PushStats())
}

func TestConsumerStatsCountHandledEvents(t *testing.T) {
	env := backbonetest.New(t, "sqlite", nil)
	env = env.Restart(t, memBus(t))
	env.Run(t)
	env.CreateAccount(t) // raises IdentityCreated, which the quotas consume

	processed := func() int64 {
		var n int64
		for _, s := range env.Backbone.ConsumerStats() {
			assert.Zero(t, s.Failed, "%s/%s", s.Subscription, s.Topic)
			n += s.Processed
		}
		return n
	}
	require.Eventually(t, func() bool { return processed() > 0 }, 10*time.Second, 10*time.Millisecond)
	assert.NotEmpty(t, env.Backbone.ConsumerStats()[0].Subscription)
}
