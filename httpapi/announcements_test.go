package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newAnnouncementBody is a visible announcement in English and German with
// one action; change it per test.
func newAnnouncementBody() map[string]any {
	return map[string]any{
		"severity": "High", "isSilent": false, "expiresAt": "2040-01-02T03:04:05.678Z",
		"texts": []any{
			map[string]any{"language": "en", "title": "Maintenance", "body": "Down on Sunday."},
			map[string]any{"language": "de", "title": "Wartung", "body": "Am Sonntag nicht erreichbar."},
		},
		"actions": []any{
			map[string]any{"displayName": map[string]any{"en": "Details", "de": "Mehr dazu"}, "link": "https://example.org/d"},
			map[string]any{"displayName": map[string]any{"en": "Status"}, "link": "https://status.example.org"},
		},
	}
}

func TestAdminAnnouncements(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		a := s.createIdentity()
		body := newAnnouncementBody()
		body["recipients"] = []string{a.Address}
		r := s.admin("POST", "/api/v1/Announcements", body)
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Raw)
		created := r.result()
		id, _ := created["id"].(string)
		assert.Regexp(t, `^ANC[A-Za-z0-9]{17}$`, id)
		assert.Regexp(t, wireTime, created["createdAt"])
		assert.Equal(t, "2040-01-02T03:04:05.678Z", created["expiresAt"])
		assert.Equal(t, "High", created["severity"])
		assert.Equal(t, false, created["isSilent"])
		assert.Nil(t, created["iqlQuery"])
		assert.Contains(t, created, "iqlQuery")
		assert.Equal(t, []any{a.Address}, created["recipients"])
		assert.Equal(t, body["texts"], created["texts"])
		assert.Equal(t, body["actions"], created["actions"])

		r = s.admin("GET", "/api/v1/Announcements/"+id, nil)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Raw)
		assert.Equal(t, created, r.result())

		silent := newAnnouncementBody()
		silent["isSilent"], silent["iqlQuery"], silent["severity"] = true, "#Street", 0
		delete(silent, "expiresAt")
		r = s.admin("POST", "/api/v1/Announcements", silent)
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Raw)
		assert.Equal(t, "Low", r.result()["severity"], "severity may be sent as a number")
		assert.Equal(t, "#Street", r.result()["iqlQuery"])
		assert.Nil(t, r.result()["expiresAt"])
		assert.Equal(t, []any{}, r.result()["recipients"])
		second := r.result()["id"]

		r = s.admin("GET", "/api/v1/Announcements", nil)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Raw)
		list, _ := r.JSON["result"].([]any)
		require.Len(t, list, 2)
		assert.Equal(t, id, list[0].(map[string]any)["id"])
		assert.Equal(t, second, list[1].(map[string]any)["id"])
		assert.NotContains(t, r.JSON, "pagination")

		r = s.admin("DELETE", "/api/v1/Announcements/"+id, nil)
		require.Equal(t, http.StatusNoContent, r.Status, "%s", r.Raw)
		assert.Empty(t, r.Raw)
		expectError(t, s.admin("GET", "/api/v1/Announcements/"+id, nil), http.StatusNotFound, "error.platform.recordNotFound")
		expectError(t, s.admin("DELETE", "/api/v1/Announcements/"+id, nil), http.StatusNotFound, "error.platform.recordNotFound")
		expectError(t, s.admin("GET", "/api/v1/Announcements/XYZ", nil), http.StatusBadRequest, "error.platform.validation.invalidPropertyValue")

		// Operators only: the key is checked; the XSRF pair for writes.
		assert.Equal(t, http.StatusUnauthorized, s.do("GET", "/api/v1/Announcements", "", nil).Status)
		assert.Equal(t, http.StatusUnauthorized, s.do("GET", "/api/v1/Announcements", a.Token, nil).Status)
		r = s.do("POST", "/api/v1/Announcements", "", newAnnouncementBody(), "X-API-KEY", testAdminKey)
		assert.Equal(t, http.StatusBadRequest, r.Status, "a write without the XSRF pair: %s", r.Raw)
	})
}

func TestAdminAnnouncementValidation(t *testing.T) {
	s := newServer(t, "sqlite")
	for name, tc := range map[string]struct {
		change func(map[string]any)
		code   string
	}{
		"NoEnglishText": {func(b map[string]any) { b["texts"] = b["texts"].([]any)[1:] }, "error.platform.validation.invalidPropertyValue"},
		"IqlQueryOnVisible": {func(b map[string]any) { b["iqlQuery"] = "#Street" },
			"error.platform.validation.nonSilentAnnouncementCannotHaveIqlQuery"},
		"IqlQueryTooLong": {func(b map[string]any) { b["isSilent"], b["iqlQuery"] = true, strings.Repeat("q", 1001) },
			"error.platform.validation.invalidIqlQueryLengthForAnnouncement"},
		"ActionNameLanguage": {func(b map[string]any) {
			b["actions"] = []any{map[string]any{"displayName": map[string]any{"en": "A", "qq": "B"}, "link": "https://x.org"}}
		}, "error.platform.validation.invalidAnnouncementLanguage"},
		"ActionNameLineBreak": {func(b map[string]any) {
			b["actions"] = []any{map[string]any{"displayName": map[string]any{"en": "A\r\nB"}, "link": "https://x.org"}}
		}, "error.platform.validation.invalidPropertyValue"},
		"RecipientNoAddress": {func(b map[string]any) { b["recipients"] = []string{"nobody"} }, "error.platform.validation.invalidPropertyValue"},
		"MissingSeverity":    {func(b map[string]any) { delete(b, "severity") }, "error.platform.inputCannotBeParsed"},
		"UnknownSeverity":    {func(b map[string]any) { b["severity"] = "Critical" }, "error.platform.inputCannotBeParsed"},
		"MissingIsSilent":    {func(b map[string]any) { delete(b, "isSilent") }, "error.platform.inputCannotBeParsed"},
		"MissingTexts":       {func(b map[string]any) { delete(b, "texts") }, "error.platform.inputCannotBeParsed"},
		"TextWithoutTitle":   {func(b map[string]any) { delete(b["texts"].([]any)[0].(map[string]any), "title") }, "error.platform.inputCannotBeParsed"},
		"ActionWithoutLink":  {func(b map[string]any) { delete(b["actions"].([]any)[0].(map[string]any), "link") }, "error.platform.inputCannotBeParsed"},
		"ExpiresAtYearZero":  {func(b map[string]any) { b["expiresAt"] = "0000-06-01T00:00:00Z" }, "error.platform.validation.invalidPropertyValue"},
		"ExpiresAtNoTime":    {func(b map[string]any) { b["expiresAt"] = "soon" }, "error.platform.inputCannotBeParsed"},
	} {
		t.Run(name, func(t *testing.T) {
			b := newAnnouncementBody()
			tc.change(b)
			expectError(t, s.admin("POST", "/api/v1/Announcements", b), http.StatusBadRequest, tc.code)
		})
	}
	r := s.admin("GET", "/api/v1/Announcements", nil)
	require.Equal(t, http.StatusOK, r.Status)
	assert.Equal(t, []any{}, r.JSON["result"], "refused announcements store nothing")
	r = s.admin("POST", "/api/v1/Announcements", `{"severity":`)
	expectError(t, r, http.StatusBadRequest, "error.platform.inputCannotBeParsed")
}

func TestConsumerAnnouncements(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		a, b := s.createIdentity(), s.createIdentity()
		global := s.admin("POST", "/api/v1/Announcements", newAnnouncementBody()).result()["id"]
		forB := newAnnouncementBody()
		forB["recipients"] = []string{b.Address}
		s.admin("POST", "/api/v1/Announcements", forB)
		forA := newAnnouncementBody()
		forA["recipients"], forA["isSilent"], forA["iqlQuery"] = []string{a.Address}, true, "#Street"
		delete(forA, "expiresAt")
		mine := s.admin("POST", "/api/v1/Announcements", forA).result()["id"]

		r := s.do("GET", "/api/v2/Announcements?language=de", a.Token, nil)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Raw)
		list, _ := r.JSON["result"].([]any)
		require.Len(t, list, 2, "the global one and A's, not B's: %s", r.Raw)
		first, second := list[0].(map[string]any), list[1].(map[string]any)
		assert.Equal(t, map[string]any{
			"id": global, "createdAt": first["createdAt"], "expiresAt": "2040-01-02T03:04:05.678Z", "severity": "High",
			"title": "Wartung", "body": "Am Sonntag nicht erreichbar.", "iqlQuery": nil,
			"actions": []any{
				map[string]any{"displayName": "Mehr dazu", "link": "https://example.org/d", "iqlQuery": nil},
				map[string]any{"displayName": "Status", "link": "https://status.example.org", "iqlQuery": nil},
			},
		}, first)
		assert.Regexp(t, wireTime, first["createdAt"])
		assert.Equal(t, mine, second["id"])
		assert.Equal(t, "#Street", second["iqlQuery"])
		assert.Nil(t, second["expiresAt"])
		assert.Contains(t, second, "expiresAt")

		r = s.do("GET", "/api/v2/announcements?language=fr", a.Token, nil)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Raw)
		first = r.JSON["result"].([]any)[0].(map[string]any)
		assert.Equal(t, "Maintenance", first["title"], "no French text: English")
		assert.Equal(t, "Details", first["actions"].([]any)[0].(map[string]any)["displayName"])

		expectError(t, s.do("GET", "/api/v2/Announcements", a.Token, nil), http.StatusBadRequest, "error.platform.inputCannotBeParsed")
		expectError(t, s.do("GET", "/api/v2/Announcements?language=", a.Token, nil), http.StatusBadRequest, "error.platform.inputCannotBeParsed")
		expectError(t, s.do("GET", "/api/v2/Announcements?language=xx", a.Token, nil), http.StatusBadRequest, "error.platform.validation.invalidPropertyValue")
		expectError(t, s.do("GET", "/api/v2/Announcements?language=eng", a.Token, nil), http.StatusBadRequest, "error.platform.validation.invalidPropertyValue")
		assert.Equal(t, http.StatusUnauthorized, s.do("GET", "/api/v2/Announcements?language=en", "", nil).Status)
	})
}

// Publishing a visible announcement pushes NewAnnouncement to the devices
// it is for; here through a server-sent event stream.
func TestAnnouncementReachesDevices(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		a, b := s.createIdentity(), s.createIdentity()
		stA, stB := s.openStream(a.Token), s.openStream(b.Token)
		require.Equal(t, "ConnectionOpened", stA.next(t))
		require.Equal(t, "ConnectionOpened", stB.next(t))

		forB := newAnnouncementBody()
		forB["recipients"] = []string{b.Address}
		require.Equal(t, http.StatusCreated, s.admin("POST", "/api/v1/Announcements", forB).Status)
		assert.Equal(t, "NewAnnouncement", stB.next(t))

		silent := newAnnouncementBody()
		silent["isSilent"] = true
		require.Equal(t, http.StatusCreated, s.admin("POST", "/api/v1/Announcements", silent).Status)
		require.Equal(t, http.StatusCreated, s.admin("POST", "/api/v1/Announcements", newAnnouncementBody()).Status)
		assert.Equal(t, "NewAnnouncement", stA.next(t), "a global announcement reaches A; the one for B and the silent one do not")
		assert.Equal(t, "NewAnnouncement", stB.next(t))
		r := s.do("POST", "/api/v2/Devices/Self/PushNotifications/SendTestNotification", a.Token, `{}`)
		require.Equal(t, http.StatusNoContent, r.Status)
		assert.Equal(t, "Test", stA.next(t), "nothing else reached A before the test notification")
	})
}
