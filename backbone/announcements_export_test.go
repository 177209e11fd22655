package backbone

import "context"

// RemoveAnnouncementRecipientForTest runs what the identity deletion job
// runs for the announcements of a deleted identity.
func RemoveAnnouncementRecipientForTest(ctx context.Context, b *Backbone, address string) (int, error) {
	return b.Announcements.removeRecipient(ctx, b.store, address)
}

// SetAllRecipientsPageForTest sets the page size of pushes to everyone and
// returns a function that restores it.
func SetAllRecipientsPageForTest(n int) (restore func()) {
	old := allRecipientsPage
	allRecipientsPage = n
	return func() { allRecipientsPage = old }
}
