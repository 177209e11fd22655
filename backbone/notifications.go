package backbone

import (
	"context"
	"slices"
	"strings"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// Notifications sends the operator's configured text notifications
// (Config.NotificationTexts) to the devices of identities the caller has a
// relationship with.
type Notifications struct{ b *Backbone }

// NotificationText is a text notification the operator configures: a code
// clients send and its title and body per language ("en" is required).
type NotificationText struct {
	Code         string                 `yaml:"code"`
	Translations map[string]PushMessage `yaml:"translations"`
}

// PushMessage is the visible text of a notification in one language.
type PushMessage struct {
	Title string `yaml:"title"`
	Body  string `yaml:"body"`
}

// Notification error codes.
const (
	CodeNoRelationshipToOneOrMoreRecipientsExists = "error.platform.validation.notification.noRelationshipToOneOrMoreRecipientsExists"
	CodeNotificationRelationshipNotInCorrectState = "error.platform.validation.notification.relationshipToRecipientIsNotInCorrectStatus"
	CodeNotificationCodeDoesNotExist              = "error.platform.validation.notification.codeDoesNotExist"
)

const maxNotificationRecipients = 100

// Send sends the text configured under code to every device of the
// recipients, each in its device's language (falling back to English).
// Each recipient's youngest relationship with the caller must be Pending,
// Active or Terminated.
func (s *Notifications) Send(ctx context.Context, as Caller, recipients []string, code string) error {
	b := s.b
	if as.Anonymous() {
		return errUnauthenticated
	}
	switch {
	case strings.TrimSpace(code) == "":
		return invalidProperty("code", "must not be empty.")
	case len(recipients) == 0 || len(recipients) > maxNotificationRecipients:
		return invalidProperty("recipients", "must have 1 to %d items.", maxNotificationRecipients)
	}
	for _, r := range recipients {
		if !ValidAddress(r) {
			return invalidIDError("recipients")
		}
	}
	if _, ok := b.notificationTexts[code]; !ok {
		codes := make([]string, 0, len(b.notificationTexts))
		for c := range b.notificationTexts {
			codes = append(codes, "'"+c+"'")
		}
		slices.Sort(codes)
		return invalid(CodeNotificationCodeDoesNotExist, "The code '%s' does not exist. Valid codes are: %s.", code, strings.Join(codes, ", "))
	}
	recipients = slices.Compact(slices.Sorted(slices.Values(recipients)))
	now := b.now()
	return b.inTx(ctx, func(tx driver.Tx) error {
		for _, r := range recipients {
			rels, err := tx.Relationships().Between(ctx, as.Address, r)
			if err != nil {
				return internal("list relationships", err)
			}
			if len(rels) == 0 {
				return invalid(CodeNoRelationshipToOneOrMoreRecipientsExists, "There is no relationship to one or more of the recipients.")
			}
			switch rels[len(rels)-1].Status { // the youngest
			case RelationshipPending, RelationshipActive, RelationshipTerminated:
			default:
				return invalid(CodeNotificationRelationshipNotInCorrectState, "The relationship to %s is not in a status that allows notifications.", r)
			}
		}
		return b.raise(ctx, tx, now, PushNotificationRequested{Recipients: recipients, TextCode: code})
	})
}
