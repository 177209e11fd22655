package httpapi_test

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

func TestPushRegistrationOverHTTP(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		a := s.createIdentity()
		const path = "/api/v2/Devices/Self/PushNotifications"

		for name, tc := range map[string]struct {
			body string
			code string
		}{
			"MalformedJSON":   {`{"platform":`, "error.platform.inputCannotBeParsed"},
			"MissingPlatform": {`{"handle":"0123456789","appId":"a"}`, "error.platform.inputCannotBeParsed"},
			"MissingHandle":   {`{"platform":"dummy","appId":"a"}`, "error.platform.inputCannotBeParsed"},
			"MissingAppID":    {`{"platform":"dummy","handle":"0123456789"}`, "error.platform.inputCannotBeParsed"},
			"WrongType":       {`{"platform":3,"handle":"0123456789","appId":"a"}`, "error.platform.inputCannotBeParsed"},
			"UpperCase":       {`{"platform":"Dummy","handle":"0123456789","appId":"a"}`, "error.platform.validation.invalidPropertyValue"},
			"ShortHandle":     {`{"platform":"dummy","handle":"012345678","appId":"a"}`, "error.platform.validation.invalidPropertyValue"},
			"NoFCMProvider":   {`{"platform":"fcm","handle":"0123456789","appId":"a"}`, "error.platform.unsupportedAppId"},
			"BadEnvironment":  {`{"platform":"dummy","handle":"0123456789","appId":"a","environment":"Moon"}`, "error.platform.validation.invalidPropertyValue"},
		} {
			t.Run(name, func(t *testing.T) {
				expectError(t, s.do("PUT", path, a.Token, tc.body), http.StatusBadRequest, tc.code)
			})
		}
		_, err := s.env.Store.PushRegistrations().Get(context.Background(), a.DeviceID)
		require.ErrorIs(t, err, driver.ErrNotFound, "nothing stored by refused requests")

		r := s.do("PUT", path, a.Token, `{"Platform":"dummy","Handle":"0123456789","AppId":"eu.enmeshed.app","Environment":"Development"}`)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Raw)
		dpi, _ := r.result()["devicePushIdentifier"].(string)
		assert.Regexp(t, `^DPI[A-Za-z0-9]{17}$`, dpi)
		r = s.do("PUT", path, a.Token, map[string]any{"platform": "sse", "handle": "another-handle", "appId": "x"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Raw)
		assert.Equal(t, dpi, r.result()["devicePushIdentifier"], "the identifier stays")

		for range 2 { // idempotent
			r = s.do("DELETE", path, a.Token, nil)
			assert.Equal(t, http.StatusNoContent, r.Status, "%s", r.Raw)
			assert.Empty(t, r.Raw)
		}
		_, err = s.env.Store.PushRegistrations().Get(context.Background(), a.DeviceID)
		assert.ErrorIs(t, err, driver.ErrNotFound)
	})
}

func TestTestNotificationAndNotificationsOverHTTP(t *testing.T) {
	s := newServer(t, "sqlite")
	a, b := s.createIdentity(), s.createIdentity()
	const test = "/api/v2/Devices/Self/PushNotifications/SendTestNotification"
	for _, body := range []string{`null`, `{"a":`} {
		r := s.do("POST", test, a.Token, body)
		assert.Equal(t, http.StatusBadRequest, r.Status, "%q: %s", body, r.Raw)
		assert.NotEmpty(t, r.errorCode())
	}
	for _, body := range []string{`{"hello":"world"}`, `"text"`, `[1,2]`, `0`} {
		r := s.do("POST", test, a.Token, body)
		assert.Equal(t, http.StatusNoContent, r.Status, "%q: %s", body, r.Raw)
	}

	expectError(t, s.do("POST", "/api/v2/Notifications", a.Token, map[string]any{"recipients": []string{b.Address}, "code": "Nope"}),
		http.StatusBadRequest, "error.platform.validation.notification.codeDoesNotExist")
	expectError(t, s.do("POST", "/api/v2/Notifications", a.Token, map[string]any{"recipients": []string{b.Address}, "code": "TestCode"}),
		http.StatusBadRequest, "error.platform.validation.notification.noRelationshipToOneOrMoreRecipientsExists")
	expectError(t, s.do("POST", "/api/v2/Notifications", a.Token, map[string]any{"recipients": []string{"x"}, "code": "TestCode"}),
		http.StatusBadRequest, "error.platform.validation.invalidPropertyValue")
	expectError(t, s.do("POST", "/api/v2/Notifications", a.Token, map[string]any{"recipients": []string{b.Address}}),
		http.StatusBadRequest, "error.platform.inputCannotBeParsed")
	expectError(t, s.do("POST", "/api/v2/Notifications", a.Token, `{"recipients":"not a list","code":"TestCode"}`),
		http.StatusBadRequest, "error.platform.inputCannotBeParsed")
}

// sseStream reads server-sent events of one device.
type sseStream struct {
	events chan string
	cancel context.CancelFunc
	res    *http.Response
}

func (s *server) openStream(token string) *sseStream {
	s.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", s.url+"/api/v2/sse", nil)
	require.NoError(s.t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	require.NoError(s.t, err)
	st := &sseStream{events: make(chan string, 100), cancel: cancel, res: res}
	s.t.Cleanup(st.close)
	go func() {
		defer close(st.events)
		sc := bufio.NewScanner(res.Body)
		var name string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case line == "data: _":
			case line == "" && name != "":
				st.events <- name
				name = ""
			}
		}
	}()
	return st
}

func (st *sseStream) close() { st.cancel(); st.res.Body.Close() }

// next returns the next event other than keep-alive, or "" when none comes
// in time.
func (st *sseStream) next(t *testing.T) string {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case e, ok := <-st.events:
			if !ok {
				return ""
			}
			if e != "keep-alive" {
				return e
			}
		case <-timeout:
			return ""
		}
	}
}

func TestServerSentEvents(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		a, b := s.createIdentity(), s.createIdentity()
		st := s.openStream(a.Token)
		require.Equal(t, http.StatusOK, st.res.StatusCode)
		assert.Equal(t, "text/event-stream", st.res.Header.Get("Content-Type"))
		assert.Equal(t, "no-cache", st.res.Header.Get("Cache-Control"))
		require.Equal(t, "ConnectionOpened", st.next(t))
		reg, err := s.env.Store.PushRegistrations().Get(context.Background(), a.DeviceID)
		require.NoError(t, err, "an open stream registers its device")
		assert.Equal(t, "sse", reg.Platform)

		// b asks a for a relationship: a's device hears of the new event.
		tmpl := s.do("POST", "/api/v2/RelationshipTemplates", a.Token, map[string]any{"content": "AAAA"})
		require.Equal(t, http.StatusCreated, tmpl.Status, "%s", tmpl.Raw)
		rel := s.do("POST", "/api/v2/Relationships", b.Token, map[string]any{"relationshipTemplateId": tmpl.result()["id"], "creationContent": "AAAA"})
		require.Equal(t, http.StatusCreated, rel.Status, "%s", rel.Raw)
		assert.Equal(t, "ExternalEventCreated", st.next(t))

		r := s.do("POST", "/api/v2/Devices/Self/PushNotifications/SendTestNotification", a.Token, `{}`)
		require.Equal(t, http.StatusNoContent, r.Status)
		assert.Equal(t, "Test", st.next(t))

		// Keep-alive events keep idle streams open (every 100 ms here).
		select {
		case e := <-st.events:
			assert.Equal(t, "keep-alive", e)
		case <-time.After(10 * time.Second):
			t.Fatal("no keep-alive event")
		}

		// Two streams of one device each get every event; the end of one
		// leaves the other registered.
		second := s.openStream(a.Token)
		require.Equal(t, "ConnectionOpened", second.next(t))
		require.Equal(t, http.StatusNoContent, s.do("POST", "/api/v2/Devices/Self/PushNotifications/SendTestNotification", a.Token, `{}`).Status)
		assert.Equal(t, "Test", st.next(t))
		assert.Equal(t, "Test", second.next(t))
		second.close()
		require.Eventually(t, func() bool { return s.sse.Streams() == 1 }, 10*time.Second, 10*time.Millisecond)
		require.Equal(t, http.StatusNoContent, s.do("POST", "/api/v2/Devices/Self/PushNotifications/SendTestNotification", a.Token, `{}`).Status)
		assert.Equal(t, "Test", st.next(t), "the first stream still receives")

		// When the last stream ends, the device's registration goes.
		st.close()
		require.Eventually(t, func() bool {
			_, err := s.env.Store.PushRegistrations().Get(context.Background(), a.DeviceID)
			return err != nil
		}, 10*time.Second, 10*time.Millisecond, "the registration of an ended stream is removed")
	})
}

func TestServerSentEventsNeedAToken(t *testing.T) {
	s := newServer(t, "sqlite")
	for _, path := range []string{"/api/v2/sse", "/api/v1/sse"} {
		r := s.do("GET", path, "", nil)
		assert.Equal(t, http.StatusUnauthorized, r.Status, path)
		r = s.do("GET", path, "not-a-token", nil)
		assert.Equal(t, http.StatusUnauthorized, r.Status, path)
	}
}
