package gocloudbus

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"gocloud.dev/pubsub"
	_ "gocloud.dev/pubsub/awssnssqs" // awssns://, awssqs://
	_ "gocloud.dev/pubsub/azuresb"   // azuresb://
	_ "gocloud.dev/pubsub/gcppubsub" // gcppubsub://

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// cloudProvider opens topics and subscriptions of the managed services
// through gocloud's own URLs, with credentials from the environment as
// gocloud's default openers read them. The services keep subscriptions
// durable and let the subscribers of one compete; the topics and
// subscriptions must exist (created by infrastructure tooling), with the
// names documented on the package.
type cloudProvider struct {
	cfg config
}

func newCloudProvider(cfg config) *cloudProvider { return &cloudProvider{cfg: cfg} }

// topicURL and subscriptionURL build the gocloud URLs; topic carries the
// prefix.
func (p *cloudProvider) topicURL(topic string) string {
	switch p.cfg.scheme {
	case "azuresb":
		return "azuresb://" + topic
	case "awssnssqs":
		return fmt.Sprintf("awssns:///arn:aws:sns:%s:%s:%s?%s", p.cfg.region, p.cfg.account, dotless(topic), p.awsQuery(nil))
	default: // gcppubsub
		return fmt.Sprintf("gcppubsub://projects/%s/topics/%s", url.PathEscape(p.cfg.project), topic)
	}
}

func (p *cloudProvider) subscriptionURL(topic, sub string) string {
	switch p.cfg.scheme {
	case "azuresb":
		return "azuresb://" + topic + "?subscription=" + url.QueryEscape(sub)
	case "awssnssqs":
		return fmt.Sprintf("awssqs://sqs.%s.amazonaws.com/%s/%s__%s?%s", p.cfg.region, p.cfg.account, dotless(topic), dotless(sub), p.awsQuery(url.Values{"raw": {"true"}}))
	default: // gcppubsub
		return fmt.Sprintf("gcppubsub://projects/%s/subscriptions/%s_%s", url.PathEscape(p.cfg.project), topic, sub)
	}
}

func (p *cloudProvider) awsQuery(q url.Values) string {
	if q == nil {
		q = url.Values{}
	}
	q.Set("region", p.cfg.region)
	if p.cfg.profile != "" {
		q.Set("profile", p.cfg.profile)
	}
	return q.Encode()
}

func (p *cloudProvider) openTopic(ctx context.Context, name string) (*pubsub.Topic, error) {
	return pubsub.OpenTopic(ctx, p.topicURL(name))
}

func (p *cloudProvider) attach(ctx context.Context, topic, sub string) (attachment, error) {
	ps, err := pubsub.OpenSubscription(ctx, p.subscriptionURL(topic, sub))
	if err != nil {
		return attachment{}, err
	}
	return attachment{sub: ps, detach: ps.Shutdown}, nil
}

// attachTransient refuses: a transient subscription needs a subscription
// created and removed on the fly, and gocloud can only open subscriptions
// that exist on these services.
func (p *cloudProvider) attachTransient(context.Context, string) (attachment, error) {
	return attachment{}, fmt.Errorf("transient subscriptions are not supported by %s:// (gocloud cannot create subscriptions there); server-sent events across replicas need a mem://, rabbit:// or nats:// bus: %w", p.cfg.scheme, errors.ErrUnsupported)
}

func (p *cloudProvider) decorate(*pubsub.Message, driver.Message) {}

func (p *cloudProvider) reserved(string) bool { return false }

func (p *cloudProvider) hasSubscriptions(string) bool { return true }

func (p *cloudProvider) close(context.Context) error { return nil }
