package gocloudbus_test

import (
	"context"
	"errors"
	"testing"
	"time"

	raw "cloud.google.com/go/pubsub/apiv1"
	pb "cloud.google.com/go/pubsub/apiv1/pubsubpb"
	"cloud.google.com/go/pubsub/pstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/openbackbone/openbackbone/adapters/gocloudbus"
	"github.com/openbackbone/openbackbone/backbone/driver"
)

// startPubSub starts Google's in-process Pub/Sub fake (the one its Go client
// is tested against), speaking the same gRPC API as the service, and stops it
// at t's cleanup. It returns the emulator's host:port.
func startPubSub(t testing.TB) string {
	srv := pstest.NewServer()
	t.Cleanup(func() { _ = srv.Close() })
	return srv.Addr
}

// pubsubBackend runs each test on a fake of its own, the bus creating
// topics and subscriptions as it would on a fresh project.
func pubsubBackend() backend {
	return backend{
		url: func(t testing.TB) string {
			return "gcppubsub://?project=obtest&create=true&emulator=" + startPubSub(t)
		},
		durable: true,
	}
}

// pubsubAdmin connects the raw Pub/Sub clients to the fake, to look at what
// the bus created.
func pubsubAdmin(t *testing.T, addr string) (*raw.PublisherClient, *raw.SubscriberClient) {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	ctx := context.Background()
	pc, err := raw.NewPublisherClient(ctx, option.WithGRPCConn(conn))
	require.NoError(t, err)
	sc, err := raw.NewSubscriberClient(ctx, option.WithGRPCConn(conn))
	require.NoError(t, err)
	return pc, sc
}

func TestPubSubCreateDeclaresNamedResources(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	addr := startPubSub(t)
	b, err := gocloudbus.Open(ctx, "gcppubsub://?project=p1&create=true&prefix=ob.&emulator="+addr, gocloudbus.Options{})
	require.NoError(t, err)
	defer b.Close()

	s, err := b.Subscribe(ctx, "IdentityCreated", "Quotas.Handler")
	require.NoError(t, err)
	require.NoError(t, b.Publish(ctx, "IdentityCreated", driver.Message{ID: "m1", Body: []byte("x")}))
	d, err := s.Receive(ctx)
	require.NoError(t, err)
	assert.Equal(t, "m1", d.Message().ID)
	d.Ack()

	pc, sc := pubsubAdmin(t, addr)
	_, err = pc.GetTopic(ctx, &pb.GetTopicRequest{Topic: "projects/p1/topics/ob.IdentityCreated"})
	require.NoError(t, err, "the topic is named projects/PROJECT/topics/P+T")
	sub, err := sc.GetSubscription(ctx, &pb.GetSubscriptionRequest{Subscription: "projects/p1/subscriptions/ob.IdentityCreated_Quotas.Handler"})
	require.NoError(t, err, "the subscription is named projects/PROJECT/subscriptions/P+T_S")
	assert.Equal(t, "projects/p1/topics/ob.IdentityCreated", sub.Topic)
	assert.EqualValues(t, 60, sub.AckDeadlineSeconds)
	if assert.NotNil(t, sub.ExpirationPolicy, "a durable subscription must not expire after Pub/Sub's default 31 idle days") {
		assert.Nil(t, sub.ExpirationPolicy.Ttl, "no TTL: the subscription never expires")
	}
}

// Without create=true the resources must exist, and their absence is
// driver.ErrNotFound, not a hang.
func TestPubSubWithoutCreateNeedsExistingResources(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	addr := startPubSub(t)
	b, err := gocloudbus.Open(ctx, "gcppubsub://?project=p1&emulator="+addr, gocloudbus.Options{})
	require.NoError(t, err)
	defer b.Close()

	err = b.Publish(ctx, "Missing", driver.Message{ID: "m1"})
	assert.ErrorIs(t, err, driver.ErrNotFound, "publish to a topic that does not exist")

	s, err := b.Subscribe(ctx, "Missing", "sub")
	if err == nil {
		// gocloud opens subscriptions lazily: the absence shows on Receive.
		_, err = s.Receive(ctx)
		_ = s.Close()
	}
	assert.ErrorIs(t, err, driver.ErrNotFound, "subscribe to a subscription that does not exist")

	// Created by infrastructure tooling instead, they work.
	pc, sc := pubsubAdmin(t, addr)
	_, err = pc.CreateTopic(ctx, &pb.Topic{Name: "projects/p1/topics/Present"})
	require.NoError(t, err)
	_, err = sc.CreateSubscription(ctx, &pb.Subscription{Name: "projects/p1/subscriptions/Present_sub", Topic: "projects/p1/topics/Present"})
	require.NoError(t, err)
	s, err = b.Subscribe(ctx, "Present", "sub")
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, b.Publish(ctx, "Present", driver.Message{ID: "m2"}))
	d, err := s.Receive(ctx)
	require.NoError(t, err)
	assert.Equal(t, "m2", d.Message().ID)
	d.Ack()
}

func TestPubSubEmulatorConnectionIsTheBuses(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := gocloudbus.Open(ctx, "gcppubsub://?project=p1&create=true&emulator="+startPubSub(t), gocloudbus.Options{})
	require.NoError(t, err)
	require.NoError(t, b.Close())
	err = b.Publish(ctx, "topic", driver.Message{})
	assert.True(t, errors.Is(err, gocloudbus.ErrClosed), "Publish after Close: %v", err)
}
