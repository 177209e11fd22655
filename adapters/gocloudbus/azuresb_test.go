package gocloudbus_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/messaging/azservicebus/admin"
)

// azureBackend runs the suite against a real Service Bus namespace (Standard
// tier or above: topics need it). No local fake speaks its AMQP protocol
// without a container, so without the namespace this skips. The harness
// creates each test's topics and subscriptions first, as infrastructure
// tooling would, and deletes its topics (with their subscriptions) after.
func azureBackend(t testing.TB) backend {
	cs := os.Getenv("OPENBACKBONE_TEST_AZURESB_CONNECTION_STRING")
	if cs == "" {
		t.Skip("set OPENBACKBONE_TEST_AZURESB_CONNECTION_STRING to a Service Bus namespace's connection string: no local fake of Service Bus runs without a container")
	}
	t.Setenv("SERVICEBUS_CONNECTION_STRING", cs) // read by gocloudbus.Open
	ac, err := admin.NewClientFromConnectionString(cs, nil)
	if err != nil {
		t.Fatalf("Service Bus administration client: %v", err)
	}
	var mu sync.Mutex
	exists := map[string]bool{}
	prepare := func(ctx context.Context, n *names, topic, sub string) error {
		mu.Lock()
		defer mu.Unlock()
		topic = n.prefix + topic
		if !exists[topic] {
			got, err := ac.GetTopic(ctx, topic, nil)
			if err != nil {
				return err
			}
			if got == nil {
				if _, err := ac.CreateTopic(ctx, topic, nil); err != nil {
					return err
				}
			}
			exists[topic] = true
		}
		if sub == "" {
			return nil
		}
		sub = fitName(sub, 50)
		if exists[topic+"|"+sub] {
			return nil
		}
		got, err := ac.GetSubscription(ctx, topic, sub, nil)
		if err != nil {
			return err
		}
		if got == nil {
			if _, err := ac.CreateSubscription(ctx, topic, sub, nil); err != nil {
				return err
			}
		}
		exists[topic+"|"+sub] = true
		return nil
	}
	remove := func(n *names) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for topic := range n.topics {
			if _, err := ac.DeleteTopic(ctx, n.prefix+topic, nil); err != nil {
				t.Logf("clean up Service Bus topic %s: %v", n.prefix+topic, err)
			}
		}
	}
	return backend{url: fixed("azuresb://"), durable: true, prepare: prepare, remove: remove}
}
