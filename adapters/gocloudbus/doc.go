// Package gocloudbus is a driver.Bus on gocloud.dev/pubsub: one adapter for
// an in-process bus, RabbitMQ, NATS JetStream, Azure Service Bus, AWS SNS/SQS
// and Google Cloud Pub/Sub, chosen by the scheme of the URL given to Open.
//
//	bus, err := gocloudbus.Open(ctx, "rabbit://?server=amqp://guest:guest@127.0.0.1:5672/",
//		gocloudbus.Options{Prefix: "openbackbone."})
//
// # Semantics
//
// Every provider gives the driver.Bus contract: Publish delivers each message
// to every subscription of the topic (a topic without subscriptions drops
// it); subscribers sharing a subscription name compete for its messages; a
// subscription, once the first Subscribe to it has returned, keeps the
// messages published while no subscriber is attached; Message.ID and
// Metadata survive the trip (the ID travels in the metadata key
// "openbackbone-message-id", which Publish reserves); Nack and Close hand
// unacknowledged messages back for redelivery at once. Delivery is at least
// once and unordered.
//
// # Transient subscriptions
//
// Bus is a driver.BroadcastBus: SubscribeTransient(ctx, topic) attaches a
// subscriber with a subscription of its own, which receives every message
// published to the topic after SubscribeTransient returns, independently of
// the durable subscriptions and of the other transient subscribers. Nack
// delivers the message again to the same subscriber. Close removes the
// subscription with the messages it has not delivered, as does the Bus's
// Close; should the process die instead, the broker removes it (see each
// scheme below). Every replica of a server uses one to hear about events for
// the server-sent-event connections only it holds. mem://, rabbit:// and
// nats:// support it; azuresb://, awssnssqs:// and gcppubsub:// return an
// error wrapping errors.ErrUnsupported, as none of these services removes the
// subscription of a dead process soon enough.
//
// # Names
//
// Topic and subscription names are dot-separated tokens of ASCII letters,
// digits and hyphens, at most 80 characters ("IdentityCreated",
// "Quotas.IdentityCreated"); others are rejected. The prefix (Options.Prefix
// or the prefix parameter, e.g. "openbackbone.") is put before the topic
// name; the provider names below write it P, the topic T and the
// subscription S.
//
// # URLs
//
// Every scheme takes only query parameters; unknown ones are errors. All take
// prefix, which overrides Options.Prefix.
//
// mem:// — in-process, the embedded default. Each Open makes a bus of its
// own whose subscriptions last as long as it does; a transient subscription
// lasts until its subscriber is closed. Parameters:
//   - ack_deadline: how long a received message that is neither acked, nacked
//     nor handed back by Close (its subscriber is stuck) waits before it is
//     delivered again; default 1m.
//
// rabbit:// — RabbitMQ. The topic is a durable fanout exchange P+T, each
// subscription a durable queue P+T+"_"+S bound to it; both are declared on
// first use. Messages are persistent. Subscribers of a queue compete; each
// subscriber has its own AMQP connection, whose closing hands its unacked
// and prefetched messages back. A transient subscription is a classic,
// non-durable queue P+T+"_transient_"+random bound to the exchange, declared
// exclusive to its subscriber's connection: Close deletes it, and the broker
// deletes it when that connection closes or is lost (queue_type and
// queue_expires do not apply to it). Metadata keys starting
// with "x-" are RabbitMQ's and reserved. Parameters:
//   - server (or Options.ServerURL): the broker, amqp://user:pass@host:5672/vhost
//     or amqps://…; required.
//   - prefetch: messages a subscriber may hold unacked (AMQP QoS); default
//     256. gocloud fetches in batches that grow with throughput, so a small
//     value caps throughput (32 gives some 400 messages/s); a large one lets
//     a slow subscriber hold more that its competitors could have handled.
//   - queue_type: quorum (default) or classic; must match existing queues.
//   - queue_expires: delete a subscription's queue after it has had no
//     subscriber for this long (x-expires), e.g. 168h; default never. Its
//     messages go with it.
//
// nats:// — NATS JetStream. The topic is a stream capturing the subject P+T
// (stream name P+T with "." as "_") with interest retention: a message is
// kept until every subscription has acked it. Each subscription is a durable
// pull consumer named S ("." as "_") delivering messages published after its
// creation; subscribers of one consumer compete. Streams and consumers are
// created on first use. A transient subscription is an ephemeral pull
// consumer of the stream (no durable name; the client picks a random one)
// with an inactive threshold of 30s: Close deletes it, and the server deletes
// it 30s after its last pull, so 30s after its process died. (A live
// subscriber that is not calling Receive pulls every 10s on its own to keep
// its consumer, and naks what such a pull gets, for its next Receive.)
// Parameters:
//   - server (or Options.ServerURL): nats://user:pass@host:4222 or a comma
//     separated list; required.
//   - ack_wait: how long a message received and neither acked, nacked nor
//     handed back by Close waits before redelivery; default 30s. Applies to
//     consumers created from then on.
//   - storage: file (default) or memory, for streams created from then on.
//   - replicas: replicas of streams created from then on; default 1.
//
// azuresb:// — Azure Service Bus: topic P+T, subscription S on it (a name
// longer than Service Bus's 50 characters cut as for SQS below, to its first
// 33, "-" and 16 hex digits of its SHA-256). Both must exist; no transient subscriptions. Credentials are read at Open, as
// gocloud.dev/pubsub/azuresb reads them: the environment variable
// SERVICEBUS_CONNECTION_STRING, or AZURE_SERVICEBUS_HOSTNAME with the default
// Azure credential; Open fails without either. No further parameters.
//
// On azuresb://, Close hands back at once only the messages handed to
// Receive; those gocloud had fetched ahead return when their lock runs out.
//
// awssnssqs:// — AWS: topic the SNS topic arn:aws:sns:REGION:ACCOUNT:P+T, each
// subscription the SQS queue P+T+"__"+S (both with "." as "_"; a queue name
// longer than SQS's 80 characters is cut to its first 63, "-" and the first 16
// hex digits of the SHA-256 of the whole name) subscribed to it with raw
// message delivery. Both must exist; no transient subscriptions. SNS carries
// at most 10 message attributes: the message ID, the metadata, and, where
// needed, one listing the metadata keys with empty values (SNS refuses empty
// values) and one flagging a body that is not UTF-8 (sent base64-encoded).
// Nack and Close make messages visible again at once, including those the
// subscriber had fetched ahead. Credentials from the AWS default chain.
// Parameters:
//   - region: AWS region, e.g. eu-central-1; required.
//   - account: AWS account ID owning topic and queues; required.
//   - profile: shared config profile.
//   - endpoint: where SNS and SQS requests go instead of AWS, an http:// or
//     https:// URL (an SNS/SQS-compatible server such as LocalStack).
//
// gcppubsub:// — Google Cloud Pub/Sub: topic projects/PROJECT/topics/P+T,
// subscription projects/PROJECT/subscriptions/P+T+"_"+S. Subscribers of a
// subscription compete; Nack and Close hand messages back at once (ack
// deadline 0), including those the subscriber had fetched ahead. No
// transient subscriptions: Pub/Sub removes an abandoned subscription after a
// day at the earliest. Each Bus holds one gRPC connection, to the emulator
// named by the emulator parameter or PUBSUB_EMULATOR_HOST, else to Pub/Sub
// with Application Default Credentials. Parameters:
//   - project: the project ID; required.
//   - create: true to create topics and subscriptions on first use, as
//     rabbit:// and nats:// do (needs the Pub/Sub Editor role); created
//     subscriptions never expire and have a 60s ack deadline. Default false:
//     both must exist.
//   - emulator: host:port of a Pub/Sub emulator (plain gRPC, no
//     credentials), e.g. 127.0.0.1:8085.
//
// # Testing
//
// The package's tests run the bustest conformance suite against mem://,
// against gcppubsub:// on Google's in-process Pub/Sub fake
// (cloud.google.com/go/pubsub/pstest) with create=true, against RabbitMQ and
// NATS when OPENBACKBONE_TEST_RABBITMQ_URL and OPENBACKBONE_TEST_NATS_URL
// name them (else in containers where Docker answers), and against Azure
// Service Bus when OPENBACKBONE_TEST_AZURESB_CONNECTION_STRING names a
// namespace (there is no local fake of its AMQP protocol), and against
// awssnssqs:// when OPENBACKBONE_TEST_AWS_ENDPOINT names an SNS/SQS-compatible
// server (else a moto container): scripts/test-all.sh starts moto's server
// for it, as no Go fake speaks the AWS SDK v2's JSON protocol for SQS.
package gocloudbus
