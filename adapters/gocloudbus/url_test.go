package gocloudbus

import (
	"strings"
	"testing"
	"time"
)

func TestParseURLErrors(t *testing.T) {
	for _, c := range []struct{ url, want string }{
		{"kafka://", `unknown scheme "kafka"`},
		{"kafka://", "known schemes are awssnssqs, azuresb, gcppubsub, mem, nats, rabbit"},
		{"", `unknown scheme ""`},
		{"mem://?ackdeadline=1s", `unknown query parameter "ackdeadline" for mem://: known parameters are ack_deadline, prefix`},
		{"rabbit://?server=amqp://h/&key_name=x", `unknown query parameter "key_name" for rabbit://: known parameters are prefetch, prefix, queue_expires, queue_type, server`},
		{"nats://?server=nats://h&queue=x", "known parameters are ack_wait, prefix, replicas, server, storage"},
		{"azuresb://?subscription=x", "known parameters are prefix"},
		{"mem://?prefix=a&prefix=b", `query parameter "prefix" given 2 times`},
		{"mem://?ack_deadline=soon", `ack_deadline="soon": want a positive duration`},
		{"mem://?ack_deadline=-1s", "want a positive duration"},
		{"rabbit://?server=amqp://h/&prefetch=0", `prefetch="0": want a positive integer`},
		{"rabbit://?server=amqp://h/&queue_type=stream", "want one of quorum, classic"},
		{"nats://?server=nats://h&storage=disk", "want one of file, memory"},
		{"rabbit://", "rabbit:// needs the broker"},
		{"rabbit://?server=nats://h", "amqp:// or amqps://"},
		{"nats://", "nats:// needs the server"},
		{"nats://127.0.0.1:4222", "must have no host, path or fragment"},
		{"nats://127.0.0.1:4222", "the broker goes in the server parameter: nats://?server="},
		{"rabbit://user:secret@host/", "must have no host"},
		{"mem://topic", "must have no host"},
		{"mem:///path", "must have no host"},
		{"mem://#x", "must have no host"},
		{"awssnssqs://?region=eu-central-1", "needs the region and account parameters"},
		{"gcppubsub://", "needs the project parameter"},
		{"gcppubsub://?project=p&create=yes", `create="yes": want true or false`},
		{"gcppubsub://?project=p&emulator=http://127.0.0.1:8085", "want the emulator's host:port"},
		{"gcppubsub://?project=p&emulator=localhost", "want the emulator's host:port"},
		{"gcppubsub://?project=p&endpoint=x", "known parameters are create, emulator, prefix, project"},
		{"awssnssqs://?region=r&account=1&endpoint=127.0.0.1:4566", "want an http:// or https:// URL"},
		{"awssnssqs://?region=r&account=1&emulator=h:1", "known parameters are account, endpoint, prefix, profile, region"},
		{"mem://?prefix=bad_prefix.", `invalid prefix "bad_prefix."`},
		{"mem://?prefix=.leading", "invalid prefix"},
		{"mem://?prefix=a..b", "invalid prefix"},
		{"%", "gocloudbus: parse URL"},
	} {
		_, err := parseURL(c.url, Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("parseURL(%q) = %v, want an error containing %q", c.url, err, c.want)
		}
	}
}

func TestParseURLKeepsPasswordsOutOfErrors(t *testing.T) {
	for _, u := range []string{"rabbit://user:secret@host/", "nats://user:secret@host?server=nats://u:secret@h"} {
		if _, err := parseURL(u, Options{}); err == nil || strings.Contains(err.Error(), "secret") {
			t.Errorf("parseURL(%q) = %v, want an error without the password", u, err)
		}
	}
}

func TestParseURL(t *testing.T) {
	c, err := parseURL("mem://", Options{Prefix: "openbackbone."})
	if err != nil {
		t.Fatal(err)
	}
	if c.prefix != "openbackbone." || c.ackDeadline != time.Minute {
		t.Errorf("mem:// defaults: %+v", c)
	}
	for _, u := range []string{"mem:", "mem:/", "mem://?ack_deadline=5s"} {
		if _, err := parseURL(u, Options{}); err != nil {
			t.Errorf("parseURL(%q): %v", u, err)
		}
	}

	c, err = parseURL("rabbit://?server=amqp://guest:guest@127.0.0.1:5672/&prefix=ob-&prefetch=8&queue_type=classic&queue_expires=1h", Options{Prefix: "ignored."})
	if err != nil {
		t.Fatal(err)
	}
	if c.server != "amqp://guest:guest@127.0.0.1:5672/" || c.prefix != "ob-" || c.prefetch != 8 || c.queueType != "classic" || c.queueExpires != time.Hour {
		t.Errorf("rabbit parameters: %+v", c)
	}

	c, err = parseURL("nats://", Options{ServerURL: "nats://127.0.0.1:4222"})
	if err != nil {
		t.Fatal(err)
	}
	if c.server != "nats://127.0.0.1:4222" || c.ackWait != 30*time.Second || c.storage != "file" || c.replicas != 1 {
		t.Errorf("nats defaults: %+v", c)
	}

	c, err = parseURL("awssnssqs://?region=eu-central-1&account=123456789012&profile=prod", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.region != "eu-central-1" || c.account != "123456789012" || c.profile != "prod" {
		t.Errorf("awssnssqs parameters: %+v", c)
	}

	c, err = parseURL("gcppubsub://?project=p&create=true&emulator=127.0.0.1:8085", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.project != "p" || !c.create || c.emulator != "127.0.0.1:8085" {
		t.Errorf("gcppubsub parameters: %+v", c)
	}
	if c, err = parseURL("gcppubsub://?project=p", Options{}); err != nil || c.create || c.emulator != "" {
		t.Errorf("gcppubsub defaults: %+v, %v", c, err)
	}
}

func TestValidateName(t *testing.T) {
	for _, ok := range []string{"IdentityCreated", "Quotas.IdentityCreated", "a", "a-b.c-d", "0", strings.Repeat("x", 80)} {
		if err := validateName("topic", ok); err != nil {
			t.Errorf("validateName(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a_b", ".a", "a.", "a..b", "-a", "a b", "a*", "a>", "ä", "a/b", strings.Repeat("x", 81)} {
		if err := validateName("topic", bad); err == nil {
			t.Errorf("validateName(%q) = nil, want an error", bad)
		}
	}
}

// TestCloudNames checks the names of a topic and a subscription as each
// cloud scheme opens them: gocloud URLs for azuresb:// and SNS topics, the
// SQS queue URL (its client configured by the same AWS parameters as the
// topic URL) and the Pub/Sub resource paths.
func TestCloudNames(t *testing.T) {
	for _, c := range []struct {
		url, topic, sub string
	}{
		{"azuresb://?prefix=ob.", "azuresb://ob.IdentityCreated", "azuresb://ob.IdentityCreated?subscription=Quotas.Handler"},
		{"awssnssqs://?region=eu-central-1&account=123456789012&prefix=ob.",
			"awssns:///arn:aws:sns:eu-central-1:123456789012:ob_IdentityCreated?region=eu-central-1",
			"sqs.eu-central-1.amazonaws.com/123456789012/ob_IdentityCreated__Quotas_Handler"},
		{"awssnssqs://?region=us-east-1&account=000000000000&endpoint=http://127.0.0.1:4566&profile=local",
			"awssns:///arn:aws:sns:us-east-1:000000000000:IdentityCreated?endpoint=http%3A%2F%2F127.0.0.1%3A4566&profile=local&region=us-east-1",
			"sqs.us-east-1.amazonaws.com/000000000000/IdentityCreated__Quotas_Handler"},
		{"gcppubsub://?project=my-project&prefix=ob.",
			"projects/my-project/topics/ob.IdentityCreated",
			"projects/my-project/subscriptions/ob.IdentityCreated_Quotas.Handler"},
	} {
		cfg, err := parseURL(c.url, Options{})
		if err != nil {
			t.Fatal(err)
		}
		p := newCloudProvider(cfg)
		topic, sub := cfg.prefix+"IdentityCreated", "Quotas.Handler"
		var gotTopic, gotSub string
		switch cfg.scheme {
		case "awssnssqs":
			gotTopic, gotSub = p.topicURL(topic), p.queueURL(topic, sub)
		case "gcppubsub":
			gotTopic, gotSub = p.topicPath(topic), p.subscriptionPath(topic, sub)
		default:
			gotTopic, gotSub = p.topicURL(topic), p.subscriptionURL(topic, sub)
		}
		if gotTopic != c.topic {
			t.Errorf("%s topic = %q, want %q", c.url, gotTopic, c.topic)
		}
		if gotSub != c.sub {
			t.Errorf("%s subscription = %q, want %q", c.url, gotSub, c.sub)
		}
	}
}
