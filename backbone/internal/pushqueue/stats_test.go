package pushqueue

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

type deadHandles struct{ platform string }

func (d deadHandles) Platform() string        { return d.platform }
func (d deadHandles) SupportsApp(string) bool { return true }
func (d deadHandles) Send(context.Context, driver.PushTarget, driver.PushNotification) error {
	return driver.ErrInvalidHandle
}

func TestStatsAreKeptPerPlatform(t *testing.T) {
	sent := &counting{platform: "fcm"}
	q := New([]driver.Push{sent, deadHandles{platform: "apns"}}, Options{})
	q.Enqueue("fcm", Job{}, Job{})
	q.Enqueue("apns", Job{})
	q.Enqueue("sse", Job{})

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { q.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	require.Eventually(t, func() bool {
		s := q.StatsByPlatform()
		return s["fcm"].Sent == 2 && s["apns"].InvalidHandles == 1
	}, 5*time.Second, time.Millisecond)

	byPlatform := q.StatsByPlatform()
	assert.Equal(t, map[string]Stats{
		"fcm":  {Sent: 2},
		"apns": {InvalidHandles: 1},
		"sse":  {Dropped: 1},
	}, byPlatform)
	assert.Equal(t, Stats{Sent: 2, InvalidHandles: 1, Dropped: 1}, q.Stats())
}
