package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// newAnnouncement returns an announcement for everyone with texts in two
// languages and two actions.
func newAnnouncement(createdAt time.Time) driver.Announcement {
	return driver.Announcement{
		ID:        newID("ANC"),
		CreatedAt: createdAt,
		ExpiresAt: createdAt.Add(24 * time.Hour),
		Severity:  driver.AnnouncementHigh,
		Texts: []driver.AnnouncementText{
			{Language: "en", Title: "Maintenance " + newID(""), Body: "We are down on Sunday.\nSorry."},
			{Language: "de", Title: "Wartung", Body: "Am Sonntag sind wir weg. Ä ö ü ß 🎉"},
		},
		Actions: []driver.AnnouncementAction{
			{DisplayName: map[string]string{"en": "Read more", "de": "Mehr"}, Link: "https://example.org/" + newID("")},
			{DisplayName: map[string]string{"en": "Status"}, Link: "https://status.example.org"},
		},
		Recipients: []string{},
	}
}

// targeted returns a with the recipients as its only audience.
func targeted(a driver.Announcement, recipients ...string) driver.Announcement {
	a.Targeted = true
	a.Recipients = recipients
	return a
}

func mustInsertAnnouncement(ctx context.Context, t testing.TB, st driver.Stores, a driver.Announcement) driver.Announcement {
	t.Helper()
	require.NoError(t, st.Announcements().Insert(ctx, a), "fixture: insert announcement")
	return a
}

// announcementIDs returns the IDs of as, in order.
func announcementIDs(as []driver.Announcement) []string {
	ids := make([]string, len(as))
	for i, a := range as {
		ids[i] = a.ID
	}
	return ids
}

func testAnnouncements(t *testing.T, newHarness HarnessMaker) {
	t.Run("Insert/ThenGetReturnsItUnchanged", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		want := targeted(newAnnouncement(at(0)), newAddress(), newAddress(), newAddress())
		want.IsSilent, want.IqlQuery = true, "#Street && #City"
		mustInsertAnnouncement(ctx, t, st, want)
		mustInsertAnnouncement(ctx, t, st, newAnnouncement(at(time.Minute)))
		got, err := st.Announcements().Get(ctx, want.ID)
		require.NoError(t, err, "Get of an inserted announcement must succeed")
		require.Equal(t, want, got, "Get must return the announcement as inserted, texts, actions and recipients in order")
	})

	t.Run("Insert/OptionalFieldsComeBackEmpty", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		want := newAnnouncement(at(0))
		want.ExpiresAt, want.Actions = time.Time{}, []driver.AnnouncementAction{}
		mustInsertAnnouncement(ctx, t, st, want)
		got, err := st.Announcements().Get(ctx, want.ID)
		require.NoError(t, err)
		require.True(t, got.ExpiresAt.IsZero(), "an unset ExpiresAt must come back zero")
		require.Empty(t, got.IqlQuery, "an unset IqlQuery must come back empty")
		require.NotNil(t, got.Recipients, "Recipients must come back non-nil")
		require.Equal(t, want, got)
	})

	t.Run("Insert/TimesRoundTripAsTheSameInstantInUTC", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		a := newAnnouncement(time.Date(2031, 1, 1, 0, 59, 59, 1_000_000, otherZone))
		a.ExpiresAt = time.Date(2031, 2, 1, 0, 0, 0, 5_000_000, otherZone)
		mustInsertAnnouncement(ctx, t, st, a)
		got, err := st.Announcements().Get(ctx, a.ID)
		require.NoError(t, err)
		requireUTC(t, "Get", &got.CreatedAt, &got.ExpiresAt)
		require.Equal(t, a.CreatedAt.UTC(), got.CreatedAt)
		require.Equal(t, a.ExpiresAt.UTC(), got.ExpiresAt)
	})

	t.Run("Insert/DuplicateIDIsErrConflict", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		first := mustInsertAnnouncement(ctx, t, st, targeted(newAnnouncement(at(0)), newAddress()))
		dup := targeted(newAnnouncement(at(time.Minute)), newAddress(), newAddress())
		dup.ID = first.ID
		require.ErrorIs(t, st.Announcements().Insert(ctx, dup), driver.ErrConflict, "Insert with an existing ID must return ErrConflict")
		got, err := st.Announcements().Get(ctx, first.ID)
		require.NoError(t, err)
		require.Equal(t, first, got, "a rejected Insert must leave the existing announcement and its recipients unchanged")
	})

	t.Run("Get/UnknownIDIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		mustInsertAnnouncement(ctx, t, st, newAnnouncement(at(0)))
		_, err := st.Announcements().Get(ctx, newID("ANC"))
		require.ErrorIs(t, err, driver.ErrNotFound, "Get of an unknown ID must return ErrNotFound")
	})

	t.Run("List/ReturnsAllOldestFirst", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		second := mustInsertAnnouncement(ctx, t, st, targeted(newAnnouncement(at(time.Minute)), newAddress()))
		first := mustInsertAnnouncement(ctx, t, st, newAnnouncement(at(0)))
		third := mustInsertAnnouncement(ctx, t, st, newAnnouncement(at(2*time.Minute)))
		got, err := st.Announcements().List(ctx)
		require.NoError(t, err)
		require.Equal(t, []driver.Announcement{first, second, third}, got, "List must return every announcement, whole, oldest first")
	})

	t.Run("ListForRecipient/ReturnsUntargetedAndThoseNamingTheIdentity", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		me, other := newAddress(), newAddress()
		global := mustInsertAnnouncement(ctx, t, st, newAnnouncement(at(0)))
		mine := mustInsertAnnouncement(ctx, t, st, targeted(newAnnouncement(at(time.Minute)), other, me))
		mustInsertAnnouncement(ctx, t, st, targeted(newAnnouncement(at(2*time.Minute)), other))
		mustInsertAnnouncement(ctx, t, st, targeted(newAnnouncement(at(3*time.Minute))))
		got, err := st.Announcements().ListForRecipient(ctx, me)
		require.NoError(t, err)
		require.Equal(t, []driver.Announcement{global, mine}, got,
			"ListForRecipient must return the untargeted announcements and those naming the identity, whole, oldest first; not those for others or for nobody")
	})

	t.Run("Delete/RemovesTheAnnouncementAndItsRecipients", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		me := newAddress()
		a := mustInsertAnnouncement(ctx, t, st, targeted(newAnnouncement(at(0)), me))
		keep := mustInsertAnnouncement(ctx, t, st, targeted(newAnnouncement(at(time.Minute)), me))
		require.NoError(t, st.Announcements().Delete(ctx, a.ID), "Delete of an existing announcement must succeed")
		_, err := st.Announcements().Get(ctx, a.ID)
		require.ErrorIs(t, err, driver.ErrNotFound, "a deleted announcement must be gone")
		got, err := st.Announcements().ListForRecipient(ctx, me)
		require.NoError(t, err)
		require.Equal(t, []string{keep.ID}, announcementIDs(got), "Delete must leave other announcements of the recipient")
		// Its ID can be used again: nothing of it is left behind.
		again := targeted(newAnnouncement(at(time.Hour)), newAddress())
		again.ID = a.ID
		mustInsertAnnouncement(ctx, t, st, again)
		got1, err := st.Announcements().Get(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, again, got1, "no recipient of a deleted announcement may remain")
	})

	t.Run("Delete/UnknownIDIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		mustInsertAnnouncement(ctx, t, st, newAnnouncement(at(0)))
		require.ErrorIs(t, st.Announcements().Delete(ctx, newID("ANC")), driver.ErrNotFound, "Delete of an unknown ID must return ErrNotFound")
	})

	t.Run("DeleteExpired/RemovesThoseExpiredAtOrBeforeTheTime", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		cutoff := at(30 * 24 * time.Hour)
		var keep []string
		for _, exp := range []time.Duration{-time.Hour, -time.Millisecond, 0, time.Millisecond, time.Hour, -1} {
			a := newAnnouncement(at(0))
			if exp == -1 {
				a.ExpiresAt = time.Time{} // never expires
			} else {
				a.ExpiresAt = cutoff.Add(exp)
			}
			a = targeted(a, newAddress())
			mustInsertAnnouncement(ctx, t, st, a)
			if exp == -1 || exp > 0 {
				keep = append(keep, a.ID)
			}
		}
		n, err := st.Announcements().DeleteExpired(ctx, cutoff)
		require.NoError(t, err)
		require.Equal(t, 3, n, "DeleteExpired must report the announcements expired at or before the time")
		got, err := st.Announcements().List(ctx)
		require.NoError(t, err)
		require.ElementsMatch(t, keep, announcementIDs(got), "DeleteExpired must keep the unexpired and those without expiry")
	})

	t.Run("RemoveRecipient/RemovesTheIdentityEverywhereAndKeepsTargeted", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		gone, other := newAddress(), newAddress()
		shared := mustInsertAnnouncement(ctx, t, st, targeted(newAnnouncement(at(0)), other, gone))
		only := mustInsertAnnouncement(ctx, t, st, targeted(newAnnouncement(at(time.Minute)), gone))
		untouched := mustInsertAnnouncement(ctx, t, st, targeted(newAnnouncement(at(2*time.Minute)), other))
		n, err := st.Announcements().RemoveRecipient(ctx, gone)
		require.NoError(t, err)
		require.Equal(t, 2, n, "RemoveRecipient must report from how many announcements it removed the identity")
		got, err := st.Announcements().Get(ctx, shared.ID)
		require.NoError(t, err)
		require.Equal(t, []string{other}, got.Recipients, "the other recipients must stay")
		got, err = st.Announcements().Get(ctx, only.ID)
		require.NoError(t, err)
		require.True(t, got.Targeted, "an announcement whose last recipient is removed must stay targeted")
		require.Empty(t, got.Recipients)
		got, err = st.Announcements().Get(ctx, untouched.ID)
		require.NoError(t, err)
		require.Equal(t, untouched, got)
		list, err := st.Announcements().ListForRecipient(ctx, newAddress())
		require.NoError(t, err)
		require.Empty(t, list, "an announcement left without recipients must reach nobody, not everybody")
		list, err = st.Announcements().ListForRecipient(ctx, gone)
		require.NoError(t, err)
		require.Empty(t, list, "the removed identity must no longer see the announcements")
	})

	t.Run("Insert/InsideARolledBackTransactionLeavesNothing", func(t *testing.T) {
		t.Parallel()
		ctx, st := newStore(t, newHarness)
		a := targeted(newAnnouncement(at(0)), newAddress())
		errRollback := context.Canceled
		err := st.InTx(ctx, func(tx driver.Tx) error {
			require.NoError(t, tx.Announcements().Insert(ctx, a))
			return errRollback
		})
		require.ErrorIs(t, err, errRollback)
		_, err = st.Announcements().Get(ctx, a.ID)
		require.ErrorIs(t, err, driver.ErrNotFound, "an Insert in a rolled-back transaction must leave nothing")
	})
}
