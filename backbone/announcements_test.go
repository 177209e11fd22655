package backbone_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/internal/backbonetest"
)

// validAnnouncement is a non-silent announcement in English and German
// with one action, for everyone.
func validAnnouncement() backbone.NewAnnouncement {
	return backbone.NewAnnouncement{
		Severity: backbone.AnnouncementMedium,
		Texts: []backbone.AnnouncementText{
			{Language: "en", Title: "Maintenance", Body: "Down on Sunday."},
			{Language: "de", Title: "Wartung", Body: "Am Sonntag nicht erreichbar."},
		},
		Actions: []backbone.AnnouncementAction{
			{DisplayName: map[string]string{"en": "Details", "de": "Mehr dazu"}, Link: "https://example.org/details"},
			{DisplayName: map[string]string{"en": "Status"}, Link: "https://status.example.org"},
		},
	}
}

func TestAnnouncementCreationRules(t *testing.T) {
	env := backbonetest.New(t, "sqlite", nil)
	ctx := t.Context()
	tooMany := make([]string, 101)
	for i := range tooMany {
		tooMany[i] = backbone.AddressFromPublicKey([]byte(fmt.Sprint("key ", i)), "localhost")
	}
	for name, tc := range map[string]struct {
		change func(*backbone.NewAnnouncement)
		code   string
	}{
		"NoEnglishText":   {func(a *backbone.NewAnnouncement) { a.Texts = a.Texts[1:] }, backbone.CodeInvalidPropertyValue},
		"NoTexts":         {func(a *backbone.NewAnnouncement) { a.Texts = nil }, backbone.CodeInvalidPropertyValue},
		"UnknownSeverity": {func(a *backbone.NewAnnouncement) { a.Severity = "Critical" }, backbone.CodeInvalidPropertyValue},
		"TextLanguageNotISO": {func(a *backbone.NewAnnouncement) {
			a.Texts = append(a.Texts, backbone.AnnouncementText{Language: "xx", Title: "t", Body: "b"})
		}, backbone.CodeInvalidPropertyValue},
		"TwoTextsInOneLanguage": {func(a *backbone.NewAnnouncement) {
			a.Texts = append(a.Texts, backbone.AnnouncementText{Language: "de", Title: "t", Body: "b"})
		}, backbone.CodeInvalidPropertyValue},
		"EmptyTitle":               {func(a *backbone.NewAnnouncement) { a.Texts[0].Title = " " }, backbone.CodeInvalidPropertyValue},
		"EmptyBody":                {func(a *backbone.NewAnnouncement) { a.Texts[1].Body = "" }, backbone.CodeInvalidPropertyValue},
		"TooManyRecipients":        {func(a *backbone.NewAnnouncement) { a.Recipients = tooMany }, backbone.CodeInvalidPropertyValue},
		"RecipientNoAddress":       {func(a *backbone.NewAnnouncement) { a.Recipients = []string{"not-an-address"} }, backbone.CodeInvalidPropertyValue},
		"ActionWithoutEnglish":     {func(a *backbone.NewAnnouncement) { a.Actions[0].DisplayName = map[string]string{"de": "Mehr"} }, backbone.CodeInvalidPropertyValue},
		"ActionNameEmpty":          {func(a *backbone.NewAnnouncement) { a.Actions[0].DisplayName["de"] = "" }, backbone.CodeInvalidPropertyValue},
		"ActionNameTooLong":        {func(a *backbone.NewAnnouncement) { a.Actions[0].DisplayName["en"] = strings.Repeat("ä", 31) }, backbone.CodeInvalidPropertyValue},
		"ActionNameLineBreak":      {func(a *backbone.NewAnnouncement) { a.Actions[0].DisplayName["en"] = "Read\nmore" }, backbone.CodeInvalidPropertyValue},
		"ActionLinkEmpty":          {func(a *backbone.NewAnnouncement) { a.Actions[1].Link = "" }, backbone.CodeInvalidPropertyValue},
		"ActionLinkTooLong":        {func(a *backbone.NewAnnouncement) { a.Actions[1].Link = "https://x.org/" + strings.Repeat("a", 287) }, backbone.CodeInvalidPropertyValue},
		"ActionNameLanguageNotISO": {func(a *backbone.NewAnnouncement) { a.Actions[0].DisplayName["zz"] = "Zed" }, backbone.CodeInvalidAnnouncementLanguage},
		"ExpiresAtBeforeYear1": {func(a *backbone.NewAnnouncement) {
			e := time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC)
			a.ExpiresAt = &e
		}, backbone.CodeInvalidPropertyValue},
		"ExpiresAtZero":     {func(a *backbone.NewAnnouncement) { a.ExpiresAt = &time.Time{} }, backbone.CodeInvalidPropertyValue},
		"IqlQueryOnVisible": {func(a *backbone.NewAnnouncement) { a.IqlQuery = "#Street" }, backbone.CodeNonSilentAnnouncementCannotHaveIqlQuery},
		"IqlQueryTooLong": {func(a *backbone.NewAnnouncement) {
			a.IsSilent, a.IqlQuery = true, strings.Repeat("q", 1001)
		}, backbone.CodeInvalidIqlQueryLengthForAnnouncement},
	} {
		t.Run(name, func(t *testing.T) {
			req := validAnnouncement()
			tc.change(&req)
			_, err := env.Backbone.Announcements.Create(ctx, req)
			require.Error(t, err)
			assert.Equal(t, backbone.KindInvalid, backbone.AsError(err).Kind)
			assert.Equal(t, tc.code, backbone.AsError(err).Code, backbone.AsError(err).Message)
		})
	}
	all, err := env.Backbone.Announcements.List(ctx)
	require.NoError(t, err)
	assert.Empty(t, all, "refused announcements store nothing")

	t.Run("LimitsAreInclusive", func(t *testing.T) {
		req := validAnnouncement()
		req.IsSilent, req.IqlQuery = true, strings.Repeat("q", 1000)
		req.Recipients = tooMany[:100]
		req.Actions[0].DisplayName["en"] = strings.Repeat("ä", 30)
		req.Actions[1].Link = "https://x.org/" + strings.Repeat("a", 286)
		a, err := env.Backbone.Announcements.Create(ctx, req)
		require.NoError(t, err)
		assert.Len(t, a.Recipients, 100)
	})
}

func TestAnnouncementsAdminAndDeviceViews(t *testing.T) {
	for _, store := range backbonetest.Stores() {
		t.Run(store, func(t *testing.T) {
			env := backbonetest.New(t, store, nil)
			ctx := t.Context()
			me, other := env.CreateAccount(t).Caller, env.CreateAccount(t).Caller

			req := validAnnouncement()
			exp := time.Date(2040, 1, 2, 3, 4, 5, 678_900_000, time.UTC)
			req.ExpiresAt = &exp
			global, err := env.Backbone.Announcements.Create(ctx, req)
			require.NoError(t, err)
			assert.Regexp(t, `^`+backbone.PrefixAnnouncement+`[A-Za-z0-9]{17}$`, global.ID)
			assert.Equal(t, exp.Truncate(time.Millisecond), global.ExpiresAt)
			assert.Empty(t, global.Recipients)

			req = validAnnouncement()
			req.Severity, req.IsSilent, req.IqlQuery = backbone.AnnouncementHigh, true, "#Street"
			req.Recipients = []string{me.Address, me.Address}
			mine, err := env.Backbone.Announcements.Create(ctx, req)
			require.NoError(t, err)
			assert.Equal(t, []string{me.Address}, mine.Recipients, "a recipient given twice is kept once")

			req = validAnnouncement()
			req.Recipients = []string{other.Address}
			others, err := env.Backbone.Announcements.Create(ctx, req)
			require.NoError(t, err)

			got, err := env.Backbone.Announcements.Get(ctx, mine.ID)
			require.NoError(t, err)
			assert.Equal(t, mine, got, "Get returns the announcement as created")
			all, err := env.Backbone.Announcements.List(ctx)
			require.NoError(t, err)
			assert.Equal(t, []backbone.Announcement{global, mine, others}, all)

			list, err := env.Backbone.Announcements.ListForCaller(ctx, me, "de")
			require.NoError(t, err)
			require.Len(t, list, 2, "the global one and mine, not the other's")
			assert.Equal(t, global.ID, list[0].ID)
			assert.Equal(t, "Wartung", list[0].Title)
			assert.Equal(t, []backbone.LocalizedAnnouncementAction{
				{DisplayName: "Mehr dazu", Link: "https://example.org/details"},
				{DisplayName: "Status", Link: "https://status.example.org"}, // no German label: English
			}, list[0].Actions)
			require.NotNil(t, list[0].ExpiresAt)
			assert.Equal(t, global.ExpiresAt, *list[0].ExpiresAt)
			assert.Equal(t, mine.ID, list[1].ID)
			assert.Equal(t, "#Street", list[1].IqlQuery)
			assert.Nil(t, list[1].ExpiresAt)

			list, err = env.Backbone.Announcements.ListForCaller(ctx, other, "fr")
			require.NoError(t, err)
			require.Len(t, list, 2)
			assert.Equal(t, []string{global.ID, others.ID}, []string{list[0].ID, list[1].ID})
			assert.Equal(t, "Maintenance", list[0].Title, "no French text: English")
			assert.Equal(t, "Down on Sunday.", list[0].Body)

			_, err = env.Backbone.Announcements.ListForCaller(ctx, me, "xx")
			assert.Equal(t, backbone.CodeInvalidPropertyValue, backbone.AsError(err).Code)

			require.NoError(t, env.Backbone.Announcements.Delete(ctx, global.ID))
			_, err = env.Backbone.Announcements.Get(ctx, global.ID)
			assert.Equal(t, backbone.KindNotFound, backbone.AsError(err).Kind)
			assert.Equal(t, backbone.KindNotFound, backbone.AsError(env.Backbone.Announcements.Delete(ctx, global.ID)).Kind)
			assert.Equal(t, backbone.KindInvalid, backbone.AsError(env.Backbone.Announcements.Delete(ctx, "TOK1234")).Kind)
			_, err = env.Backbone.Announcements.Get(ctx, "ANC!")
			assert.Equal(t, backbone.KindInvalid, backbone.AsError(err).Kind)
			list, err = env.Backbone.Announcements.ListForCaller(ctx, me, "en")
			require.NoError(t, err)
			assert.Equal(t, []string{mine.ID}, []string{list[0].ID}, "a deleted announcement is no longer shown")
		})
	}
}

func TestAnnouncementHousekeepingAndDeletedRecipients(t *testing.T) {
	for _, store := range backbonetest.Stores() {
		t.Run(store, func(t *testing.T) {
			env := backbonetest.New(t, store, nil)
			ctx := t.Context()
			gone, stays := env.CreateAccount(t).Caller, env.CreateAccount(t).Caller
			now := env.Clock.Now()
			expired := func(ago time.Duration) string {
				req := validAnnouncement()
				exp := now.Add(-ago)
				req.ExpiresAt = &exp
				a, err := env.Backbone.Announcements.Create(ctx, req)
				require.NoError(t, err)
				return a.ID
			}
			old := expired(31 * 24 * time.Hour)
			recent := expired(29 * 24 * time.Hour)
			never, err := env.Backbone.Announcements.Create(ctx, validAnnouncement())
			require.NoError(t, err)
			n, err := env.Backbone.Announcements.Housekeep(ctx)
			require.NoError(t, err)
			assert.Equal(t, 1, n)
			all, err := env.Backbone.Announcements.List(ctx)
			require.NoError(t, err)
			ids := []string{}
			for _, a := range all {
				ids = append(ids, a.ID)
			}
			assert.NotContains(t, ids, old, "expired 31 days ago: removed")
			assert.Equal(t, []string{recent, never.ID}, ids, "expired 29 days ago and unexpiring: kept")

			req := validAnnouncement()
			req.Recipients = []string{gone.Address}
			onlyGone, err := env.Backbone.Announcements.Create(ctx, req)
			require.NoError(t, err)
			req.Recipients = []string{stays.Address, gone.Address}
			both, err := env.Backbone.Announcements.Create(ctx, req)
			require.NoError(t, err)
			n, err = backbone.RemoveAnnouncementRecipientForTest(ctx, env.Backbone, gone.Address)
			require.NoError(t, err)
			assert.Equal(t, 2, n)
			got, err := env.Backbone.Announcements.Get(ctx, both.ID)
			require.NoError(t, err)
			assert.Equal(t, []string{stays.Address}, got.Recipients)
			third := env.CreateAccount(t).Caller
			list, err := env.Backbone.Announcements.ListForCaller(ctx, third, "en")
			require.NoError(t, err)
			for _, a := range list {
				assert.NotEqual(t, onlyGone.ID, a.ID, "an announcement that lost its only recipient must not reach everyone")
			}
		})
	}
}

// A visible announcement reaches its recipients' devices with its own
// texts in each device's language; one for everyone reaches every
// registered device, a page at a time; a silent one reaches nobody.
func TestAnnouncementPushes(t *testing.T) {
	for _, store := range backbonetest.Stores() {
		t.Run(store, func(t *testing.T) {
			defer backbone.SetAllRecipientsPageForTest(2)()
			fcm := &recorder{platform: driver.PlatformFCM}
			env := pushEnv(t, store, nil, fcm)
			ctx := t.Context()
			accA, accB, accC := env.CreateAccount(t), env.CreateAccount(t), env.CreateAccount(t)
			register(t, env, accA.Caller, "fcm", "handle-aaa-1")
			register(t, env, deviceIn(t, env, accA, "de"), "fcm", "handle-aaa-2")
			register(t, env, accB.Caller, "fcm", "handle-bbb-1")
			register(t, env, deviceIn(t, env, accB, "fr"), "fcm", "handle-aaa-1") // one app, two identities
			register(t, env, accC.Caller, "fcm", "handle-ccc-1")

			byAnnouncement := func(id string) map[string]sent {
				out := map[string]sent{}
				for _, s := range fcm.sent() {
					var c struct {
						EventName string `json:"eventName"`
						Payload   struct {
							AnnouncementID string `json:"announcementId"`
						} `json:"payload"`
					}
					require.NoError(t, json.Unmarshal(s.n.Content, &c))
					if c.Payload.AnnouncementID == id {
						assert.Equal(t, "NewAnnouncement", c.EventName)
						assert.Equal(t, "NewAnnouncement", s.n.EventName)
						_, dup := out[s.target.Handle]
						assert.False(t, dup, "one push per handle: %s", s.target.Handle)
						out[s.target.Handle] = s
					}
				}
				return out
			}

			req := validAnnouncement()
			req.IsSilent = true
			silent, err := env.Backbone.Announcements.Create(ctx, req)
			require.NoError(t, err)

			req = validAnnouncement()
			req.Recipients = []string{accA.Caller.Address}
			targeted, err := env.Backbone.Announcements.Create(ctx, req)
			require.NoError(t, err)
			eventually(t, func() bool { return len(byAnnouncement(targeted.ID)) == 2 }, "both devices of A expected")
			got := byAnnouncement(targeted.ID)
			assert.Equal(t, "Maintenance", got["handle-aaa-1"].n.Title)
			assert.Equal(t, "Wartung", got["handle-aaa-2"].n.Title)
			assert.Equal(t, "Am Sonntag nicht erreichbar.", got["handle-aaa-2"].n.Body)

			global, err := env.Backbone.Announcements.Create(ctx, validAnnouncement())
			require.NoError(t, err)
			eventually(t, func() bool { return len(byAnnouncement(global.ID)) == 4 }, "every distinct handle expected")
			got = byAnnouncement(global.ID)
			for _, h := range []string{"handle-aaa-1", "handle-aaa-2", "handle-bbb-1", "handle-ccc-1"} {
				assert.Contains(t, got, h)
			}
			assert.Empty(t, byAnnouncement(silent.ID), "a silent announcement pushes nothing")
		})
	}
}

// The identity deletion job takes the deleted identity off the recipient
// lists; the housekeeping job removes announcements expired 30 days ago.
func TestDeletionAndHousekeepingJobsCoverAnnouncements(t *testing.T) {
	for _, store := range backbonetest.Stores() {
		t.Run(store, func(t *testing.T) {
			env := backbonetest.New(t, store, nil)
			ctx := t.Context()
			x, y := env.CreateAccount(t).Caller, env.CreateAccount(t).Caller
			req := validAnnouncement()
			req.Recipients = []string{x.Address}
			onlyX, err := env.Backbone.Announcements.Create(ctx, req)
			require.NoError(t, err)
			req.Recipients = []string{y.Address, x.Address}
			both, err := env.Backbone.Announcements.Create(ctx, req)
			require.NoError(t, err)

			zero := 0.0
			_, err = env.Backbone.DeletionProcesses.Start(ctx, x, &zero)
			require.NoError(t, err)
			env.Clock.Advance(time.Second)
			rep, err := env.Backbone.Jobs.ActualDeletion(ctx)
			require.NoError(t, err)
			require.Empty(t, rep.Failures)
			require.Equal(t, 1, rep.Counts["deleted"])
			got, err := env.Backbone.Announcements.Get(ctx, both.ID)
			require.NoError(t, err)
			assert.Equal(t, []string{y.Address}, got.Recipients, "the deleted identity is off the list")
			got, err = env.Backbone.Announcements.Get(ctx, onlyX.ID)
			require.NoError(t, err)
			assert.Empty(t, got.Recipients)
			list, err := env.Backbone.Announcements.ListForCaller(ctx, env.CreateAccount(t).Caller, "en")
			require.NoError(t, err)
			assert.Empty(t, list, "an announcement whose only recipient was deleted reaches nobody")

			req = validAnnouncement()
			exp := env.Clock.Now().Add(time.Hour)
			req.ExpiresAt = &exp
			expiring, err := env.Backbone.Announcements.Create(ctx, req)
			require.NoError(t, err)
			env.Clock.Advance(30*24*time.Hour + 2*time.Hour)
			hk, err := env.Backbone.Jobs.Housekeeping(ctx)
			require.NoError(t, err)
			assert.Equal(t, 1, hk.Counts["announcements"])
			_, err = env.Backbone.Announcements.Get(ctx, expiring.ID)
			assert.Equal(t, backbone.KindNotFound, backbone.AsError(err).Kind, "expired 30 days ago: removed")
			_, err = env.Backbone.Announcements.Get(ctx, both.ID)
			assert.NoError(t, err, "without expiry: kept")
		})
	}
}
