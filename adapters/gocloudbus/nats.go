package gocloudbus

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"gocloud.dev/gcerrors"
	"gocloud.dev/pubsub"
	"gocloud.dev/pubsub/batcher"
	gcdriver "gocloud.dev/pubsub/driver"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// natsProvider maps a topic to a JetStream stream capturing the subject
// "<prefix><topic>" (stream name: the subject with "." as "_"), with interest
// retention, so a message is kept until every subscription has acknowledged
// it; and a subscription to a durable pull consumer of that stream named
// after the subscription ("." as "_"), which delivers only messages published
// after it was created. Subscribers of one consumer compete for its messages.
// A transient subscription is an ephemeral pull consumer (a name the client
// makes up) of the same kind, which Close deletes and which the server deletes
// after transientInactivity without a pull, should its process die.
//
// gocloud.dev's natspubsub speaks core NATS only (at most once, no Nack), so
// the gocloud driver for JetStream is here: jsTopic and jsSubscription.
type natsProvider struct {
	cfg config
	nc  *nats.Conn
	js  jetstream.JetStream
}

func openNATS(ctx context.Context, cfg config) (*natsProvider, error) {
	timeout := 5 * time.Second
	if d, ok := ctx.Deadline(); ok {
		if timeout = time.Until(d); timeout <= 0 {
			return nil, ctx.Err()
		}
	}
	nc, err := nats.Connect(cfg.server, nats.Name("openbackbone gocloudbus"), nats.Timeout(timeout))
	if err != nil {
		return nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return &natsProvider{cfg: cfg, nc: nc, js: js}, nil
}

// stream returns the topic's stream, creating it if need be.
func (p *natsProvider) stream(ctx context.Context, subject string) (jetstream.Stream, error) {
	name := dotless(subject)
	s, err := p.js.Stream(ctx, name)
	if !errors.Is(err, jetstream.ErrStreamNotFound) {
		return s, err
	}
	storage := jetstream.FileStorage
	if p.cfg.storage == "memory" {
		storage = jetstream.MemoryStorage
	}
	s, err = p.js.CreateStream(ctx, jetstream.StreamConfig{
		Name:      name,
		Subjects:  []string{subject},
		Retention: jetstream.InterestPolicy,
		Storage:   storage,
		Replicas:  p.cfg.replicas,
	})
	if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		return p.js.Stream(ctx, name)
	}
	return s, err
}

func (p *natsProvider) openTopic(ctx context.Context, name string) (*pubsub.Topic, error) {
	if _, err := p.stream(ctx, name); err != nil {
		return nil, err
	}
	return pubsub.NewTopic(&jsTopic{js: p.js, subject: name}, nil), nil
}

func (p *natsProvider) attach(ctx context.Context, topic, sub string) (attachment, error) {
	s, err := p.stream(ctx, topic)
	if err != nil {
		return attachment{}, err
	}
	name := dotless(sub)
	c, err := s.Consumer(ctx, name)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		c, err = s.CreateConsumer(ctx, jetstream.ConsumerConfig{
			Durable:       name,
			AckPolicy:     jetstream.AckExplicitPolicy,
			DeliverPolicy: jetstream.DeliverNewPolicy,
			AckWait:       p.cfg.ackWait,
		})
		if errors.Is(err, jetstream.ErrConsumerExists) {
			c, err = s.Consumer(ctx, name)
		}
	}
	if err != nil {
		return attachment{}, err
	}
	ps := newJSSubscription(p.nc, c, 0)
	return attachment{sub: ps, detach: ps.Shutdown}, nil
}

// transientInactivity is how long after its last pull the server deletes a
// transient subscription's consumer; a subscriber that does not call Receive
// for that long is kept alive by pulls of its own (see keepAlive).
var transientInactivity = 30 * time.Second

func (p *natsProvider) attachTransient(ctx context.Context, topic string) (attachment, error) {
	s, err := p.stream(ctx, topic)
	if err != nil {
		return attachment{}, err
	}
	c, err := s.CreateConsumer(ctx, jetstream.ConsumerConfig{
		AckPolicy:         jetstream.AckExplicitPolicy,
		DeliverPolicy:     jetstream.DeliverNewPolicy,
		AckWait:           p.cfg.ackWait,
		InactiveThreshold: transientInactivity,
	})
	if err != nil {
		return attachment{}, err
	}
	name := c.CachedInfo().Name
	ps := newJSSubscription(p.nc, c, transientInactivity/3)
	return attachment{sub: ps, detach: func(ctx context.Context) error {
		err := ps.Shutdown(ctx)
		if derr := s.DeleteConsumer(ctx, name); !errors.Is(derr, jetstream.ErrConsumerNotFound) {
			err = errors.Join(err, derr)
		}
		return err
	}}, nil
}

func (p *natsProvider) decorate(*pubsub.Message, driver.Message) {}

func (p *natsProvider) reserved(string) bool { return false }

func (p *natsProvider) hasSubscriptions(string) bool { return true }

func (p *natsProvider) close(ctx context.Context) error {
	err := p.nc.FlushWithContext(ctx)
	p.nc.Close()
	if errors.Is(err, nats.ErrConnectionClosed) {
		return nil
	}
	return err
}

// Metadata travels in headers "Ob-Md-<key>", key and value query-escaped:
// NATS header names cannot hold every string, and "Nats-" names are the
// server's.
const natsHeaderPrefix = "Ob-Md-"

func toNATS(subject string, m *gcdriver.Message) *nats.Msg {
	msg := nats.NewMsg(subject)
	msg.Data = m.Body
	for k, v := range m.Metadata {
		msg.Header[natsHeaderPrefix+url.QueryEscape(k)] = []string{url.QueryEscape(v)}
	}
	return msg
}

// fromNATS decodes a message; a header this package did not write (or
// cannot unescape) is left out of the metadata.
func fromNATS(m jetstream.Msg) *gcdriver.Message {
	dm := &gcdriver.Message{
		Body:  m.Data(),
		AckID: m,
		AsFunc: func(i any) bool {
			p, ok := i.(*jetstream.Msg)
			if ok {
				*p = m
			}
			return ok
		},
	}
	if md, err := m.Metadata(); err == nil {
		dm.LoggableID = fmt.Sprintf("stream seq %d", md.Sequence.Stream)
	}
	for k, v := range m.Headers() {
		key, ok := strings.CutPrefix(k, natsHeaderPrefix)
		if !ok || len(v) == 0 {
			continue
		}
		key, kerr := url.QueryUnescape(key)
		value, verr := url.QueryUnescape(v[0])
		if kerr != nil || verr != nil {
			continue
		}
		if dm.Metadata == nil {
			dm.Metadata = map[string]string{}
		}
		dm.Metadata[key] = value
	}
	return dm
}

// jsTopic is a gocloud driver.Topic publishing to a JetStream subject.
type jsTopic struct {
	js      jetstream.JetStream
	subject string
}

// SendBatch publishes asynchronously and returns once the stream
// acknowledged every message.
func (t *jsTopic) SendBatch(ctx context.Context, ms []*gcdriver.Message) error {
	futures := make([]jetstream.PubAckFuture, 0, len(ms))
	for _, m := range ms {
		msg := toNATS(t.subject, m)
		if m.BeforeSend != nil {
			as := func(i any) bool {
				p, ok := i.(**nats.Msg)
				if ok {
					*p = msg
				}
				return ok
			}
			if err := m.BeforeSend(as); err != nil {
				return err
			}
		}
		f, err := t.js.PublishMsgAsync(msg)
		if err != nil {
			return err
		}
		futures = append(futures, f)
	}
	for i, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
		if m := ms[i]; m.AfterSend != nil {
			if err := m.AfterSend(func(any) bool { return false }); err != nil {
				return err
			}
		}
	}
	return nil
}

func (*jsTopic) IsRetryable(error) bool { return false }
func (t *jsTopic) As(i any) bool {
	p, ok := i.(*jetstream.JetStream)
	if ok {
		*p = t.js
	}
	return ok
}
func (*jsTopic) ErrorAs(error, any) bool                { return false }
func (*jsTopic) ErrorCode(err error) gcerrors.ErrorCode { return jsErrorCode(err) }
func (*jsTopic) Close() error                           { return nil }

// jsSubscription is a gocloud driver.Subscription on a pull consumer.
// It tracks the messages it handed to gocloud and not yet settled, and naks
// them on Close: the portable Subscription may hold prefetched messages that
// no one will receive, and JetStream would otherwise redeliver them only
// after AckWait.
type jsSubscription struct {
	nc *nats.Conn
	c  jetstream.Consumer

	mu          sync.Mutex
	closed      bool
	outstanding map[jetstream.Msg]struct{}
	pulled      time.Time     // when the last pull started
	stop        chan struct{} // ends keepAlive; nil without one
}

// newJSSubscription returns the portable subscription on c. With keepAlive
// above zero, it pulls on its own when no pull started for that long.
func newJSSubscription(nc *nats.Conn, c jetstream.Consumer, keepAlive time.Duration) *pubsub.Subscription {
	ds := &jsSubscription{nc: nc, c: c, outstanding: map[jetstream.Msg]struct{}{}, pulled: time.Now()}
	if keepAlive > 0 {
		ds.stop = make(chan struct{})
		go ds.keepAlive(keepAlive)
	}
	return pubsub.NewSubscription(ds, &batcher.Options{MaxBatchSize: 64, MaxHandlers: 1}, nil)
}

// keepAlive pulls whenever no pull started for every, so that the server,
// which deletes a consumer with an inactive threshold after that long without
// a pull, keeps it while nobody calls Receive. What such a pull gets is
// nak'd, so that the next Receive gets it again.
func (s *jsSubscription) keepAlive(every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-s.stop:
			return
		case now := <-tick.C:
			s.mu.Lock()
			idle := !s.closed && now.Sub(s.pulled) >= every
			if idle {
				s.pulled = now
			}
			s.mu.Unlock()
			if !idle {
				continue
			}
			if batch, err := s.c.FetchNoWait(1); err == nil {
				for m := range batch.Messages() {
					_ = m.Nak()
				}
			}
		}
	}
}

// ReceiveBatch takes what the consumer has at once, or else waits up to a
// second for one message: Fetch(n) would wait for all n.
func (s *jsSubscription) ReceiveBatch(ctx context.Context, maxMessages int) ([]*gcdriver.Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.pulled = time.Now()
	s.mu.Unlock()
	batch, err := s.c.FetchNoWait(maxMessages)
	if err != nil {
		return nil, err
	}
	msgs, err := s.collect(batch)
	if len(msgs) > 0 || err != nil {
		return msgs, err
	}
	s.mu.Lock()
	s.pulled = time.Now()
	s.mu.Unlock()
	batch, err = s.c.Fetch(1, jetstream.FetchMaxWait(time.Second))
	if err != nil {
		return nil, err
	}
	return s.collect(batch)
}

func (s *jsSubscription) collect(batch jetstream.MessageBatch) ([]*gcdriver.Message, error) {
	var msgs []*gcdriver.Message
	var errs []error
	for m := range batch.Messages() {
		s.mu.Lock()
		closed := s.closed
		if !closed {
			s.outstanding[m] = struct{}{}
		}
		s.mu.Unlock()
		if closed {
			errs = append(errs, m.Nak())
			continue
		}
		msgs = append(msgs, fromNATS(m))
	}
	if len(msgs) > 0 {
		return msgs, nil
	}
	errs = append(errs, batch.Error())
	return nil, errors.Join(errs...)
}

func (s *jsSubscription) SendAcks(_ context.Context, ids []gcdriver.AckID) error {
	return s.settle(ids, jetstream.Msg.Ack)
}

func (*jsSubscription) CanNack() bool { return true }

func (s *jsSubscription) SendNacks(_ context.Context, ids []gcdriver.AckID) error {
	return s.settle(ids, jetstream.Msg.Nak)
}

func (s *jsSubscription) settle(ids []gcdriver.AckID, f func(jetstream.Msg) error) error {
	var errs []error
	for _, id := range ids {
		m := id.(jetstream.Msg)
		s.mu.Lock()
		delete(s.outstanding, m)
		s.mu.Unlock()
		if err := f(m); err != nil && !errors.Is(err, jetstream.ErrMsgAlreadyAckd) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// IsRetryable lets gocloud retry a failed fetch (timeouts, missed
// heartbeats, a reconnecting connection), except when retrying cannot help.
func (*jsSubscription) IsRetryable(err error) bool {
	switch jsErrorCode(err) {
	case gcerrors.NotFound, gcerrors.FailedPrecondition, gcerrors.Canceled:
		return false
	}
	return true
}
func (s *jsSubscription) As(i any) bool {
	p, ok := i.(*jetstream.Consumer)
	if ok {
		*p = s.c
	}
	return ok
}
func (*jsSubscription) ErrorAs(error, any) bool                { return false }
func (*jsSubscription) ErrorCode(err error) gcerrors.ErrorCode { return jsErrorCode(err) }

// Close naks what gocloud received and did not settle, and flushes, so the
// naks (and the acks sent before) reach the server before Close returns.
func (s *jsSubscription) Close() error {
	s.mu.Lock()
	if s.stop != nil && !s.closed {
		close(s.stop)
	}
	s.closed = true
	pending := s.outstanding
	s.outstanding = nil
	s.mu.Unlock()
	var errs []error
	for m := range pending {
		errs = append(errs, m.Nak())
	}
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	errs = append(errs, s.nc.FlushWithContext(ctx))
	return errors.Join(errs...)
}

func jsErrorCode(err error) gcerrors.ErrorCode {
	switch {
	case errors.Is(err, context.Canceled):
		return gcerrors.Canceled
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout):
		return gcerrors.DeadlineExceeded
	case errors.Is(err, jetstream.ErrStreamNotFound), errors.Is(err, jetstream.ErrConsumerNotFound):
		return gcerrors.NotFound
	case errors.Is(err, nats.ErrConnectionClosed):
		return gcerrors.FailedPrecondition
	}
	return gcerrors.Unknown
}
