package sqlstore

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

func TestPingAnswersUntilClosed(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, open func(t *testing.T) *Store) {
		st := open(t)
		require.NoError(t, st.Ping(t.Context()))
		require.NoError(t, st.Close())
		assert.Error(t, st.Ping(t.Context()))
	})
}

func TestOutboxBacklogCountsLeasedAndUnleasedMessages(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, open func(t *testing.T) *Store) {
		st := open(t)
		ctx := context.Background()
		require.NoError(t, st.Migrate(ctx))
		inspector, ok := st.Outbox().(driver.OutboxInspector)
		require.True(t, ok, "the outbox of sqlstore inspects its backlog")

		empty, err := inspector.Backlog(ctx)
		require.NoError(t, err)
		assert.Equal(t, driver.OutboxBacklog{}, empty)

		older := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		require.NoError(t, st.Outbox().Append(ctx,
			driver.OutboxMessage{ID: "m1", Topic: "t", Body: []byte("{}"), CreatedAt: older.Add(time.Minute)},
			driver.OutboxMessage{ID: "m2", Topic: "t", Body: []byte("{}"), CreatedAt: older},
			driver.OutboxMessage{ID: "m3", Topic: "t", Body: []byte("{}"), CreatedAt: older.Add(2 * time.Minute)},
		))
		// A leased message is still unpublished and counts.
		_, err = st.Outbox().Claim(ctx, older.Add(time.Hour), older.Add(2*time.Hour), 1)
		require.NoError(t, err)

		b, err := inspector.Backlog(ctx)
		require.NoError(t, err)
		assert.Equal(t, 3, b.Count)
		assert.True(t, older.Equal(b.Oldest), "oldest %v", b.Oldest)

		require.NoError(t, st.Outbox().Delete(ctx, []string{"m2"}))
		b, err = inspector.Backlog(ctx)
		require.NoError(t, err)
		assert.Equal(t, 2, b.Count)
		assert.True(t, older.Add(time.Minute).Equal(b.Oldest), "oldest %v", b.Oldest)
	})
}
