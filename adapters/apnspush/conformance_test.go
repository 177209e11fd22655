package apnspush_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/openbackbone/openbackbone/adapters/apnspush"
	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/conformance/pushtest"
)

// TestConformance runs the push suite against the provider talking to the
// fake APNs of fake_test.go, which answers each device token as the rule
// arranges.
func TestConformance(t *testing.T) {
	pushtest.RunConformanceTests(t, func(ctx context.Context, t *testing.T) (pushtest.Harness, error) {
		h := &harness{clock: &testClock{now: t0}, key: newTestKey(t)}
		h.fake = newFakeAPNs(t, h.clock.Now)
		h.fake.trust(teamID, keyID, &h.key.priv.PublicKey)
		return h, nil
	})
}

// harness is one fake APNs (production endpoint) and providers sending to it.
type harness struct {
	clock *testClock
	key   testKey
	fake  *fakeAPNs
}

func (h *harness) MakePush(context.Context) (driver.Push, error) {
	return apnspush.New(apnspush.Config{
		Keys:          map[string]apnspush.Key{"main": {TeamID: teamID, KeyID: keyID, PrivateKey: h.key.pem}},
		Bundles:       map[string]string{bundle: "main"},
		ProductionURL: h.fake.srv.URL,
		// No request goes to the development endpoint: targets are
		// production ones.
		DevelopmentURL: "https://127.0.0.1:1",
		HTTPClient:     trustingClient(h.fake.srv),
		Now:            h.clock.Now,
	})
}

func (h *harness) TargetThat(_ context.Context, r pushtest.Reply) (driver.PushTarget, error) {
	tg := pushtest.NewTarget(bundle, pushtest.RandomHex(32)) // 64 hex digits, as APNs's tokens
	switch r.Behaviour {
	case pushtest.Accept:
	case pushtest.Dead:
		h.fake.setReply(tg.Handle, reply{status: http.StatusGone, reason: "Unregistered", timestamp: t0.UnixMilli()})
	case pushtest.Transient:
		h.fake.setReply(tg.Handle, reply{status: http.StatusInternalServerError, reason: "InternalServerError"})
	case pushtest.RetryAfter:
		h.fake.setReply(tg.Handle, reply{status: http.StatusTooManyRequests, reason: "TooManyRequests",
			header: map[string]string{"Retry-After": strconv.Itoa(int(r.After.Seconds()))}})
	case pushtest.Refuse:
		h.fake.setReply(tg.Handle, reply{status: http.StatusBadRequest, reason: "TopicDisallowed"})
	case pushtest.Stall:
		h.fake.setReply(tg.Handle, reply{hang: true})
	default:
		return tg, fmt.Errorf("fake APNs: behaviour %v: %w", r.Behaviour, pushtest.ErrNotSupported)
	}
	return tg, nil
}

func (h *harness) Received(_ context.Context, tg driver.PushTarget) ([]pushtest.Received, error) {
	var out []pushtest.Received
	for _, rec := range h.fake.received() {
		if rec.device != tg.Handle {
			continue
		}
		var pl struct {
			Content json.RawMessage `json:"content"`
			APS     struct {
				Alert struct {
					Title string `json:"title"`
					Body  string `json:"body"`
				} `json:"alert"`
			} `json:"aps"`
		}
		if err := json.Unmarshal(rec.body, &pl); err != nil {
			return nil, fmt.Errorf("fake APNs received an undecodable payload %s: %v", rec.body, err)
		}
		got := pushtest.Received{
			Content:    pl.Content,
			Title:      pl.APS.Alert.Title,
			Body:       pl.APS.Alert.Body,
			CollapseID: rec.header.Get("apns-collapse-id"),
		}
		// The event name travels inside the content, as the app reads it.
		if len(pl.Content) > 0 {
			var c struct {
				EventName string `json:"eventName"`
			}
			if err := json.Unmarshal(pl.Content, &c); err != nil {
				return nil, fmt.Errorf("fake APNs received undecodable content %s: %v", pl.Content, err)
			}
			got.EventName = c.EventName
		}
		out = append(out, got)
	}
	return out, nil
}

func (h *harness) Carries() pushtest.Fields { return pushtest.AllFields }

func (h *harness) UnconfiguredApp() (string, error) { return "com.example.unconfigured", nil }

func (h *harness) Close() {}
