package gocloudbus_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/openbackbone/openbackbone/adapters/gocloudbus"
	"github.com/openbackbone/openbackbone/backbone/driver"
)

func openMem(t *testing.T) *gocloudbus.Bus {
	t.Helper()
	b, err := gocloudbus.Open(context.Background(), "mem://", gocloudbus.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func TestInvalidNamesAreRejected(t *testing.T) {
	ctx := context.Background()
	b := openMem(t)
	if err := b.Publish(ctx, "bad_topic"); err == nil || !strings.Contains(err.Error(), `invalid topic name "bad_topic"`) {
		t.Errorf("Publish to an invalid topic name: %v", err)
	}
	if _, err := b.Subscribe(ctx, "topic", "bad sub"); err == nil || !strings.Contains(err.Error(), `invalid subscription name "bad sub"`) {
		t.Errorf("Subscribe with an invalid subscription name: %v", err)
	}
	if _, err := gocloudbus.Open(ctx, "mem://", gocloudbus.Options{Prefix: "bad_"}); err == nil {
		t.Error("Open with an invalid prefix succeeded")
	}
}

func TestReservedMetadataKeyIsRejected(t *testing.T) {
	b := openMem(t)
	err := b.Publish(context.Background(), "topic", driver.Message{Metadata: map[string]string{"openbackbone-message-id": "x"}})
	if err == nil || !strings.Contains(err.Error(), "reserved") {
		t.Errorf("Publish with the reserved metadata key: %v", err)
	}
}

func TestClosedBus(t *testing.T) {
	ctx := context.Background()
	b := openMem(t)
	s, err := b.Subscribe(ctx, "topic", "sub")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := b.Publish(ctx, "topic", driver.Message{}); !errors.Is(err, gocloudbus.ErrClosed) {
		t.Errorf("Publish after Close: %v, want ErrClosed", err)
	}
	if _, err := b.Subscribe(ctx, "topic", "sub"); !errors.Is(err, gocloudbus.ErrClosed) {
		t.Errorf("Subscribe after Close: %v, want ErrClosed", err)
	}
	if _, err := s.Receive(ctx); !errors.Is(err, gocloudbus.ErrClosed) {
		t.Errorf("Receive on a subscription of a closed Bus: %v, want ErrClosed", err)
	}
}

func TestSettlingTwiceIsHarmless(t *testing.T) {
	ctx := context.Background()
	b := openMem(t)
	s, err := b.Subscribe(ctx, "topic", "sub")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx, "topic", driver.Message{ID: "1"}); err != nil {
		t.Fatal(err)
	}
	d, err := s.Receive(ctx)
	if err != nil {
		t.Fatal(err)
	}
	d.Ack()
	d.Nack() // gocloud would panic; the bus ignores it
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	d.Ack() // after Close too
}
