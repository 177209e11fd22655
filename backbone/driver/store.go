package driver

import "context"

// Store is the persistence port. It hands out one small store per aggregate,
// and runs groups of writes atomically through InTx.
//
// The per-aggregate stores returned by Store itself run each call on its own
// (autocommit); those returned by a Tx run inside that transaction.
type Store interface {
	Stores

	// InTx runs fn in one transaction: it commits if fn returns nil and
	// rolls back otherwise, returning fn's error unchanged. Transactions are
	// serializable: a value fn reads and then writes back loses no update
	// made concurrently by another transaction. An adapter may call fn more
	// than once when the database reports a serialization failure or
	// deadlock, so fn must have no effects outside the Tx. The Tx must not
	// be used after fn returns.
	InTx(ctx context.Context, fn func(tx Tx) error) error

	// Close releases the store's resources.
	Close() error
}

// Tx is a running transaction. It offers the same per-aggregate stores as
// Store; every call through them is part of the transaction.
type Tx interface {
	Stores
}

// Stores lists the per-aggregate stores. Each method returns a cheap view;
// callers may call it for every operation.
type Stores interface {
	Challenges() ChallengeStore
	Identities() IdentityStore
	Devices() DeviceStore
	Clients() ClientStore
	Tiers() TierStore
	SyncRuns() SyncRunStore
	ExternalEvents() ExternalEventStore
	Datawallets() DatawalletStore
	Outbox() OutboxStore
	Relationships() RelationshipStore
	RelationshipTemplates() RelationshipTemplateStore
	Messages() MessageStore
	Tokens() TokenStore
	Files() FileStore
	PushRegistrations() PushRegistrationStore
	Quotas() QuotaStore
	Deletion() DeletionStore
	Announcements() AnnouncementStore
	Admin() AdminStore
}
