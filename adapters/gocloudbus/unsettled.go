package gocloudbus

import (
	"sync"

	gcdriver "gocloud.dev/pubsub/driver"
)

// unsettled is what a cloud subscription received and gocloud has not yet
// acked or nacked, by ack ID. The portable Subscription may hold prefetched
// messages no one will receive; the service would hide them until their
// deadline ran out, so Close hands back what is left here.
type unsettled struct {
	mu     sync.Mutex
	closed bool
	ids    map[string]struct{}
}

// add records ids, unless the subscription is closed: it reports whether it
// did, and a receive that finished after Close must release ids itself.
func (u *unsettled) add(ids []gcdriver.AckID) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closed {
		return false
	}
	if u.ids == nil {
		u.ids = make(map[string]struct{}, len(ids))
	}
	for _, id := range ids {
		u.ids[id.(string)] = struct{}{}
	}
	return true
}

// forget drops ids gocloud settled.
func (u *unsettled) forget(ids []gcdriver.AckID) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, id := range ids {
		delete(u.ids, id.(string))
	}
}

// close marks the subscription closed and returns what was never settled.
func (u *unsettled) close() []gcdriver.AckID {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.closed = true
	ids := make([]gcdriver.AckID, 0, len(u.ids))
	for id := range u.ids {
		ids = append(ids, id)
	}
	u.ids = nil
	return ids
}
