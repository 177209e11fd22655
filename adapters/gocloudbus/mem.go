package gocloudbus

import (
	"context"
	"errors"
	"sync"
	"time"

	"gocloud.dev/gcerrors"
	"gocloud.dev/pubsub"
	gcdriver "gocloud.dev/pubsub/driver"
	"gocloud.dev/pubsub/mempubsub"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// memProvider keeps topics and subscriptions in the process, for the life of
// the Bus. mempubsub keeps a subscription's messages in the
// *pubsub.Subscription itself, and cannot take a subscription off its topic
// again. So every subscription, durable or transient, is a mempubsub topic of
// its own with that one subscription, and the topic the Bus publishes to is a
// fan-out (memFanout) that sends each message to all of them: removing a
// transient subscription is dropping it from the fan-out.
//
// A durable subscription is shared by all its subscribers: they compete for
// its messages, and it keeps receiving while none is attached.
type memProvider struct {
	ackDeadline time.Duration

	mu     sync.Mutex
	topics map[string]*memTopic
}

type memTopic struct {
	out       *pubsub.Topic      // the fan-out the Bus publishes to
	subs      map[string]*memSub // durable subscriptions, by name
	transient map[*memSub]struct{}
}

// memSub is one subscription: a mempubsub topic feeding one mempubsub
// subscription.
type memSub struct {
	t *pubsub.Topic
	s *pubsub.Subscription
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
		mt = &memTopic{
			out:       pubsub.NewTopic(&memFanout{p: p, name: name}, nil),
			subs:      map[string]*memSub{},
			transient: map[*memSub]struct{}{},
		}
		p.topics[name] = mt
	}
	return mt, nil
}

func (p *memProvider) newSub() *memSub {
	t := mempubsub.NewTopic()
	return &memSub{t: t, s: mempubsub.NewSubscription(t, p.ackDeadline)}
}

// openTopic hands out the shared fan-out. The Bus shuts down what it caches;
// the fan-out holds nothing to flush after Send returns, so that is harmless.
func (p *memProvider) openTopic(_ context.Context, name string) (*pubsub.Topic, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	mt, err := p.lookup(name)
	if err != nil {
		return nil, err
	}
	return mt.out, nil
}

func (p *memProvider) attach(_ context.Context, topic, sub string) (attachment, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	mt, err := p.lookup(topic)
	if err != nil {
		return attachment{}, err
	}
	ms := mt.subs[sub]
	if ms == nil {
		ms = p.newSub()
		mt.subs[sub] = ms
	}
	// The subscription outlives its subscribers; detaching leaves it be.
	return attachment{sub: ms.s, detach: func(context.Context) error { return nil }}, nil
}

// attachTransient adds a subscription of its own to the fan-out; detaching
// drops it from the fan-out, after which nothing refers to it or to its
// messages.
func (p *memProvider) attachTransient(_ context.Context, topic string) (attachment, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	mt, err := p.lookup(topic)
	if err != nil {
		return attachment{}, err
	}
	ms := p.newSub()
	mt.transient[ms] = struct{}{}
	return attachment{sub: ms.s, detach: func(ctx context.Context) error {
		p.mu.Lock()
		_, ok := mt.transient[ms]
		delete(mt.transient, ms)
		p.mu.Unlock()
		if !ok { // Close of the provider shut it down already
			return nil
		}
		// A Send in flight may still add to ms.t; its messages go with it.
		return ms.s.Shutdown(ctx)
	}}, nil
}

// targets returns the subscriptions of the topic; p.mu must be held.
func (p *memProvider) targets(topic string) []*pubsub.Topic {
	mt := p.topics[topic]
	if mt == nil {
		return nil
	}
	ts := make([]*pubsub.Topic, 0, len(mt.subs)+len(mt.transient))
	for _, ms := range mt.subs {
		ts = append(ts, ms.t)
	}
	for ms := range mt.transient {
		ts = append(ts, ms.t)
	}
	return ts
}

func (p *memProvider) decorate(*pubsub.Message, driver.Message) {}

func (p *memProvider) reserved(string) bool { return false }

// hasSubscriptions spares the fan-out a topic without subscriptions; such a
// message is dropped either way.
func (p *memProvider) hasSubscriptions(topic string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	mt := p.topics[topic]
	return mt != nil && len(mt.subs)+len(mt.transient) > 0
}

func (p *memProvider) close(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for _, mt := range p.topics {
		for _, ms := range mt.subs {
			errs = append(errs, ms.s.Shutdown(ctx))
		}
		for ms := range mt.transient {
			errs = append(errs, ms.s.Shutdown(ctx))
		}
		clear(mt.transient)
	}
	p.topics = nil
	return errors.Join(errs...)
}

// memFanout is a gocloud driver.Topic that sends each message to every
// subscription of one topic of a memProvider. The subscriptions' own topics
// are mempubsub's, so they give each copy the ack ID that subscription needs.
type memFanout struct {
	p    *memProvider
	name string
}

func (f *memFanout) SendBatch(ctx context.Context, ms []*gcdriver.Message) error {
	for _, m := range ms {
		for _, hook := range []func(func(any) bool) error{m.BeforeSend, m.AfterSend} {
			if hook == nil {
				continue
			}
			if err := hook(func(any) bool { return false }); err != nil {
				return err
			}
		}
	}
	f.p.mu.Lock()
	targets := f.p.targets(f.name)
	f.p.mu.Unlock()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, t := range targets {
		for _, m := range ms {
			wg.Go(func() {
				// Receivers copy the metadata, so the copies may share it.
				if err := t.Send(ctx, &pubsub.Message{Body: m.Body, Metadata: m.Metadata}); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (*memFanout) IsRetryable(error) bool  { return false }
func (*memFanout) As(any) bool             { return false }
func (*memFanout) ErrorAs(error, any) bool { return false }
func (*memFanout) ErrorCode(err error) gcerrors.ErrorCode {
	return gcerrors.Code(err) // the subscriptions' topics' errors, already coded
}
func (*memFanout) Close() error { return nil }
