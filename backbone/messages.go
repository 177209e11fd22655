package backbone

import (
	"context"
	"errors"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// Message is an end-to-end encrypted message; the server sees only bytes.
type Message = driver.MessageRecord

// MessageRecipientKey is a recipient of a message to send and the message
// key encrypted for it.
type MessageRecipientKey struct {
	Address      string
	EncryptedKey []byte
}

// SendMessageRequest is a message to send.
type SendMessageRequest struct {
	Recipients  []MessageRecipientKey
	Body        []byte
	Attachments []string // file IDs
}

// Messages sends and reads messages between related identities.
type Messages struct{ b *Backbone }

const (
	maxAttachments     = 20
	minEncryptedKeyLen = 30
	maxEncryptedKeyLen = 300
)

// Send delivers a message to identities the caller has a relationship
// with. Each recipient needs a relationship that is Pending, Active or
// Terminated; a message over a Pending or Terminated one is held back
// until it becomes Active.
func (s *Messages) Send(ctx context.Context, as Caller, req SendMessageRequest) (Message, error) {
	b := s.b
	if as.Anonymous() {
		return Message{}, errUnauthenticated
	}
	if err := s.validate(req); err != nil {
		return Message{}, err
	}
	if err := b.checkQuotas(ctx, as, MetricNumberOfSentMessages); err != nil {
		return Message{}, err
	}
	now := b.now()
	m := Message{ID: NewID(PrefixMessage), CreatedAt: now, CreatedBy: as.Address, CreatedByDevice: as.DeviceID, Body: req.Body, Attachments: req.Attachments}
	if m.Attachments == nil {
		m.Attachments = []string{}
	}
	err := b.inTx(ctx, func(tx driver.Tx) error {
		m.Recipients = m.Recipients[:0]
		event := MessageCreated{ID: m.ID, CreatedBy: as.Address}
		for _, r := range req.Recipients {
			rels, err := tx.Relationships().Between(ctx, as.Address, r.Address)
			if err != nil {
				return internal("list relationships", err)
			}
			if len(rels) == 0 {
				return invalid(CodeNoRelationshipToRecipientExists, "Cannot send message to %s because there is no relationship to it.", r.Address)
			}
			rel := rels[len(rels)-1] // the youngest
			switch rel.Status {
			case RelationshipActive, RelationshipPending, RelationshipTerminated:
			default:
				return invalid(CodeRelationshipToRecipientNotActive, "Cannot send message to %s because the relationship to it is not active.", r.Address)
			}
			n, err := tx.Messages().CountUnreceived(ctx, as.Address, r.Address)
			if err != nil {
				return internal("count unreceived messages", err)
			}
			if n >= b.cfg.MaxUnreceivedMessagesFromOneSender {
				return invalid(CodeMaxNumberOfUnreceivedMessagesReached, "The maximum number of unreceived messages to %s has been reached.", r.Address)
			}
			m.Recipients = append(m.Recipients, driver.MessageRecipient{Address: r.Address, RelationshipID: rel.ID, EncryptedKey: r.EncryptedKey})
			event.Recipients = append(event.Recipients, MessageRecipient{Address: r.Address, RelationshipID: rel.ID})
		}
		if err := tx.Messages().Insert(ctx, m); err != nil {
			return internal("insert message", err)
		}
		return b.raise(ctx, tx, now, event)
	})
	return m, err
}

func (s *Messages) validate(req SendMessageRequest) error {
	switch {
	case len(req.Body) == 0 || len(req.Body) > maxContentLength:
		return invalidProperty("body", "must have 1 byte to 10 MiB.")
	case len(req.Recipients) == 0 || len(req.Recipients) > s.b.cfg.MaxMessageRecipients:
		return invalidProperty("recipients", "must have 1 to %d items.", s.b.cfg.MaxMessageRecipients)
	case len(req.Attachments) > maxAttachments:
		return invalidProperty("attachments", "must have at most %d items.", maxAttachments)
	}
	seen := map[string]bool{}
	for _, r := range req.Recipients {
		switch {
		case !ValidAddress(r.Address):
			return invalidIDError("recipients.address")
		case seen[r.Address]:
			return invalidProperty("recipients", "The same item cannot be added more than once.")
		case len(r.EncryptedKey) < minEncryptedKeyLen || len(r.EncryptedKey) > maxEncryptedKeyLen:
			return invalidProperty("recipients.encryptedKey", "must have %d to %d bytes.", minEncryptedKeyLen, maxEncryptedKeyLen)
		}
		seen[r.Address] = true
	}
	for _, id := range req.Attachments {
		if !ValidID(PrefixFile, id) {
			return invalidProperty("attachments.id", "id has an invalid format.")
		}
	}
	return nil
}

// Get returns a message the caller sent or received, as the caller may see
// it, and marks it received when the caller is a recipient.
func (s *Messages) Get(ctx context.Context, as Caller, id string) (Message, error) {
	if as.Anonymous() {
		return Message{}, errUnauthenticated
	}
	if !ValidID(PrefixMessage, id) {
		return Message{}, invalidIDError("id")
	}
	m, err := s.b.store.Messages().Get(ctx, id)
	if errors.Is(err, driver.ErrNotFound) || err == nil && !visible(m, as.Address) {
		return Message{}, notFound("Message")
	} else if err != nil {
		return Message{}, internal("get message", err)
	}
	if err := s.receive(ctx, as, []Message{m}); err != nil {
		return Message{}, err
	}
	return s.view(m, as.Address), nil
}

// List returns a page of the messages the caller sent or received (only
// those with the IDs, if any), and marks those it received as received.
func (s *Messages) List(ctx context.Context, as Caller, ids []string, page PageRequest) (Page[Message], error) {
	if as.Anonymous() {
		return Page[Message]{}, errUnauthenticated
	}
	for _, id := range ids {
		if !ValidID(PrefixMessage, id) {
			return Page[Message]{}, invalidIDError("ids")
		}
	}
	page, err := s.b.normalizePage(page)
	if err != nil {
		return Page[Message]{}, err
	}
	ms, total, err := s.b.store.Messages().ListVisible(ctx, as.Address, ids, page)
	if err != nil {
		return Page[Message]{}, internal("list messages", err)
	}
	if err := s.receive(ctx, as, ms); err != nil {
		return Page[Message]{}, err
	}
	return mapPage(ms, total, page, func(m Message) Message { return s.view(m, as.Address) }), nil
}

// receive marks the caller's entries received the first time it reads the
// messages, and tells each sender.
func (s *Messages) receive(ctx context.Context, as Caller, ms []Message) error {
	b := s.b
	now := b.now()
	for i := range ms {
		for j := range ms[i].Recipients {
			r := &ms[i].Recipients[j]
			if r.Address != as.Address || r.ReceivedAt != nil {
				continue
			}
			err := b.inTx(ctx, func(tx driver.Tx) error {
				set, err := tx.Messages().MarkReceived(ctx, ms[i].ID, as.Address, as.DeviceID, now)
				if err != nil || !set {
					return internal("mark message received", err)
				}
				return b.raise(ctx, tx, now, MessageDelivered{ID: ms[i].ID, CreatedBy: ms[i].CreatedBy, Recipient: as.Address})
			})
			if err != nil {
				return err
			}
			r.ReceivedAt, r.ReceivedByDevice = &now, as.DeviceID
		}
	}
	return nil
}

func visible(m Message, address string) bool {
	for _, r := range m.Recipients {
		if m.CreatedBy == address && !r.DecomposedBySender || r.Address == address && !r.DecomposedByRecipient {
			return true
		}
	}
	return false
}

// view is the message as address may see it: a sender sees every
// recipient (anonymized where it decomposed the relationship), a recipient
// only itself.
func (s *Messages) view(m Message, address string) Message {
	out := m
	out.Recipients = nil
	for _, r := range m.Recipients {
		switch {
		case m.CreatedBy == address:
			if r.DecomposedBySender {
				r.Address = AnonymousAddress(s.b.cfg.DidDomainName)
			}
			out.Recipients = append(out.Recipients, r)
		case r.Address == address:
			out.Recipients = append(out.Recipients, r)
		}
	}
	return out
}
