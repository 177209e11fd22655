package backbone

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/backbone/internal/events"
	"github.com/openbackbone/openbackbone/backbone/internal/pushqueue"
)

// subscriptionDevices is the bus subscription of the consumer that turns
// domain events into push notifications.
const subscriptionDevices = "devices"

// Push notification types: the event names devices see.
const (
	pushExternalEventCreated           = "ExternalEventCreated"
	pushDatawalletModificationsCreated = "DatawalletModificationsCreated"
	pushBackupDeviceUsed               = "BackupDeviceUsed"
	pushTokenLocked                    = "TokenLocked"
	pushDeletionProcessStarted         = "DeletionProcessStarted"
	pushTest                           = "Test"
)

// collapseIDs lets a device's provider replace an older notification of
// the same type, for the types that come in bursts.
var collapseIDs = map[string]string{
	pushExternalEventCreated:           "ExternalEventCreated",
	pushDatawalletModificationsCreated: "DatawalletModified",
}

// A push is one notification to the devices of some identities.
type push struct {
	identities      []string
	excludedDevices []string
	// eventName and payload make the content object; an empty eventName
	// makes a text-only notification.
	eventName string
	payload   any
	// texts are the title and body per language; nil takes the built-in
	// texts of eventName.
	texts map[string]PushMessage
	// recipients, when not nil, are the devices already resolved (a page
	// of all registrations); identities and excludedDevices are ignored.
	recipients []driver.PushRecipient
	// wait makes deliver wait for room in the provider lanes instead of
	// dropping what does not fit: for pushes to everyone, which can exceed
	// a lane's capacity by far.
	wait bool
}

// devicesHandlers maps each domain event to the pushes it causes.
func (b *Backbone) devicesHandlers() map[string]events.Handler {
	return map[string]events.Handler{
		"ExternalEventCreated": pushOn(b, func(ctx context.Context, e ExternalEventCreated) (*push, error) {
			if e.IsDeliveryBlocked {
				return nil, nil
			}
			// Identities on their way to deletion are not woken up.
			id, err := b.store.Identities().Get(ctx, e.Owner)
			if errors.Is(err, driver.ErrNotFound) || (err == nil && id.Status != driver.IdentityActive) {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			return &push{identities: []string{e.Owner}, eventName: pushExternalEventCreated, payload: struct{}{}}, nil
		}),
		"DatawalletModified": pushOn(b, func(_ context.Context, e DatawalletModified) (*push, error) {
			return &push{
				identities: []string{e.Identity}, excludedDevices: []string{e.ModifiedByDevice},
				eventName: pushDatawalletModificationsCreated, payload: map[string]string{"createdByDevice": e.ModifiedByDevice},
			}, nil
		}),
		"BackupDeviceUsed": pushOn(b, func(_ context.Context, e BackupDeviceUsed) (*push, error) {
			return &push{identities: []string{e.IdentityAddress}, eventName: pushBackupDeviceUsed, payload: struct{}{}}, nil
		}),
		"TokenLocked": pushOn(b, func(_ context.Context, e TokenLocked) (*push, error) {
			if e.CreatedBy == "" {
				return nil, nil
			}
			return &push{identities: []string{e.CreatedBy}, eventName: pushTokenLocked, payload: struct{}{}}, nil
		}),
		"IdentityDeletionProcessStarted": pushOn(b, func(_ context.Context, e IdentityDeletionProcessStarted) (*push, error) {
			return &push{identities: []string{e.Address}, eventName: pushDeletionProcessStarted, payload: struct{}{}}, nil
		}),
		"AnnouncementCreated": b.announcementPushes(),
		"PushNotificationRequested": pushOn(b, func(ctx context.Context, e PushNotificationRequested) (*push, error) {
			p := &push{identities: e.Recipients, excludedDevices: e.ExcludedDevices, eventName: e.EventName}
			if e.EventName != "" {
				p.payload = e.Payload
				if len(e.Payload) == 0 {
					p.payload = struct{}{}
				}
			}
			if e.TextCode != "" {
				t, ok := b.notificationTexts[e.TextCode]
				if !ok {
					b.cfg.Logger.WarnContext(ctx, "notification code no longer configured; nothing sent", "code", e.TextCode)
					return nil, nil
				}
				p.texts = t
			}
			return p, nil
		}),
	}
}

// pushOn builds a bus handler that decodes a domain event of type E and
// hands the push f finds to the queue. It does not wait for the providers:
// the queue retries them in the background, so a slow provider never holds
// up the bus.
func pushOn[E any](b *Backbone, f func(context.Context, E) (*push, error)) events.Handler {
	return func(ctx context.Context, m driver.Message) error {
		var e E
		if err := json.Unmarshal(m.Body, &e); err != nil {
			b.cfg.Logger.ErrorContext(ctx, "dropping undecodable domain event", "id", m.ID, "error", err)
			return nil
		}
		p, err := f(ctx, e)
		if err != nil || p == nil {
			return err
		}
		return b.deliver(ctx, *p)
	}
}

// deliver resolves the devices of a push and queues one notification per
// distinct handle, in each device's language.
func (b *Backbone) deliver(ctx context.Context, p push) error {
	recipients := p.recipients
	var err error
	if recipients == nil {
		if len(p.identities) == 0 {
			return nil
		}
		recipients, err = b.store.PushRegistrations().ListRecipients(ctx, p.identities, p.excludedDevices)
		if err != nil {
			return internal("list push recipients", err)
		}
	}
	sentAt := b.now()
	seen := map[handleKey]bool{}
	for _, r := range recipients {
		k := handleKey{r.Platform, r.Handle}
		if seen[k] {
			continue // devices sharing a handle get the push once
		}
		seen[k] = true
		if p.eventName == "" && r.Platform == driver.PlatformSSE {
			continue // streams carry event names; a text alone means nothing there
		}
		n, err := p.notification(r, sentAt)
		if err != nil {
			return internal("encode push content", err)
		}
		job := pushqueue.Job{Target: pushTarget(r), Notification: n}
		if !p.wait {
			b.pushQueue.Enqueue(r.Platform, job)
		} else if err := b.pushQueue.EnqueueWait(ctx, r.Platform, job); err != nil {
			return err
		}
	}
	return nil
}

// handleKey names a push handle: devices sharing one get a push once.
type handleKey struct{ platform, handle string }

// notification is what the device of r gets of the push: the content
// object (for pushes with an event name) and the text in the device's
// language, English as fallback.
func (p push) notification(r driver.PushRecipient, sentAt time.Time) (driver.PushNotification, error) {
	n := driver.PushNotification{EventName: p.eventName, CollapseID: collapseIDs[p.eventName]}
	if p.eventName != "" {
		var err error
		n.Content, err = json.Marshal(pushContent{
			AccRef: r.IdentityAddress, DevicePushIdentifier: r.DevicePushIdentifier,
			EventName: p.eventName, SentAt: eventTimeMillis(sentAt), Payload: p.payload,
		})
		if err != nil {
			return driver.PushNotification{}, err
		}
	}
	texts := p.texts
	if texts == nil {
		texts = builtInPushTexts[p.eventName]
	}
	text, ok := texts[r.CommunicationLanguage]
	if !ok {
		text = texts["en"]
	}
	n.Title, n.Body = text.Title, text.Body
	return n, nil
}

func pushTarget(r driver.PushRecipient) driver.PushTarget {
	return driver.PushTarget{
		IdentityAddress: r.IdentityAddress, DeviceID: r.DeviceID, DevicePushIdentifier: r.DevicePushIdentifier,
		Handle: r.Handle, AppID: r.AppID, Environment: r.Environment,
	}
}

// pushContent is the content object of a notification, as the official
// apps read it.
type pushContent struct {
	AccRef               string `json:"accRef"`
	DevicePushIdentifier string `json:"devicePushIdentifier"`
	EventName            string `json:"eventName"`
	SentAt               string `json:"sentAt"`
	Payload              any    `json:"payload"`
}

// removeDeadHandle drops every registration with a handle the provider
// called invalid.
func (b *Backbone) removeDeadHandle(ctx context.Context, platform string, t driver.PushTarget) {
	if _, err := b.store.PushRegistrations().DeleteByHandle(ctx, platform, t.Handle); err != nil {
		b.cfg.Logger.WarnContext(ctx, "could not remove a dead push registration", "device", t.DeviceID, "error", err)
	}
}

// eventTimeMillis formats the sentAt of a notification as the reference
// does: UTC with milliseconds.
func eventTimeMillis(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// builtInPushTexts are the visible texts of the notifications the Backbone
// sends by itself, per language; English is the fallback.
var builtInPushTexts = map[string]map[string]PushMessage{
	pushExternalEventCreated: {
		"en": {"Updates available", "There is something new for you in the app."},
		"de": {"Neuigkeiten verfügbar", "In der App gibt es Neues für Sie."},
	},
	pushDatawalletModificationsCreated: {
		"en": {"Updates available", "Your data was changed on another device."},
		"de": {"Neuigkeiten verfügbar", "Ihre Daten wurden auf einem anderen Gerät geändert."},
	},
	pushBackupDeviceUsed: {
		"en": {"Backup device used", "Your backup device has just been used to log in."},
		"de": {"Wiederherstellungsgerät benutzt", "Mit Ihrem Wiederherstellungsgerät wurde sich gerade angemeldet."},
	},
	pushTokenLocked: {
		"en": {"Token locked", "One of your tokens was locked after too many wrong passwords."},
		"de": {"Token gesperrt", "Einer Ihrer Tokens wurde nach zu vielen falschen Passwörtern gesperrt."},
	},
	pushDeletionProcessStarted: {
		"en": {"Deletion started", "The deletion of one of your identities was started."},
		"de": {"Löschung gestartet", "Die Löschung einer Ihrer Identitäten wurde gestartet."},
	},
	pushDeletionProcessCancelledByOwner: {
		"en": {"Deletion cancelled", "The deletion of one of your identities was cancelled."},
		"de": {"Löschung abgebrochen", "Die Löschung einer Ihrer Identitäten wurde abgebrochen."},
	},
	pushDeletionProcessGracePeriodReminder: {
		"en": {"Deletion soon", "One of your identities will soon be deleted; you can still cancel this in the app."},
		"de": {"Baldige Löschung", "Eine Ihrer Identitäten wird bald gelöscht; Sie können das in der App noch abbrechen."},
	},
	pushDeletionStarts: {
		"en": {"Deletion starts", "The deletion of one of your identities starts now."},
		"de": {"Löschung beginnt", "Die Löschung einer Ihrer Identitäten beginnt jetzt."},
	},
	pushTest: {
		"en": {"Test", "This is a test notification."},
		"de": {"Test", "Dies ist eine Testbenachrichtigung."},
	},
}
