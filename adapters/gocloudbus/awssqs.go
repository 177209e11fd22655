package gocloudbus

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
	gcaws "gocloud.dev/aws"
	"gocloud.dev/gcerrors"
	"gocloud.dev/pubsub"
	"gocloud.dev/pubsub/batcher"
	gcdriver "gocloud.dev/pubsub/driver"
)

// sqsClient is a Bus's SQS client, configured on first use as gocloud
// configures its own (region, profile, endpoint; credentials from the AWS
// default chain).
type sqsClient struct {
	cfg config

	once   sync.Once
	err    error
	client *sqs.Client
}

func (c *sqsClient) get(ctx context.Context) (*sqs.Client, error) {
	c.once.Do(func() {
		awsCfg, err := gcaws.V2ConfigFromURLParams(ctx, c.cfg.awsParams())
		if err != nil {
			c.err = fmt.Errorf("AWS configuration: %w", err)
			return
		}
		c.client = sqs.NewFromConfig(awsCfg)
	})
	return c.client, c.err
}

// sqsSubscription is a gocloud driver.Subscription on an SQS queue that an
// SNS topic delivers to raw, in place of gocloud's own: like jsSubscription it
// remembers the messages it received and gocloud did not settle, and on Close
// makes them visible again, because the portable Subscription may hold
// prefetched messages no one will receive, which SQS would otherwise hide
// until their visibility timeout ran out. It reads what gocloud's SNS topic
// writes: metadata keys hex-escaped, values URL-escaped, a body that is not
// UTF-8 base64-encoded and flagged by the attribute "base64encoded".
type sqsSubscription struct {
	client *sqs.Client
	url    string

	unsettled unsettled // by receipt handle
	// receiving lets one ReceiveMessage run at a time: concurrent receives
	// from one queue made moto hand out the same message twice.
	receiving sync.Mutex
}

// sqsBatch is the most messages one SQS call receives, deletes or changes.
const sqsBatch = 10

// sqsIdle is how long ReceiveBatch waits after finding the queue empty.
// Receives do not long-poll: a long poll cut short by Close could leave the
// messages it took hidden until their visibility timeout.
const sqsIdle = 250 * time.Millisecond

func newSQSSubscription(client *sqs.Client, queueURL string) *pubsub.Subscription {
	ds := &sqsSubscription{client: client, url: queueURL}
	return pubsub.NewSubscription(ds,
		&batcher.Options{MaxBatchSize: sqsBatch, MaxHandlers: 10},
		&batcher.Options{MaxBatchSize: sqsBatch, MaxHandlers: 10})
}

func (s *sqsSubscription) ReceiveBatch(ctx context.Context, maxMessages int) ([]*gcdriver.Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// The call finishes even when Close cancels ctx, so that what it took
	// is released below rather than lost until its visibility timeout.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), closeTimeout)
	defer cancel()
	s.receiving.Lock()
	out, err := s.client.ReceiveMessage(rctx, &sqs.ReceiveMessageInput{
		QueueUrl:              aws.String(s.url),
		MaxNumberOfMessages:   int32(min(maxMessages, sqsBatch)),
		MessageAttributeNames: []string{"All"},
	})
	s.receiving.Unlock()
	if err != nil {
		return nil, err
	}
	ids := make([]gcdriver.AckID, 0, len(out.Messages))
	for _, m := range out.Messages {
		ids = append(ids, aws.ToString(m.ReceiptHandle))
	}
	if !s.unsettled.add(ids) {
		return nil, s.release(rctx, ids)
	}
	if len(out.Messages) == 0 {
		select {
		case <-ctx.Done():
		case <-time.After(sqsIdle):
		}
		return nil, nil
	}
	msgs := make([]*gcdriver.Message, 0, len(out.Messages))
	for _, m := range out.Messages {
		msgs = append(msgs, fromSQS(m))
	}
	return msgs, nil
}

func fromSQS(m sqstypes.Message) *gcdriver.Message {
	body := []byte(aws.ToString(m.Body))
	md := make(map[string]string, len(m.MessageAttributes))
	for k, v := range m.MessageAttributes {
		if k == "base64encoded" {
			if b, err := base64.StdEncoding.DecodeString(string(body)); err == nil {
				body = b
			}
			continue
		}
		value := aws.ToString(v.StringValue)
		if u, err := url.PathUnescape(value); err == nil {
			value = u
		}
		md[hexUnescape(k)] = value
	}
	return &gcdriver.Message{LoggableID: aws.ToString(m.MessageId), Body: body, Metadata: md, AckID: aws.ToString(m.ReceiptHandle)}
}

// hexEscaped is gocloud's escape of a rune that SNS attribute names cannot
// hold: "__0x20__" for " ".
var hexEscaped = regexp.MustCompile(`__0x([0-9a-f]+)__`)

func hexUnescape(key string) string {
	return hexEscaped.ReplaceAllStringFunc(key, func(e string) string {
		n, err := strconv.ParseInt(e[4:len(e)-2], 16, 32)
		if err != nil {
			return e
		}
		return string(rune(n))
	})
}

func (s *sqsSubscription) SendAcks(ctx context.Context, ids []gcdriver.AckID) error {
	s.unsettled.forget(ids)
	return inBatches(ids, func(batch []gcdriver.AckID) error {
		entries := make([]sqstypes.DeleteMessageBatchRequestEntry, len(batch))
		for i, id := range batch {
			entries[i] = sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: aws.String(id.(string))}
		}
		out, err := s.client.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(s.url), Entries: entries})
		if err != nil {
			return err
		}
		return batchFailures("delete", out.Failed)
	})
}

func (*sqsSubscription) CanNack() bool { return true }

func (s *sqsSubscription) SendNacks(ctx context.Context, ids []gcdriver.AckID) error {
	s.unsettled.forget(ids)
	return s.release(ctx, ids)
}

// release makes the messages visible again at once.
func (s *sqsSubscription) release(ctx context.Context, ids []gcdriver.AckID) error {
	return inBatches(ids, func(batch []gcdriver.AckID) error {
		entries := make([]sqstypes.ChangeMessageVisibilityBatchRequestEntry, len(batch))
		for i, id := range batch {
			entries[i] = sqstypes.ChangeMessageVisibilityBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: aws.String(id.(string)), VisibilityTimeout: 0}
		}
		out, err := s.client.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(s.url), Entries: entries})
		if err != nil {
			return err
		}
		return batchFailures("change visibility of", out.Failed)
	})
}

func inBatches(ids []gcdriver.AckID, f func([]gcdriver.AckID) error) error {
	var errs []error
	for start := 0; start < len(ids); start += sqsBatch {
		errs = append(errs, f(ids[start:min(start+sqsBatch, len(ids))]))
	}
	return errors.Join(errs...)
}

// batchFailures reports the entries a batch call failed, except those whose
// receipt handle is no longer valid: the message was settled already, or its
// visibility timeout ran out and it went to another receiver.
func batchFailures(what string, failed []sqstypes.BatchResultErrorEntry) error {
	var errs []error
	for _, f := range failed {
		if code := aws.ToString(f.Code); code == "ReceiptHandleIsInvalid" || code == "InvalidParameterValue" {
			continue
		}
		errs = append(errs, fmt.Errorf("sqs: %s message: %s: %s", what, aws.ToString(f.Code), aws.ToString(f.Message)))
	}
	return errors.Join(errs...)
}

func (*sqsSubscription) IsRetryable(error) bool { return false }

func (s *sqsSubscription) As(i any) bool {
	p, ok := i.(**sqs.Client)
	if ok {
		*p = s.client
	}
	return ok
}

func (*sqsSubscription) ErrorAs(error, any) bool { return false }

func (*sqsSubscription) ErrorCode(err error) gcerrors.ErrorCode {
	var missing *sqstypes.QueueDoesNotExist
	var ae smithy.APIError
	switch {
	case errors.Is(err, context.Canceled):
		return gcerrors.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return gcerrors.DeadlineExceeded
	case errors.As(err, &missing):
		return gcerrors.NotFound
	case errors.As(err, &ae) && (ae.ErrorCode() == "AWS.SimpleQueueService.NonExistentQueue" || ae.ErrorCode() == "QueueDoesNotExist"):
		return gcerrors.NotFound
	}
	return gcerrors.Unknown
}

// Close makes visible again what gocloud received and did not settle. gocloud
// calls it after flushing its acks and nacks.
func (s *sqsSubscription) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	return s.release(ctx, s.unsettled.close())
}
