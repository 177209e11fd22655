package gocloudbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"sync"

	raw "cloud.google.com/go/pubsub/apiv1"
	pb "cloud.google.com/go/pubsub/apiv1/pubsubpb"
	"gocloud.dev/pubsub"
	_ "gocloud.dev/pubsub/awssnssqs" // awssns:// (topics; subscriptions are sqsSubscriptions)
	"gocloud.dev/pubsub/azuresb"
	"gocloud.dev/pubsub/gcppubsub"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// cloudProvider opens topics and subscriptions of the managed services
// through gocloud's own URLs. The services keep subscriptions durable and let
// the subscribers of one compete. Topics and subscriptions must exist
// (created by infrastructure tooling, with the names documented on the
// package), except on gcppubsub:// with create=true, which declares them on
// first use as rabbit:// and nats:// do.
type cloudProvider struct {
	cfg config
	// mux opens the gocloud URLs of azuresb:// and awssnssqs://. It is the
	// Bus's own for azuresb://, which reads its credentials at Open, so that
	// they are not fixed for the whole process as gocloud's default opener
	// fixes them on first use.
	mux *pubsub.URLMux
	// gcp is the Pub/Sub connection of gcppubsub://, the Bus's own for the
	// same reason; its subscriptions are pubsubSubscriptions.
	gcp *pubsubClients
	// sqs is the SQS client of awssnssqs://; its subscriptions are
	// sqsSubscriptions.
	sqs *sqsClient

	created sync.Map // gcppubsub resource paths known to exist
}

func newCloudProvider(cfg config) *cloudProvider {
	return &cloudProvider{cfg: cfg, mux: pubsub.DefaultURLMux(), gcp: &pubsubClients{emulator: cfg.emulator}, sqs: &sqsClient{cfg: cfg}}
}

// openCloud returns the provider of a cloud scheme. It connects on first
// use.
func openCloud(cfg config) (*cloudProvider, error) {
	p := newCloudProvider(cfg)
	if cfg.scheme == "azuresb" {
		o := &azuresb.URLOpener{
			ConnectionString:   os.Getenv("SERVICEBUS_CONNECTION_STRING"),
			ServiceBusHostname: os.Getenv("AZURE_SERVICEBUS_HOSTNAME"),
		}
		if o.ConnectionString == "" && o.ServiceBusHostname == "" {
			return nil, errors.New("azuresb:// needs the environment variable SERVICEBUS_CONNECTION_STRING, or AZURE_SERVICEBUS_HOSTNAME with an Azure identity")
		}
		p.mux = new(pubsub.URLMux)
		p.mux.RegisterTopic(azuresb.Scheme, o)
		p.mux.RegisterSubscription(azuresb.Scheme, o)
	}
	return p, nil
}

// topicURL and subscriptionURL build the gocloud URLs of the schemes gocloud
// opens: topics of azuresb:// and awssnssqs://, subscriptions of azuresb://
// (awssnssqs:// subscriptions are sqsSubscriptions on queueURL, and
// gcppubsub:// resources are opened by topicPath and subscriptionPath). topic
// carries the prefix.
func (p *cloudProvider) topicURL(topic string) string {
	if p.cfg.scheme == "awssnssqs" {
		return fmt.Sprintf("awssns:///arn:aws:sns:%s:%s:%s?%s", p.cfg.region, p.cfg.account, dotless(topic), p.cfg.awsParams().Encode())
	}
	return "azuresb://" + topic
}

func (p *cloudProvider) subscriptionURL(topic, sub string) string {
	return "azuresb://" + topic + "?subscription=" + url.QueryEscape(fit(sub, azureSubscriptionNameLimit))
}

// queueURL is the SQS queue URL of a subscription, without the scheme.
func (p *cloudProvider) queueURL(topic, sub string) string {
	return fmt.Sprintf("sqs.%s.amazonaws.com/%s/%s", p.cfg.region, p.cfg.account, fit(dotless(topic)+"__"+dotless(sub), sqsQueueNameLimit))
}

// topicPath and subscriptionPath are the Pub/Sub resource names.
func (p *cloudProvider) topicPath(topic string) string {
	return fmt.Sprintf("projects/%s/topics/%s", url.PathEscape(p.cfg.project), topic)
}

func (p *cloudProvider) subscriptionPath(topic, sub string) string {
	return fmt.Sprintf("projects/%s/subscriptions/%s_%s", url.PathEscape(p.cfg.project), topic, sub)
}

// awsParams are the gocloud URL parameters that configure the AWS SDK, for
// gocloud's SNS topics and for the Bus's own SQS client alike.
func (c config) awsParams() url.Values {
	q := url.Values{"region": {c.region}}
	if c.profile != "" {
		q.Set("profile", c.profile)
	}
	if c.endpoint != "" {
		q.Set("endpoint", c.endpoint)
	}
	return q
}

func (p *cloudProvider) openTopic(ctx context.Context, name string) (*pubsub.Topic, error) {
	if p.cfg.scheme != "gcppubsub" {
		return p.mux.OpenTopic(ctx, p.topicURL(name))
	}
	pc, _, err := p.gcp.get(ctx)
	if err != nil {
		return nil, err
	}
	path := p.topicPath(name)
	if err := p.createTopic(ctx, pc, path); err != nil {
		return nil, err
	}
	return gcppubsub.OpenTopicByPath(pc, path, nil)
}

func (p *cloudProvider) attach(ctx context.Context, topic, sub string) (attachment, error) {
	if p.cfg.scheme == "awssnssqs" {
		client, err := p.sqs.get(ctx)
		if err != nil {
			return attachment{}, err
		}
		ps := newSQSSubscription(client, "https://"+p.queueURL(topic, sub))
		return attachment{sub: ps, detach: ps.Shutdown}, nil
	}
	if p.cfg.scheme != "gcppubsub" {
		ps, err := p.mux.OpenSubscription(ctx, p.subscriptionURL(topic, sub))
		if err != nil {
			return attachment{}, err
		}
		return attachment{sub: ps, detach: ps.Shutdown}, nil
	}
	pc, sc, err := p.gcp.get(ctx)
	if err != nil {
		return attachment{}, err
	}
	path, topicPath := p.subscriptionPath(topic, sub), p.topicPath(topic)
	// The subscription needs its topic, which may not have been published
	// to yet.
	if err := p.createTopic(ctx, pc, topicPath); err != nil {
		return attachment{}, err
	}
	// It never expires (Pub/Sub's default deletes a subscription after 31
	// idle days) and gives a receiver as long as mem:// does before a
	// message it neither acked nor nacked is delivered again.
	err = p.create(path, func() error {
		_, err := sc.CreateSubscription(ctx, &pb.Subscription{
			Name:               path,
			Topic:              topicPath,
			AckDeadlineSeconds: gcpAckDeadlineSeconds,
			ExpirationPolicy:   &pb.ExpirationPolicy{}, // no TTL: never expires
		})
		return err
	})
	if err != nil {
		return attachment{}, err
	}
	ps := newPubSubSubscription(sc, path)
	return attachment{sub: ps, detach: ps.Shutdown}, nil
}

// create runs f, which creates the Pub/Sub resource path, when create=true
// and path is not known to exist. An existing resource is no error.
func (p *cloudProvider) create(path string, f func() error) error {
	if !p.cfg.create {
		return nil
	}
	if _, ok := p.created.Load(path); ok {
		return nil
	}
	if err := f(); err != nil && status.Code(err) != codes.AlreadyExists {
		return fmt.Errorf("create %s: %w", path, err)
	}
	p.created.Store(path, true)
	return nil
}

// createTopic creates the Pub/Sub topic path as create does.
func (p *cloudProvider) createTopic(ctx context.Context, pc *raw.PublisherClient, path string) error {
	return p.create(path, func() error {
		_, err := pc.CreateTopic(ctx, &pb.Topic{Name: path})
		return err
	})
}

// gcpAckDeadlineSeconds is the ack deadline of the subscriptions create=true
// declares.
const gcpAckDeadlineSeconds = 60

// attachTransient refuses: a transient subscription must vanish soon after
// its process does, and none of these services removes an abandoned
// subscription within minutes (Pub/Sub's shortest expiration is a day;
// gocloud cannot create subscriptions on the other two).
func (p *cloudProvider) attachTransient(context.Context, string) (attachment, error) {
	return attachment{}, fmt.Errorf("transient subscriptions are not supported by %s:// (the service cannot remove the subscription of a subscriber that died); server-sent events across replicas need a mem://, rabbit:// or nats:// bus: %w", p.cfg.scheme, errors.ErrUnsupported)
}

// decorate moves the keys with empty values of a message to SNS, which
// refuses empty attribute values, into emptyKeysKey.
func (p *cloudProvider) decorate(pm *pubsub.Message, _ driver.Message) {
	if p.cfg.scheme != "awssnssqs" {
		return
	}
	var empty []string
	for k, v := range pm.Metadata {
		if v == "" {
			empty = append(empty, k)
			delete(pm.Metadata, k)
		}
	}
	if len(empty) > 0 {
		slices.Sort(empty)
		b, _ := json.Marshal(empty)
		pm.Metadata[emptyKeysKey] = string(b)
	}
}

func (p *cloudProvider) reserved(string) bool { return false }

func (p *cloudProvider) hasSubscriptions(string) bool { return true }

func (p *cloudProvider) close(context.Context) error { return p.gcp.close() }
