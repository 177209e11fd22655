package gocloudbus

import (
	"context"
	"encoding/base64"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/openbackbone/openbackbone/backbone/driver"
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

// azuresb:// reads its credentials at Open, so a missing one is reported
// there rather than at the first Publish.
func TestAzureNeedsCredentialsAtOpen(t *testing.T) {
	t.Setenv("SERVICEBUS_CONNECTION_STRING", "")
	t.Setenv("AZURE_SERVICEBUS_HOSTNAME", "")
	_, err := Open(context.Background(), "azuresb://", Options{})
	if err == nil || !strings.Contains(err.Error(), "SERVICEBUS_CONNECTION_STRING") {
		t.Errorf("Open(azuresb://) without credentials = %v, want an error naming SERVICEBUS_CONNECTION_STRING", err)
	}
}

func TestFitShortensLongNamesDistinctly(t *testing.T) {
	short := strings.Repeat("a", 80)
	if got := fit(short, 80); got != short {
		t.Errorf("fit of an 80-character name = %q, want it unchanged", got)
	}
	a, b := fit(strings.Repeat("a", 81), 80), fit(strings.Repeat("a", 80)+"b", 80)
	if len(a) != 80 || len(b) != 80 || a == b {
		t.Errorf("fit of two 81-character names = %q, %q: want two distinct 80-character names", a, b)
	}
	if !strings.HasPrefix(a, strings.Repeat("a", 63)+"-") || fit(strings.Repeat("a", 81), 80) != a {
		t.Errorf("fit = %q, want the first 63 characters, '-' and a hash, the same every time", a)
	}
}

func TestSNSEmptyMetadataValuesRoundTrip(t *testing.T) {
	cfg, err := parseURL("awssnssqs://?region=r&account=1", Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := &Bus{p: newCloudProvider(cfg)}
	pm := b.message(driver.Message{ID: "m", Metadata: map[string]string{"empty": "", "with space": "", "full": "x"}})
	for k, v := range pm.Metadata {
		if v == "" {
			t.Errorf("metadata %q sent to SNS with an empty value", k)
		}
	}
	got := toMessage(pm, b.p.reserved)
	want := map[string]string{"empty": "", "with space": "", "full": "x"}
	if got.ID != "m" || !maps.Equal(got.Metadata, want) {
		t.Errorf("received %q %q, want m %q", got.ID, got.Metadata, want)
	}
	if err := b.Publish(context.Background(), "topic", driver.Message{Metadata: map[string]string{emptyKeysKey: "[]"}}); err == nil || !strings.Contains(err.Error(), "reserved") {
		t.Errorf("Publish with the reserved key %q: %v", emptyKeysKey, err)
	}
}

func TestSQSDecodesWhatGocloudsSNSTopicEncodes(t *testing.T) {
	body := base64.StdEncoding.EncodeToString([]byte{0xff, 0x00})
	m := fromSQS(sqstypes.Message{
		Body:          aws.String(body),
		ReceiptHandle: aws.String("rh"),
		MessageAttributes: map[string]sqstypes.MessageAttributeValue{
			"with__0x20__space": {StringValue: aws.String("a%20b%3B")},
			"plain":             {StringValue: aws.String("Gr%C3%BC%C3%9Fe")},
			"base64encoded":     {StringValue: aws.String("true")},
		},
	})
	want := map[string]string{"with space": "a b;", "plain": "Grüße"}
	if !maps.Equal(m.Metadata, want) || string(m.Body) != "\xff\x00" || m.AckID != "rh" {
		t.Errorf("decoded %q %q %v, want %q, the two bytes ff 00 and the receipt handle", m.Metadata, m.Body, m.AckID, want)
	}
}

func TestCloudNamesFitTheServices(t *testing.T) {
	topic, sub := "prefix-of-forty-characters-for-a-tenant."+strings.Repeat("T", 80), strings.Repeat("S", 80)
	cfg, err := parseURL("awssnssqs://?region=r&account=1", Options{})
	if err != nil {
		t.Fatal(err)
	}
	queue := newCloudProvider(cfg).queueURL(topic, sub)
	if name := queue[strings.LastIndex(queue, "/")+1:]; len(name) != 80 {
		t.Errorf("SQS queue name %q has %d characters, want 80 (SQS's limit)", name, len(name))
	}
	cfg, err = parseURL("azuresb://", Options{})
	if err != nil {
		t.Fatal(err)
	}
	u := newCloudProvider(cfg).subscriptionURL(topic, sub)
	if name := u[strings.Index(u, "subscription=")+len("subscription="):]; len(name) != 50 {
		t.Errorf("Service Bus subscription name %q has %d characters, want 50 (Service Bus's limit)", name, len(name))
	}
}
