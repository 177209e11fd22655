package backbone

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"math/big"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/backbone/internal/events"
)

// subscriptionSynchronization is the bus subscription of the consumer that
// turns domain events into external events.
const subscriptionSynchronization = "synchronization"

// newEvent is one external event a domain event causes.
type newEvent struct {
	owner, eventType, context string
	payload                   any
	blocked                   bool
}

// synchronizationHandlers maps each domain event to the external events it
// causes, with the spec's names and camelCase payloads. Later features only
// raise the domain events.
func (b *Backbone) synchronizationHandlers() map[string]events.Handler {
	return map[string]events.Handler{
		"MessageCreated": handleWith(b, func(ctx context.Context, tx driver.Tx, e MessageCreated) ([]newEvent, error) {
			// Whether a recipient's event is held back depends on the
			// relationship as it is now, read in this transaction: events
			// of different topics arrive in any order, so a status known
			// when the message was sent may already be out of date, and an
			// acceptance handled earlier would never unblock the event.
			var out []newEvent
			for _, r := range e.Recipients {
				rel, err := tx.Relationships().Get(ctx, r.RelationshipID)
				if err != nil && !errors.Is(err, driver.ErrNotFound) {
					return nil, err
				}
				switch rel.Status {
				case RelationshipRejected, RelationshipRevoked:
					continue // never to be delivered
				}
				out = append(out, newEvent{
					owner: r.Address, eventType: "MessageReceived", payload: map[string]string{"id": e.ID}, context: r.RelationshipID,
					blocked: rel.Status == RelationshipPending || rel.Status == RelationshipTerminated,
				})
			}
			return out, nil
		}),
		"MessageDelivered": handle(b, func(e MessageDelivered) []newEvent {
			return []newEvent{{owner: e.CreatedBy, eventType: "MessageDelivered", payload: map[string]string{"id": e.ID}}}
		}, nil),
		"RelationshipStatusChanged": handle(b, func(e RelationshipStatusChanged) []newEvent {
			if e.NewStatus == "ReadyForDeletion" {
				return nil
			}
			return []newEvent{{owner: e.Peer, eventType: "RelationshipStatusChanged", payload: map[string]string{"relationshipId": e.RelationshipID}}}
		}, func(ctx context.Context, tx driver.Tx, e RelationshipStatusChanged) error {
			// Messages of the relationship follow its status.
			ev := tx.ExternalEvents()
			switch e.NewStatus {
			case "Active":
				if err := ev.SetBlockedByContext(ctx, e.Initiator, "MessageReceived", e.RelationshipID, false); err != nil {
					return err
				}
				return ev.SetBlockedByContext(ctx, e.Peer, "MessageReceived", e.RelationshipID, false)
			case "Rejected", "Revoked":
				if err := ev.DeleteUnsyncedByContext(ctx, e.Initiator, e.RelationshipID, true); err != nil {
					return err
				}
				return ev.DeleteUnsyncedByContext(ctx, e.Peer, e.RelationshipID, true)
			case "DeletionProposed", "ReadyForDeletion":
				return ev.DeleteUnsyncedByContext(ctx, e.Initiator, e.RelationshipID, false)
			}
			return nil
		}),
		"RelationshipReactivationRequested": handle(b, func(e RelationshipReactivationRequested) []newEvent {
			return []newEvent{{owner: e.Peer, eventType: "RelationshipReactivationRequested", payload: map[string]string{"relationshipId": e.RelationshipID}}}
		}, nil),
		"RelationshipReactivationCompleted": handle(b, func(e RelationshipReactivationCompleted) []newEvent {
			return []newEvent{{owner: e.Peer, eventType: "RelationshipReactivationCompleted", payload: map[string]string{"relationshipId": e.RelationshipID}}}
		}, func(ctx context.Context, tx driver.Tx, e RelationshipReactivationCompleted) error {
			if e.NewRelationshipStatus != "Active" {
				return nil
			}
			// Messages sent while the relationship was terminated arrive now.
			r, err := tx.Relationships().Get(ctx, e.RelationshipID)
			if err != nil {
				return ignoreNotFound(err)
			}
			for _, owner := range []string{r.From, r.To} {
				if err := tx.ExternalEvents().SetBlockedByContext(ctx, owner, "MessageReceived", r.ID, false); err != nil {
					return err
				}
			}
			return nil
		}),
		"FeatureFlagsOfIdentityChanged": handleWith(b, func(ctx context.Context, tx driver.Tx, e FeatureFlagsOfIdentityChanged) ([]newEvent, error) {
			// Peers in pending or active relationships, and everyone who
			// allocated one of the identity's templates, are told.
			rs, err := tx.Relationships().ListByParticipant(ctx, e.IdentityAddress, []RelationshipStatus{RelationshipPending, RelationshipActive})
			if err != nil {
				return nil, err
			}
			allocators, err := tx.RelationshipTemplates().AllocatorsOfTemplatesBy(ctx, e.IdentityAddress)
			if err != nil {
				return nil, err
			}
			seen := map[string]bool{e.IdentityAddress: true}
			var out []newEvent
			notify := func(owner string) {
				if !seen[owner] {
					seen[owner] = true
					out = append(out, newEvent{owner: owner, eventType: "PeerFeatureFlagsChanged", payload: map[string]string{"peerAddress": e.IdentityAddress}})
				}
			}
			for _, r := range rs {
				notify(peerOf(r, e.IdentityAddress))
			}
			for _, a := range allocators {
				notify(a)
			}
			return out, nil
		}),
		"RelationshipTemplateAllocationsExhausted": handle(b, func(e RelationshipTemplateAllocationsExhausted) []newEvent {
			return []newEvent{{owner: e.CreatedBy, eventType: "RelationshipTemplateAllocationsExhausted", payload: map[string]string{"relationshipTemplateId": e.RelationshipTemplateID}}}
		}, nil),
		"PeerToBeDeleted": handle(b, func(e PeerToBeDeleted) []newEvent {
			return []newEvent{{owner: e.Peer, eventType: "PeerToBeDeleted", payload: map[string]string{"relationshipId": e.RelationshipID, "deletionDate": eventTime(e.GracePeriodEndsAt)}}}
		}, nil),
		"PeerDeletionCancelled": handle(b, func(e PeerDeletionCancelled) []newEvent {
			return []newEvent{{owner: e.Peer, eventType: "PeerDeletionCancelled", payload: map[string]string{"relationshipId": e.RelationshipID}}}
		}, nil),
		"PeerDeleted": handle(b, func(e PeerDeleted) []newEvent {
			return []newEvent{{owner: e.Peer, eventType: "PeerDeleted", payload: map[string]string{"relationshipId": e.RelationshipID, "deletionDate": eventTime(e.DeletionDate)}}}
		}, nil),
		"PeerFeatureFlagsChanged": handle(b, func(e PeerFeatureFlagsChanged) []newEvent {
			return []newEvent{{owner: e.NotifiedIdentityAddress, eventType: "PeerFeatureFlagsChanged", payload: map[string]string{"peerAddress": e.PeerAddress}}}
		}, nil),
		"TokenLocked": handle(b, func(e TokenLocked) []newEvent {
			if e.CreatedBy == "" {
				return nil // anonymous tokens have nobody to tell
			}
			return []newEvent{{owner: e.CreatedBy, eventType: "TokenLocked", payload: map[string]string{"tokenId": e.TokenID}}}
		}, nil),
		"FileOwnershipLocked": handle(b, func(e FileOwnershipLocked) []newEvent {
			return []newEvent{{owner: e.OwnerAddress, eventType: "FileOwnershipLocked", payload: map[string]string{"fileId": e.FileID}}}
		}, nil),
		"FileOwnershipClaimed": handle(b, func(e FileOwnershipClaimed) []newEvent {
			return []newEvent{{owner: e.OldOwnerAddress, eventType: "FileOwnershipClaimed", payload: map[string]string{"fileId": e.FileID, "newOwnerAddress": e.NewOwnerAddress}}}
		}, nil),
		"IdentityDeletionProcessStarted": handle(b, func(e IdentityDeletionProcessStarted) []newEvent {
			if e.Initiator == e.Address {
				return nil // the owner knows what it did itself
			}
			return []newEvent{{owner: e.Address, eventType: "IdentityDeletionProcessStarted", payload: map[string]string{"deletionProcessId": e.DeletionProcessID}}}
		}, nil),
		"IdentityDeletionProcessStatusChanged": handle(b, func(e IdentityDeletionProcessStatusChanged) []newEvent {
			if e.Initiator == e.DeletionProcessOwner {
				return nil
			}
			return []newEvent{{owner: e.DeletionProcessOwner, eventType: "IdentityDeletionProcessStatusChanged", payload: map[string]string{"deletionProcessId": e.DeletionProcessID}}}
		}, nil),
	}
}

// handle builds a bus handler for a domain event of type E: it applies the
// side effect and records the external events the event implies.
func handle[E any](b *Backbone, externalEvents func(E) []newEvent, effect func(context.Context, driver.Tx, E) error) events.Handler {
	return handleWith(b, func(ctx context.Context, tx driver.Tx, e E) ([]newEvent, error) {
		if effect != nil {
			if err := effect(ctx, tx, e); err != nil {
				return nil, err
			}
		}
		return externalEvents(e), nil
	})
}

// handleWith builds a bus handler for a domain event of type E: it decodes
// the body and records the external events f finds, in one transaction.
// External-event IDs derive from the domain event's ID, so a redelivery
// records nothing twice.
func handleWith[E any](b *Backbone, f func(context.Context, driver.Tx, E) ([]newEvent, error)) events.Handler {
	return func(ctx context.Context, m driver.Message) error {
		var e E
		if err := json.Unmarshal(m.Body, &e); err != nil {
			// A body that cannot be decoded never will be; dropping it
			// beats blocking the subscription forever.
			b.cfg.Logger.ErrorContext(ctx, "dropping undecodable domain event", "id", m.ID, "error", err)
			return nil
		}
		now := b.now()
		return b.inTx(ctx, func(tx driver.Tx) error {
			evs, err := f(ctx, tx, e)
			if err != nil {
				return err
			}
			exists := map[string]bool{}
			for _, ne := range evs {
				// An identity erased since the event was raised (or the
				// anonymous address of one) gets nothing: the deletion job
				// has already removed everything it owned.
				known, ok := exists[ne.owner]
				if !ok {
					_, err := tx.Identities().Get(ctx, ne.owner)
					if err != nil && !errors.Is(err, driver.ErrNotFound) {
						return err
					}
					known = err == nil
					exists[ne.owner] = known
				}
				if !known {
					continue
				}
				id := derivedID(PrefixEvent, m.ID+"\x00"+ne.owner+"\x00"+ne.eventType)
				added, err := addExternalEvent(ctx, tx, id, ne.owner, ne.eventType, ne.payload, ne.context, ne.blocked, now)
				if err != nil {
					return err
				}
				if added {
					// The owner's devices are woken up once the event is
					// committed.
					if err := b.raise(ctx, tx, now, ExternalEventCreated{EventID: id, Owner: ne.owner, IsDeliveryBlocked: ne.blocked}); err != nil {
						return err
					}
				}
			}
			return nil
		})
	}
}

// derivedID is a typed ID computed from seed: the same seed always gives
// the same ID.
func derivedID(prefix, seed string) string {
	sum := sha256.Sum256([]byte(seed))
	n := new(big.Int).SetBytes(sum[:])
	base := big.NewInt(int64(len(idAlphabet)))
	out := make([]byte, idLength-len(prefix))
	mod := new(big.Int)
	for i := range out {
		n.DivMod(n, base, mod)
		out[i] = idAlphabet[mod.Int64()]
	}
	return prefix + string(out)
}

// eventTime formats instants in external-event payloads like the
// reference's round-trip format.
func eventTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func ignoreNotFound(err error) error {
	if errors.Is(err, driver.ErrNotFound) {
		return nil
	}
	return err
}
