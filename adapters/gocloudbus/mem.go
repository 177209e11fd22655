package gocloudbus

import (
	"context"
	"errors"
	"sync"
	"time"

	"gocloud.dev/pubsub"
	"gocloud.dev/pubsub/mempubsub"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// memProvider keeps topics and subscriptions in the process, for the life of
// the Bus. mempubsub keeps a subscription's messages in the
// *pubsub.Subscription itself, so there is one per (topic, subscription),
// shared by all its subscribers: they compete for its messages, and it keeps
// receiving while none is attached.
type memProvider struct {
	ackDeadline time.Duration

	mu     sync.Mutex
	topics map[string]*memTopic
}

type memTopic struct {
	t    *pubsub.Topic
	subs map[string]*pubsub.Subscription
}

func newMemProvider(cfg config) *memProvider {
	return &memProvider{ackDeadline: cfg.ackDeadline, topics: map[string]*memTopic{}}
}

// lookup returns the topic, creating it; p.mu must be held.
func (p *memProvider) lookup(name string) (*memTopic, error) {
	if p.topics == nil {
		return nil, ErrClosed
	}
	mt := p.topics[name]
	if mt == nil {
		mt = &memTopic{t: mempubsub.NewTopic(), subs: map[string]*pubsub.Subscription{}}
		p.topics[name] = mt
	}
	return mt, nil
}

// openTopic hands out the shared topic. The Bus shuts down what it caches;
// mempubsub topics hold nothing to flush after Send returns, so that is
// harmless for the shared one.
func (p *memProvider) openTopic(_ context.Context, name string) (*pubsub.Topic, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	mt, err := p.lookup(name)
	if err != nil {
		return nil, err
	}
	return mt.t, nil
}

func (p *memProvider) attach(_ context.Context, topic, sub string) (attachment, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	mt, err := p.lookup(topic)
	if err != nil {
		return attachment{}, err
	}
	ps := mt.subs[sub]
	if ps == nil {
		ps = mempubsub.NewSubscription(mt.t, p.ackDeadline)
		mt.subs[sub] = ps
	}
	// The subscription outlives its subscribers; detaching leaves it be.
	return attachment{sub: ps, detach: func(context.Context) error { return nil }}, nil
}

func (p *memProvider) decorate(*pubsub.Message, driver.Message) {}

func (p *memProvider) reserved(string) bool { return false }

// hasSubscriptions spares mempubsub's log line for a message sent to a topic
// without subscriptions; such a message is dropped either way.
func (p *memProvider) hasSubscriptions(topic string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	mt := p.topics[topic]
	return mt != nil && len(mt.subs) > 0
}

func (p *memProvider) close(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for _, mt := range p.topics {
		for _, ps := range mt.subs {
			errs = append(errs, ps.Shutdown(ctx))
		}
	}
	p.topics = nil
	return errors.Join(errs...)
}
