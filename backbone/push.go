package backbone

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// PushNotifications registers the caller's device for push notifications,
// sends test notifications and holds server-sent-event streams. The pushes
// themselves go out in the background (Backbone.Run): a request that causes
// one only records an event.
type PushNotifications struct {
	b       *Backbone
	streams streamCount
}

// streamCount counts the open streams of each device in this process.
type streamCount struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *streamCount) add(device string, d int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[device] += d
	n := c.n[device]
	if n <= 0 {
		delete(c.n, device)
	}
	return n
}

// streamHandle is the handle of a device's stream registration: one per
// device, so devices stay apart in the deduplication by handle.
func streamHandle(deviceID string) string { return "sse-" + deviceID }

// PushRegistrationRequest names where a device receives pushes.
type PushRegistrationRequest struct {
	Platform string // fcm, apns, sse or dummy
	// Handle is the provider's token for the app on the device, 10 to 500
	// characters; for sse and dummy it is checked and then discarded.
	Handle      string
	AppID       string
	Environment string // Development or Production (default)
}

// Push error codes.
const (
	CodeUnsupportedAppID = "error.platform.unsupportedAppId"
)

const (
	minPushHandle = 10
	maxPushHandle = 500
	maxAppID      = 200
	// prefixPushIdentifier starts the DevicePushIdentifier a device
	// receives when it registers.
	prefixPushIdentifier = "DPI"
	// streamAppID stands in for the app ID of registrations made by
	// opening a stream; the streamer delivers by device, not by app.
	streamAppID = "sse-client"
)

// Register makes the platform and handle the caller's device's push
// registration, replacing any earlier one, and returns the device's push
// identifier, which stays the same across registrations.
func (s *PushNotifications) Register(ctx context.Context, as Caller, req PushRegistrationRequest) (string, error) {
	b := s.b
	if as.Anonymous() {
		return "", errUnauthenticated
	}
	switch req.Platform {
	case driver.PlatformFCM, driver.PlatformAPNs, driver.PlatformSSE, driver.PlatformDummy:
	default:
		return "", invalidProperty("platform", "must be one of fcm, apns, sse and dummy.")
	}
	switch {
	case len(req.Handle) < minPushHandle || len(req.Handle) > maxPushHandle:
		return "", invalidProperty("handle", "must have %d to %d characters.", minPushHandle, maxPushHandle)
	case strings.TrimSpace(req.AppID) == "":
		return "", invalidProperty("appId", "must not be empty.")
	case len(req.AppID) > maxAppID:
		return "", invalidProperty("appId", "must have at most %d characters.", maxAppID)
	}
	env, err := pushEnvironment(req.Environment)
	if err != nil {
		return "", err
	}
	provider := b.pushProviders[req.Platform]
	if provider == nil {
		return "", invalid(CodeUnsupportedAppID, "Push notifications of the platform '%s' are not enabled on this Backbone.", req.Platform)
	}
	handle := req.Handle
	switch req.Platform {
	case driver.PlatformSSE:
		// The device's streams deliver; a handle per device keeps the
		// device apart from others in the deduplication by handle.
		handle = streamHandle(as.DeviceID)
	case driver.PlatformDummy:
		handle = "dummy-" + as.DeviceID
	default:
		if !provider.SupportsApp(req.AppID) {
			return "", invalid(CodeUnsupportedAppID, "The given app id is not supported.")
		}
	}
	reg, err := b.store.PushRegistrations().Upsert(ctx, driver.PushRegistration{
		DeviceID: as.DeviceID, IdentityAddress: as.Address, DevicePushIdentifier: NewID(prefixPushIdentifier),
		Platform: req.Platform, Handle: handle, AppID: req.AppID, Environment: env, UpdatedAt: b.now(),
	})
	if err != nil {
		return "", internal("upsert push registration", err)
	}
	return reg.DevicePushIdentifier, nil
}

func pushEnvironment(s string) (string, error) {
	switch {
	case s == "":
		return driver.PushProduction, nil
	case strings.EqualFold(s, driver.PushProduction) || s == "1":
		return driver.PushProduction, nil
	case strings.EqualFold(s, driver.PushDevelopment) || s == "0":
		return driver.PushDevelopment, nil
	}
	return "", invalidProperty("environment", "must be Development or Production.")
}

// Unregister removes the caller's device's push registration, if any.
func (s *PushNotifications) Unregister(ctx context.Context, as Caller) error {
	if as.Anonymous() {
		return errUnauthenticated
	}
	_, err := s.b.store.PushRegistrations().Delete(ctx, as.DeviceID)
	return internal("delete push registration", err)
}

// SendTest sends a notification of type Test carrying data to every device
// of the caller's identity.
func (s *PushNotifications) SendTest(ctx context.Context, as Caller, data json.RawMessage) error {
	b := s.b
	if as.Anonymous() {
		return errUnauthenticated
	}
	if len(data) == 0 || string(data) == "null" || !json.Valid(data) {
		return invalidProperty("data", "must be a JSON value.")
	}
	payload, err := json.Marshal(map[string]json.RawMessage{"data": data})
	if err != nil {
		return internal("encode test notification", err)
	}
	now := b.now()
	return b.inTx(ctx, func(tx driver.Tx) error {
		return b.raise(ctx, tx, now, PushNotificationRequested{
			Recipients: []string{as.Address}, EventName: pushTest, Payload: payload,
		})
	})
}

// Stream attaches a server-sent-event stream of the caller's device: it
// makes the stream the device's push registration and returns the names of
// the events pushed to the device until ctx ends. When the stream ends, the
// registration is removed unless another has replaced it.
func (s *PushNotifications) Stream(ctx context.Context, as Caller) (<-chan string, error) {
	b := s.b
	if as.Anonymous() {
		return nil, errUnauthenticated
	}
	if b.streamer == nil {
		return nil, &Error{Kind: KindNotFound, Code: CodeRecordNotFound, Message: "Server-sent events are not enabled on this Backbone."}
	}
	// Listen first, so nothing pushed right after the registration is
	// missed.
	events, err := b.streamer.Listen(ctx, as.Address, as.DeviceID)
	if err != nil {
		return nil, internal("listen for server-sent events", err)
	}
	reg := driver.PushRegistration{
		DeviceID: as.DeviceID, IdentityAddress: as.Address, DevicePushIdentifier: NewID(prefixPushIdentifier),
		Platform: driver.PlatformSSE, Handle: streamHandle(as.DeviceID), AppID: streamAppID, Environment: driver.PushProduction,
	}
	ensure := func(ctx context.Context) error {
		cur, err := b.store.PushRegistrations().Get(ctx, as.DeviceID)
		if err == nil && cur.Platform == driver.PlatformSSE {
			return nil
		}
		if err != nil && !errors.Is(err, driver.ErrNotFound) {
			return err
		}
		reg.UpdatedAt = b.now()
		_, err = b.store.PushRegistrations().Upsert(ctx, reg)
		return err
	}
	reg.UpdatedAt = b.now()
	if _, err := b.store.PushRegistrations().Upsert(ctx, reg); err != nil {
		return nil, internal("register stream", err)
	}
	s.streams.add(as.DeviceID, 1)
	go func() {
		// A stream of the device on another replica may end and take the
		// registration with it while this one lives on; it is put back
		// then.
		t := time.NewTicker(b.cfg.Push.StreamRegistrationCheck)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				if s.streams.add(as.DeviceID, -1) > 0 {
					return // another stream of the device here goes on
				}
				if _, err := b.store.PushRegistrations().DeleteIfHandle(context.WithoutCancel(ctx), as.DeviceID, driver.PlatformSSE, reg.Handle); err != nil {
					b.cfg.Logger.Warn("could not remove the registration of an ended stream", "device", as.DeviceID, "error", err)
				}
				return
			case <-t.C:
				if err := ensure(ctx); err != nil && ctx.Err() == nil {
					b.cfg.Logger.Warn("could not renew the registration of a stream", "device", as.DeviceID, "error", err)
				}
			}
		}
	}()
	return events, nil
}

// StreamsEnabled reports whether the Backbone has a provider for
// server-sent events.
func (s *PushNotifications) StreamsEnabled() bool { return s.b.streamer != nil }

// Platforms lists the push platforms that have a provider.
func (s *PushNotifications) Platforms() []string {
	out := make([]string, 0, len(s.b.pushProviders))
	for p := range s.b.pushProviders {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}
