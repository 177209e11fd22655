package backbone

import (
	"context"
	"encoding/json"

	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/backbone/internal/events"
)

// pushNewAnnouncement is the notification type of a published
// announcement.
const pushNewAnnouncement = "NewAnnouncement"

// allRecipientsPage bounds the registrations read at once when an
// announcement goes to everyone (a variable so that tests can page with
// few devices).
var allRecipientsPage = 500

// announcementPushes notifies devices of a published announcement, unless
// it is silent: those of its recipients or, without recipients, every
// registered device, a page at a time. The texts are the announcement's
// own, per device language with English as fallback.
func (b *Backbone) announcementPushes() events.Handler {
	return func(ctx context.Context, m driver.Message) error {
		var e AnnouncementCreated
		if err := json.Unmarshal(m.Body, &e); err != nil {
			b.cfg.Logger.ErrorContext(ctx, "dropping undecodable domain event", "id", m.ID, "error", err)
			return nil
		}
		if e.IsSilent {
			return nil
		}
		p := push{
			identities: e.Recipients, eventName: pushNewAnnouncement,
			payload: map[string]string{"announcementId": e.ID},
			texts:   make(map[string]PushMessage, len(e.Texts)),
		}
		for _, t := range e.Texts {
			p.texts[t.Language] = PushMessage{Title: t.Title, Body: t.Body}
		}
		if len(e.Recipients) > 0 {
			return b.deliver(ctx, p)
		}
		// Everyone may be far more than a provider lane holds: wait for
		// room rather than drop. deliver sends once per handle within a
		// call; across pages the handles already served are skipped here.
		p.wait = true
		seen := map[handleKey]bool{}
		after := ""
		for {
			page, err := b.store.PushRegistrations().ListAllRecipients(ctx, after, allRecipientsPage)
			if err != nil {
				return internal("list all push recipients", err)
			}
			p.recipients = make([]driver.PushRecipient, 0, len(page))
			for _, r := range page {
				k := handleKey{r.Platform, r.Handle}
				if !seen[k] {
					seen[k] = true
					p.recipients = append(p.recipients, r)
				}
			}
			if err := b.deliver(ctx, p); err != nil {
				return err
			}
			if len(page) < allRecipientsPage {
				return nil
			}
			after = page[len(page)-1].DeviceID
		}
	}
}
