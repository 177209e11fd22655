package driver

import (
	"context"
	"time"
)

// Pinger is an optional capability of a Store, Bus or Blob: Ping answers
// whether the backend can serve requests right now, for readiness probes.
// It must be cheap (one round trip at most) and honour ctx's deadline. A
// driver without it is reported as not checked, never as failing.
type Pinger interface {
	Ping(ctx context.Context) error
}

// OutboxBacklog is what waits in the outbox: how many messages, and when
// the oldest of them was appended (zero when Count is 0).
type OutboxBacklog struct {
	Count  int
	Oldest time.Time
}

// OutboxInspector is an optional capability of the OutboxStore a Store
// hands out: Backlog counts the messages not yet published, leased or not,
// for the outbox lag metric. It must be one cheap query.
type OutboxInspector interface {
	Backlog(ctx context.Context) (OutboxBacklog, error)
}
