package fcmpush_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/openbackbone/openbackbone/adapters/fcmpush"
	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/conformance/pushtest"
)

// TestConformance runs the push suite against the provider talking to the
// fake Google of fake_test.go. The fake answers all sends with one handler
// that cannot see the registration token (it read the body), but it can see
// the project: so each behaviour is an app of its own, with a service
// account of its own project, and the handler answers by project.
func TestConformance(t *testing.T) {
	pushtest.RunConformanceTests(t, func(ctx context.Context, t *testing.T) (pushtest.Harness, error) {
		clock := newTestClock()
		h := &harness{fake: newFakeGoogle(t, clock), clock: clock, accounts: map[string]string{}, apps: map[string]string{}}
		for i, b := range behaviours {
			project := "conformance-" + b.name
			a := testAccount{
				project: project,
				email:   "push@" + project + ".iam.gserviceaccount.com",
				keyID:   fmt.Sprintf("%040x", 100+i),
				key:     testKeys()[0],
			}
			h.fake.accounts[a.keyID] = a
			h.accounts[b.name] = a.keyJSON(t, h.fake.tokenURI())
			h.apps[appOf(b.behaviour)] = b.name
		}
		h.fake.set(func(f *fakeGoogle) { f.sendReply = h.reply })
		return h, nil
	})
}

// behaviours are the pushtest behaviours the fake can play, by the name of
// their project.
var behaviours = []struct {
	name      string
	behaviour pushtest.Behaviour
}{
	{"accept", pushtest.Accept},
	{"dead", pushtest.Dead},
	{"transient", pushtest.Transient},
	{"retry", pushtest.RetryAfter},
	{"refuse", pushtest.Refuse},
	{"stall", pushtest.Stall},
}

func appOf(b pushtest.Behaviour) string { return "eu.enmeshed.conformance." + b.String() }

type harness struct {
	fake     *fakeGoogle
	clock    *testClock
	accounts map[string]string // service account key files by name
	apps     map[string]string // account name by app ID

	mu    sync.Mutex
	after time.Duration // what the "retry" project asks for
}

func (h *harness) MakePush(context.Context) (driver.Push, error) {
	return fcmpush.New(fcmpush.Config{
		ServiceAccounts: h.accounts,
		Apps:            h.apps,
		BaseURL:         h.fake.srv.URL,
		HTTPClient:      h.fake.srv.Client(),
		Now:             h.clock.Now,
	})
}

// reply answers a send after the fake checked and recorded it.
func (h *harness) reply(w http.ResponseWriter, r *http.Request) {
	switch r.PathValue("project") {
	case "conformance-accept":
		writeJSON(w, http.StatusOK, map[string]string{"name": "projects/conformance-accept/messages/0:1"})
	case "conformance-dead":
		fcmError(w, http.StatusNotFound, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found.")
	case "conformance-transient":
		fcmError(w, http.StatusInternalServerError, "INTERNAL", "INTERNAL", "Internal error encountered.")
	case "conformance-retry":
		h.mu.Lock()
		after := h.after
		h.mu.Unlock()
		w.Header().Set("Retry-After", strconv.Itoa(int(after.Seconds())))
		fcmError(w, http.StatusTooManyRequests, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", "Quota exceeded.")
	case "conformance-refuse":
		fcmError(w, http.StatusForbidden, "PERMISSION_DENIED", "", "The caller does not have permission.")
	case "conformance-stall":
		<-r.Context().Done() // until the client gives up
	default:
		fcmError(w, http.StatusForbidden, "PERMISSION_DENIED", "", "unknown project")
	}
}

func (h *harness) TargetThat(_ context.Context, r pushtest.Reply) (driver.PushTarget, error) {
	// FCM registration tokens are long opaque strings.
	tg := pushtest.NewTarget(appOf(r.Behaviour), "fcm:"+pushtest.RandomHex(40))
	if _, ok := h.apps[tg.AppID]; !ok {
		return tg, fmt.Errorf("fake Google: behaviour %v: %w", r.Behaviour, pushtest.ErrNotSupported)
	}
	if r.Behaviour == pushtest.RetryAfter {
		h.mu.Lock()
		h.after = r.After
		h.mu.Unlock()
	}
	return tg, nil
}

func (h *harness) Received(_ context.Context, tg driver.PushTarget) ([]pushtest.Received, error) {
	var out []pushtest.Received
	for _, s := range h.fake.Sends() {
		var m struct {
			Token        string `json:"token"`
			Notification struct {
				Title string `json:"title"`
				Body  string `json:"body"`
			} `json:"notification"`
			Data    map[string]string `json:"data"`
			Android struct {
				CollapseKey string `json:"collapse_key"`
			} `json:"android"`
		}
		if err := json.Unmarshal(s.Message, &m); err != nil {
			return nil, fmt.Errorf("fake Google received an undecodable message %s: %v", s.Message, err)
		}
		if m.Token != tg.Handle {
			continue
		}
		got := pushtest.Received{
			Title:      m.Notification.Title,
			Body:       m.Notification.Body,
			CollapseID: m.Android.CollapseKey,
		}
		// The event name travels inside the content, as the app reads it.
		if c, ok := m.Data["content"]; ok {
			got.Content = []byte(c)
			var ev struct {
				EventName string `json:"eventName"`
			}
			if err := json.Unmarshal(got.Content, &ev); err != nil {
				return nil, fmt.Errorf("fake Google received undecodable content %s: %v", c, err)
			}
			got.EventName = ev.EventName
		}
		out = append(out, got)
	}
	return out, nil
}

func (h *harness) Carries() pushtest.Fields { return pushtest.AllFields }

func (h *harness) UnconfiguredApp() (string, error) { return "com.example.unconfigured", nil }

func (h *harness) Close() {}
