package backbone

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/backbone/internal/events"
)

// A domain event is a fact a service records in the transaction that
// changes the state, through the outbox. Its name is its bus topic; its JSON
// is the message body. Consumers (external events, later quotas and push)
// react to it after the commit.
type domainEvent interface {
	eventName() string
}

// Domain events. They are exported because they are what the bus carries:
// an embedder that subscribes to a topic of Drivers.Bus (the topic is the
// type's name, such as "MessageCreated") decodes each message body from
// JSON into the struct of that name. Field names follow the reference's
// events.
type (
	IdentityCreated struct {
		Address string `json:"address"`
		TierID  string `json:"tierId"`
	}
	FeatureFlagsOfIdentityChanged struct {
		IdentityAddress string `json:"identityAddress"`
	}
	BackupDeviceUsed struct {
		IdentityAddress string `json:"identityAddress"`
	}
	DatawalletModified struct {
		Identity         string `json:"identity"`
		ModifiedByDevice string `json:"modifiedByDevice"`
	}
	MessageCreated struct {
		ID         string             `json:"id"`
		CreatedBy  string             `json:"createdBy"`
		Recipients []MessageRecipient `json:"recipients"`
	}
	MessageDelivered struct {
		ID        string `json:"id"`
		CreatedBy string `json:"createdBy"`
		Recipient string `json:"recipient"`
	}
	TokenCreated struct {
		TokenID   string `json:"tokenId"`
		CreatedBy string `json:"createdBy"`
	}
	RelationshipStatusChanged struct {
		RelationshipID           string `json:"relationshipId"`
		NewStatus                string `json:"newStatus"`
		Initiator                string `json:"initiator"`
		Peer                     string `json:"peer"`
		WasDueToIdentityDeletion bool   `json:"wasDueToIdentityDeletion"`
	}
	RelationshipReactivationRequested struct {
		RelationshipID     string `json:"relationshipId"`
		RequestingIdentity string `json:"requestingIdentity"`
		Peer               string `json:"peer"`
	}
	RelationshipReactivationCompleted struct {
		RelationshipID        string `json:"relationshipId"`
		NewRelationshipStatus string `json:"newRelationshipStatus"`
		Peer                  string `json:"peer"`
	}
	RelationshipTemplateCreated struct {
		TemplateID string `json:"templateId"`
		CreatedBy  string `json:"createdBy"`
	}
	RelationshipTemplateAllocationsExhausted struct {
		RelationshipTemplateID string `json:"relationshipTemplateId"`
		CreatedBy              string `json:"createdBy"`
	}
	// PeerToBeDeleted, PeerDeletionCancelled and PeerDeleted tell Peer that
	// Identity, its partner in the relationship, is about to be, no longer
	// is, or has been deleted.
	PeerToBeDeleted struct {
		RelationshipID    string    `json:"relationshipId"`
		Peer              string    `json:"peer"`
		Identity          string    `json:"identity"`
		GracePeriodEndsAt time.Time `json:"gracePeriodEndsAt"`
	}
	PeerDeletionCancelled struct {
		RelationshipID string `json:"relationshipId"`
		Peer           string `json:"peer"`
		Identity       string `json:"identity"`
	}
	PeerDeleted struct {
		RelationshipID string    `json:"relationshipId"`
		Peer           string    `json:"peer"`
		Identity       string    `json:"identity"`
		DeletionDate   time.Time `json:"deletionDate"`
	}
	PeerFeatureFlagsChanged struct {
		PeerAddress             string `json:"peerAddress"`
		NotifiedIdentityAddress string `json:"notifiedIdentityAddress"`
	}
	TokenLocked struct {
		TokenID   string `json:"tokenId"`
		CreatedBy string `json:"createdBy"`
	}
	FileUploaded struct {
		FileID     string `json:"fileId"`
		Owner      string `json:"owner"`
		CipherSize int64  `json:"cipherSize"`
	}
	FileOwnershipLocked struct {
		FileID       string `json:"fileId"`
		OwnerAddress string `json:"ownerAddress"`
	}
	FileOwnershipClaimed struct {
		FileID          string `json:"fileId"`
		OldOwnerAddress string `json:"oldOwnerAddress"`
		NewOwnerAddress string `json:"newOwnerAddress"`
	}
	IdentityDeletionProcessStarted struct {
		Address           string `json:"address"`
		DeletionProcessID string `json:"deletionProcessId"`
		Initiator         string `json:"initiator"`
	}
	// ExternalEventCreated tells that an external event was recorded for
	// Owner; its devices are woken up unless it is held back.
	ExternalEventCreated struct {
		EventID           string `json:"eventId"`
		Owner             string `json:"owner"`
		IsDeliveryBlocked bool   `json:"isDeliveryBlocked"`
	}
	// PushNotificationRequested asks for a notification to every device
	// of Recipients but ExcludedDevices: with EventName and Payload as
	// content, and the texts of TextCode (configured) or the built-in ones
	// of EventName. It lets a request send pushes through the outbox
	// instead of waiting for providers.
	PushNotificationRequested struct {
		Recipients      []string        `json:"recipients"`
		ExcludedDevices []string        `json:"excludedDevices,omitempty"`
		EventName       string          `json:"eventName,omitempty"`
		Payload         json.RawMessage `json:"payload,omitempty"`
		TextCode        string          `json:"textCode,omitempty"`
	}
	// TierOfIdentityChanged tells that an identity moved to another tier
	// (by an operator, or into and out of "Queued for Deletion"); its quota
	// statuses follow.
	TierOfIdentityChanged struct {
		OldTierID       string `json:"oldTierId"`
		NewTierID       string `json:"newTierId"`
		IdentityAddress string `json:"identityAddress"`
	}
	// AnnouncementCreated tells that an operator published an
	// announcement; unless it is silent, the devices of its recipients (of
	// everyone, without recipients) are notified.
	AnnouncementCreated struct {
		ID         string             `json:"id"`
		Severity   string             `json:"severity"`
		IsSilent   bool               `json:"isSilent"`
		Texts      []AnnouncementText `json:"texts"`
		Recipients []string           `json:"recipients"`
	}
	IdentityDeletionProcessStatusChanged struct {
		DeletionProcessOwner string `json:"deletionProcessOwner"`
		DeletionProcessID    string `json:"deletionProcessId"`
		Initiator            string `json:"initiator"`
	}
)

// AnnouncementText is an announcement's title and body in one language.
type AnnouncementText struct {
	Language string `json:"language"`
	Title    string `json:"title"`
	Body     string `json:"body"`
}

// MessageRecipient is one recipient of a MessageCreated event.
type MessageRecipient struct {
	Address        string `json:"address"`
	RelationshipID string `json:"relationshipId"`
}

func (IdentityCreated) eventName() string               { return "IdentityCreated" }
func (FeatureFlagsOfIdentityChanged) eventName() string { return "FeatureFlagsOfIdentityChanged" }
func (BackupDeviceUsed) eventName() string              { return "BackupDeviceUsed" }
func (DatawalletModified) eventName() string            { return "DatawalletModified" }
func (MessageCreated) eventName() string                { return "MessageCreated" }
func (MessageDelivered) eventName() string              { return "MessageDelivered" }
func (TokenCreated) eventName() string                  { return "TokenCreated" }
func (RelationshipStatusChanged) eventName() string     { return "RelationshipStatusChanged" }
func (RelationshipReactivationRequested) eventName() string {
	return "RelationshipReactivationRequested"
}
func (RelationshipReactivationCompleted) eventName() string {
	return "RelationshipReactivationCompleted"
}
func (RelationshipTemplateCreated) eventName() string { return "RelationshipTemplateCreated" }
func (RelationshipTemplateAllocationsExhausted) eventName() string {
	return "RelationshipTemplateAllocationsExhausted"
}
func (PeerToBeDeleted) eventName() string                { return "PeerToBeDeleted" }
func (PeerDeletionCancelled) eventName() string          { return "PeerDeletionCancelled" }
func (PeerDeleted) eventName() string                    { return "PeerDeleted" }
func (PeerFeatureFlagsChanged) eventName() string        { return "PeerFeatureFlagsChanged" }
func (TokenLocked) eventName() string                    { return "TokenLocked" }
func (FileUploaded) eventName() string                   { return "FileUploaded" }
func (FileOwnershipLocked) eventName() string            { return "FileOwnershipLocked" }
func (FileOwnershipClaimed) eventName() string           { return "FileOwnershipClaimed" }
func (IdentityDeletionProcessStarted) eventName() string { return "IdentityDeletionProcessStarted" }
func (IdentityDeletionProcessStatusChanged) eventName() string {
	return "IdentityDeletionProcessStatusChanged"
}

func (TierOfIdentityChanged) eventName() string     { return "TierOfIdentityChanged" }
func (AnnouncementCreated) eventName() string       { return "AnnouncementCreated" }
func (ExternalEventCreated) eventName() string      { return "ExternalEventCreated" }
func (PushNotificationRequested) eventName() string { return "PushNotificationRequested" }

const prefixDomainEvent = "DEV"

// raise records events in the outbox of tx; they are published once tx
// commits. Call b.relayCommitted after the transaction to publish at once.
func (b *Backbone) raise(ctx context.Context, tx driver.Tx, now time.Time, evs ...domainEvent) error {
	msgs := make([]driver.OutboxMessage, len(evs))
	for i, ev := range evs {
		body, err := json.Marshal(ev)
		if err != nil {
			return internal("encode domain event", err)
		}
		msgs[i] = driver.OutboxMessage{ID: NewID(prefixDomainEvent), Topic: ev.eventName(), Body: body, CreatedAt: now}
	}
	return internal("append to outbox", tx.Outbox().Append(ctx, msgs...))
}

// inTx runs fn in a transaction and, once it committed, wakes the outbox
// relay so that events raised in it go out without delay.
func (b *Backbone) inTx(ctx context.Context, fn func(tx driver.Tx) error) error {
	err := b.store.InTx(ctx, fn)
	if err == nil && b.relay != nil {
		b.relay.Notify()
	}
	return err
}

// Run does the Backbone's background work until ctx ends: it publishes the
// outbox on the bus, consumes the events that become external events and
// push notifications, and sends the pushes. Every replica may run it; it
// needs Drivers.Bus.
func (b *Backbone) Run(ctx context.Context) error {
	if b.bus == nil {
		return errors.New("backbone: Run needs Drivers.Bus")
	}
	consumers := map[string]map[string]events.Handler{
		subscriptionSynchronization: b.synchronizationHandlers(),
		subscriptionDevices:         b.devicesHandlers(),
		subscriptionQuotas:          b.quotasHandlers(),
	}
	// Subscriptions exist before the relay publishes, so nothing raised
	// before the first start is dropped.
	for name, handlers := range consumers {
		topics := make([]string, 0, len(handlers))
		for t := range handlers {
			topics = append(topics, t)
		}
		if err := events.Subscribe(ctx, b.bus, name, topics); err != nil {
			return err
		}
	}
	var wg sync.WaitGroup
	for name, handlers := range consumers {
		wg.Go(func() { events.Consume(ctx, b.bus, name, b.consumed.count(name, handlers), b.cfg.Logger) })
	}
	wg.Go(func() { b.pushQueue.Run(ctx) })
	err := b.relay.Run(ctx)
	wg.Wait()
	return err
}
