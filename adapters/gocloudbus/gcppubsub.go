package gocloudbus

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	raw "cloud.google.com/go/pubsub/apiv1"
	pb "cloud.google.com/go/pubsub/apiv1/pubsubpb"
	"gocloud.dev/gcerrors"
	"gocloud.dev/gcp"
	"gocloud.dev/pubsub"
	"gocloud.dev/pubsub/batcher"
	gcdriver "gocloud.dev/pubsub/driver"
	"gocloud.dev/pubsub/gcppubsub"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// pubsubClients is a Bus's connection to Google Cloud Pub/Sub, dialled on
// first use: the emulator parameter's host, else PUBSUB_EMULATOR_HOST's,
// else the service with Application Default Credentials.
type pubsubClients struct {
	emulator string

	once sync.Once
	err  error
	conn *grpc.ClientConn
	pub  *raw.PublisherClient
	sub  *raw.SubscriberClient
}

func (c *pubsubClients) get(ctx context.Context) (*raw.PublisherClient, *raw.SubscriberClient, error) {
	c.once.Do(func() { c.err = c.dial(ctx) })
	return c.pub, c.sub, c.err
}

func (c *pubsubClients) dial(ctx context.Context) error {
	host := c.emulator
	if host == "" {
		host = os.Getenv("PUBSUB_EMULATOR_HOST")
	}
	var err error
	if host != "" {
		c.conn, err = grpc.NewClient(host, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			return fmt.Errorf("connect to the Pub/Sub emulator at %s: %w", host, err)
		}
	} else {
		creds, err := gcp.DefaultCredentials(ctx)
		if err != nil {
			return fmt.Errorf("Pub/Sub credentials: %w", err)
		}
		if c.conn, _, err = gcppubsub.Dial(ctx, creds.TokenSource); err != nil {
			return fmt.Errorf("connect to Pub/Sub: %w", err)
		}
	}
	if c.pub, err = gcppubsub.PublisherClient(ctx, c.conn); err != nil {
		return err
	}
	c.sub, err = gcppubsub.SubscriberClient(ctx, c.conn)
	return err
}

// close closes the connection if it was dialled.
func (c *pubsubClients) close() error {
	c.once.Do(func() { c.err = ErrClosed })
	if c.conn == nil {
		return nil
	}
	return c.conn.Close()
}

// pubsubSubscription is a gocloud driver.Subscription on a Pub/Sub
// subscription, in place of gocloud's own: like jsSubscription it remembers
// the messages it pulled and gocloud did not settle, and on Close hands them
// back (an ack deadline of 0), because the portable Subscription may hold
// prefetched messages no one will receive, which Pub/Sub would otherwise
// redeliver only when their ack deadline passes.
type pubsubSubscription struct {
	client *raw.SubscriberClient
	path   string

	unsettled unsettled // by ack ID
}

func newPubSubSubscription(client *raw.SubscriberClient, path string) *pubsub.Subscription {
	ds := &pubsubSubscription{client: client, path: path}
	return pubsub.NewSubscription(ds, &batcher.Options{MaxBatchSize: 1000, MaxHandlers: 2}, &batcher.Options{MaxBatchSize: 1000, MaxHandlers: 2})
}

// ReceiveBatch pulls; the service waits a while for a message when it has
// none.
func (s *pubsubSubscription) ReceiveBatch(ctx context.Context, maxMessages int) ([]*gcdriver.Message, error) {
	resp, err := s.client.Pull(ctx, &pb.PullRequest{Subscription: s.path, MaxMessages: int32(maxMessages)})
	if err != nil {
		return nil, err
	}
	ids := make([]gcdriver.AckID, 0, len(resp.ReceivedMessages))
	for _, rm := range resp.ReceivedMessages {
		ids = append(ids, rm.AckId)
	}
	if !s.unsettled.add(ids) {
		return nil, s.release(context.WithoutCancel(ctx), ids)
	}
	msgs := make([]*gcdriver.Message, 0, len(resp.ReceivedMessages))
	for _, rm := range resp.ReceivedMessages {
		msgs = append(msgs, &gcdriver.Message{
			LoggableID: rm.Message.MessageId,
			Body:       rm.Message.Data,
			Metadata:   rm.Message.Attributes,
			AckID:      rm.AckId,
		})
	}
	return msgs, nil
}

func (s *pubsubSubscription) SendAcks(ctx context.Context, ids []gcdriver.AckID) error {
	s.unsettled.forget(ids)
	return s.client.Acknowledge(ctx, &pb.AcknowledgeRequest{Subscription: s.path, AckIds: ackIDs(ids)})
}

func (*pubsubSubscription) CanNack() bool { return true }

func (s *pubsubSubscription) SendNacks(ctx context.Context, ids []gcdriver.AckID) error {
	s.unsettled.forget(ids)
	return s.release(ctx, ids)
}

// release makes the messages deliverable again at once.
func (s *pubsubSubscription) release(ctx context.Context, ids []gcdriver.AckID) error {
	if len(ids) == 0 {
		return nil
	}
	return s.client.ModifyAckDeadline(ctx, &pb.ModifyAckDeadlineRequest{Subscription: s.path, AckIds: ackIDs(ids), AckDeadlineSeconds: 0})
}

func ackIDs(ids []gcdriver.AckID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.(string)
	}
	return out
}

// IsRetryable lets gocloud retry what the generated client does not.
func (s *pubsubSubscription) IsRetryable(err error) bool {
	return s.ErrorCode(err) == gcerrors.DeadlineExceeded
}

func (s *pubsubSubscription) As(i any) bool {
	p, ok := i.(**raw.SubscriberClient)
	if ok {
		*p = s.client
	}
	return ok
}

func (*pubsubSubscription) ErrorAs(err error, i any) bool {
	p, ok := i.(**status.Status)
	if !ok {
		return false
	}
	st, ok := status.FromError(err)
	if ok {
		*p = st
	}
	return ok
}

func (*pubsubSubscription) ErrorCode(err error) gcerrors.ErrorCode { return grpcErrorCode(err) }

// Close hands back what gocloud received and did not settle. gocloud calls it
// after flushing its acks and nacks.
func (s *pubsubSubscription) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	return s.release(ctx, s.unsettled.close())
}

// grpcErrorCode maps a gRPC status to gocloud's codes, for translate.
func grpcErrorCode(err error) gcerrors.ErrorCode {
	switch {
	case errors.Is(err, context.Canceled):
		return gcerrors.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return gcerrors.DeadlineExceeded
	}
	if code, ok := grpcCodes[status.Code(err)]; ok {
		return code
	}
	return gcerrors.Unknown
}

// grpcCodes are the gRPC codes gocloud has a counterpart for.
var grpcCodes = map[codes.Code]gcerrors.ErrorCode{
	codes.NotFound:           gcerrors.NotFound,
	codes.AlreadyExists:      gcerrors.AlreadyExists,
	codes.InvalidArgument:    gcerrors.InvalidArgument,
	codes.PermissionDenied:   gcerrors.PermissionDenied,
	codes.Unauthenticated:    gcerrors.PermissionDenied,
	codes.FailedPrecondition: gcerrors.FailedPrecondition,
	codes.ResourceExhausted:  gcerrors.ResourceExhausted,
	codes.Unimplemented:      gcerrors.Unimplemented,
	codes.DeadlineExceeded:   gcerrors.DeadlineExceeded,
	codes.Canceled:           gcerrors.Canceled,
}
