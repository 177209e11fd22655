package gocloudbus_test

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/openbackbone/openbackbone/internal/testservices"
)

// awsBackend runs the suite against the SNS/SQS-compatible server
// testservices.AWS gives: moto's server, which scripts/test-all.sh starts
// (goaws, the Go fake among our modules, does not speak the JSON protocol
// the AWS SDK v2 uses for SQS), LocalStack, or AWS itself; in the region of
// AWS_REGION (default us-east-1) and the account of testservices.AWSAccount,
// with credentials from the AWS default chain. The harness
// creates each test's topics, queues and raw subscriptions first, as
// infrastructure tooling would, and deletes them after.
func awsBackend(t testing.TB) backend {
	endpoint := testservices.AWS(t)
	if os.Getenv("AWS_ACCESS_KEY_ID") == "" && os.Getenv("AWS_PROFILE") == "" {
		// Fakes take any key; without one the SDK would probe EC2's
		// metadata service.
		t.Setenv("AWS_ACCESS_KEY_ID", "test")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	}
	region := cmp.Or(os.Getenv("AWS_REGION"), "us-east-1")
	account := testservices.AWSAccount()
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion(region))
	if err != nil {
		t.Fatalf("AWS configuration: %v", err)
	}
	snsc := sns.NewFromConfig(cfg, func(o *sns.Options) { o.BaseEndpoint = aws.String(endpoint) })
	sqsc := sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(endpoint) })

	var mu sync.Mutex
	topics := map[string]string{} // name → ARN
	queues := map[string]string{} // name → URL
	prepare := func(ctx context.Context, n *names, topic, sub string) error {
		mu.Lock()
		defer mu.Unlock()
		topicName := dotless(n.prefix + topic)
		arn, ok := topics[topicName]
		if !ok {
			out, err := snsc.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(topicName)})
			if err != nil {
				return fmt.Errorf("create SNS topic %s: %w", topicName, err)
			}
			arn = aws.ToString(out.TopicArn)
			topics[topicName] = arn
		}
		queueName := fitName(topicName+"__"+dotless(sub), 80)
		if _, ok := queues[queueName]; sub == "" || ok {
			return nil
		}
		q, err := sqsc.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(queueName)})
		if err != nil {
			return fmt.Errorf("create SQS queue %s: %w", queueName, err)
		}
		queues[queueName] = aws.ToString(q.QueueUrl)
		attrs, err := sqsc.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
			QueueUrl: q.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
		})
		if err != nil {
			return fmt.Errorf("SQS queue %s: %w", queueName, err)
		}
		queueARN := attrs.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]
		// Let the topic send to the queue (AWS enforces it; LocalStack
		// does not).
		policy := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage","Resource":%q,"Condition":{"ArnEquals":{"aws:SourceArn":%q}}}]}`, queueARN, arn)
		if _, err := sqsc.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{
			QueueUrl: q.QueueUrl, Attributes: map[string]string{string(sqstypes.QueueAttributeNamePolicy): policy},
		}); err != nil {
			return fmt.Errorf("SQS queue %s policy: %w", queueName, err)
		}
		if _, err := snsc.Subscribe(ctx, &sns.SubscribeInput{
			TopicArn: aws.String(arn), Protocol: aws.String("sqs"), Endpoint: aws.String(queueARN),
			Attributes: map[string]string{"RawMessageDelivery": "true"},
		}); err != nil {
			return fmt.Errorf("subscribe SQS queue %s to %s: %w", queueName, topicName, err)
		}
		return nil
	}
	remove := func(n *names) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		mu.Lock()
		defer mu.Unlock()
		for topic, subs := range n.topics {
			topicName := dotless(n.prefix + topic)
			for sub := range subs {
				queueName := fitName(topicName+"__"+dotless(sub), 80)
				if u, ok := queues[queueName]; ok {
					if _, err := sqsc.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(u)}); err != nil {
						t.Logf("clean up SQS queue %s: %v", queueName, err)
					}
					delete(queues, queueName)
				}
			}
			if arn, ok := topics[topicName]; ok {
				if _, err := snsc.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: aws.String(arn)}); err != nil {
					t.Logf("clean up SNS topic %s: %v", topicName, err)
				}
				delete(topics, topicName)
			}
		}
	}
	q := url.Values{"region": {region}, "account": {account}, "endpoint": {endpoint}}
	return backend{url: fixed("awssnssqs://?" + q.Encode()), durable: true, prepare: prepare, remove: remove}
}

// dotless is the package's mapping of names to SNS and SQS names.
func dotless(name string) string { return strings.ReplaceAll(name, ".", "_") }

// fitName shortens a name longer than limit as the package documentation
// says: its first limit-17 characters, "-", and the first 16 hex digits of
// its SHA-256.
func fitName(name string, limit int) string {
	if len(name) <= limit {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	return name[:limit-17] + "-" + hex.EncodeToString(sum[:8])
}
