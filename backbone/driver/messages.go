package driver

import (
	"context"
	"time"
)

// MessageRecipient is one recipient of a message and what became of it.
type MessageRecipient struct {
	Address string
	// RelationshipID is the youngest relationship between sender and
	// recipient when the message was sent.
	RelationshipID   string
	EncryptedKey     []byte
	ReceivedAt       *time.Time
	ReceivedByDevice string
	// DecomposedBySender and DecomposedByRecipient record that a party
	// decomposed the relationship; the message is then hidden from it.
	DecomposedBySender    bool
	DecomposedByRecipient bool
}

// MessageRecord is an end-to-end encrypted message; the server sees only
// bytes. (Message is the bus message.)
type MessageRecord struct {
	ID              string
	CreatedAt       time.Time
	CreatedBy       string
	CreatedByDevice string
	Body            []byte
	Attachments     []string // file IDs, in order
	Recipients      []MessageRecipient
}

// MessageStore persists messages.
type MessageStore interface {
	// Insert stores a new message with its recipients and attachments.
	// Returns ErrConflict if the ID exists.
	Insert(ctx context.Context, m MessageRecord) error
	// Get returns the message. Returns ErrNotFound if none.
	Get(ctx context.Context, id string) (MessageRecord, error)
	// ListVisible returns a page of the messages identity may see, oldest
	// first (CreatedAt, then ID), and how many there are in all. identity
	// sees a message it sent while at least one recipient entry is not
	// DecomposedBySender, and a message it received while its own entry is
	// not DecomposedByRecipient. With ids, only messages with one of the IDs
	// match; with no ids (nil or empty), every visible message does.
	ListVisible(ctx context.Context, identity string, ids []string, page PageRequest) ([]MessageRecord, int, error)
	// MarkReceived sets ReceivedAt and ReceivedByDevice of the recipient
	// entry of address in the message, unless they are set already, and
	// reports whether it set them.
	MarkReceived(ctx context.Context, messageID, address, device string, at time.Time) (bool, error)
	// CountUnreceived returns how many messages of sender have a recipient
	// entry for recipient with no ReceivedAt.
	CountUnreceived(ctx context.Context, sender, recipient string) (int, error)
}
