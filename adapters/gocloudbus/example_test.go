package gocloudbus_test

import (
	"context"
	"fmt"
	"log"

	"github.com/openbackbone/openbackbone/adapters/gocloudbus"
	"github.com/openbackbone/openbackbone/backbone/driver"
)

func ExampleOpen() {
	ctx := context.Background()
	// "rabbit://?server=amqp://guest:guest@127.0.0.1:5672/" or
	// "nats://?server=nats://127.0.0.1:4222" for a broker shared by processes.
	bus, err := gocloudbus.Open(ctx, "mem://", gocloudbus.Options{Prefix: "openbackbone."})
	if err != nil {
		log.Fatal(err)
	}
	defer bus.Close()

	// The subscription exists from here on, with or without a subscriber.
	sub, err := bus.Subscribe(ctx, "IdentityCreated", "Quotas")
	if err != nil {
		log.Fatal(err)
	}
	defer sub.Close()

	err = bus.Publish(ctx, "IdentityCreated", driver.Message{
		ID:       "did:e:localhost:dids:0123456789abcdef012345/Created",
		Body:     []byte(`{"Address":"did:e:localhost:dids:0123456789abcdef012345","Tier":"TIRbasic"}`),
		Metadata: map[string]string{"CorrelationId": "c-1"},
	})
	if err != nil {
		log.Fatal(err)
	}

	d, err := sub.Receive(ctx)
	if err != nil {
		log.Fatal(err)
	}
	m := d.Message()
	fmt.Println(m.ID, m.Metadata["CorrelationId"], string(m.Body))
	d.Ack()
	// Output:
	// did:e:localhost:dids:0123456789abcdef012345/Created c-1 {"Address":"did:e:localhost:dids:0123456789abcdef012345","Tier":"TIRbasic"}
}

func ExampleOpen_unknownScheme() {
	_, err := gocloudbus.Open(context.Background(), "kafka://", gocloudbus.Options{})
	fmt.Println(err)
	// Output:
	// gocloudbus: unknown scheme "kafka": known schemes are awssnssqs, azuresb, gcppubsub, mem, nats, rabbit
}
