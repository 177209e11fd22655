package gocloudbus

import (
	"context"
	"testing"
	"time"
)

// TestCloudURLsOpen checks, offline, that gocloud's openers accept the URLs
// the cloud providers build: opening connects lazily, so fake credentials do.
func TestCloudURLsOpen(t *testing.T) {
	t.Setenv("SERVICEBUS_CONNECTION_STRING", "Endpoint=sb://example.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=c2VjcmV0")
	t.Setenv("PUBSUB_EMULATOR_HOST", "127.0.0.1:1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, u := range []string{
		"azuresb://?prefix=ob.",
		"awssnssqs://?region=eu-central-1&account=123456789012&prefix=ob.",
		"gcppubsub://?project=my-project&prefix=ob.",
	} {
		b, err := Open(ctx, u, Options{})
		if err != nil {
			t.Fatalf("Open(%q): %v", u, err)
		}
		if _, err := b.topic(ctx, "ob.IdentityCreated"); err != nil {
			t.Errorf("%s: open topic: %v", u, err)
		}
		a, err := b.p.attach(ctx, "ob.IdentityCreated", "Quotas")
		if err != nil {
			t.Errorf("%s: open subscription: %v", u, err)
		} else {
			shut, cancel := context.WithTimeout(ctx, time.Second)
			_ = a.detach(shut)
			cancel()
		}
		_ = b.Close()
	}
}
