package driver

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Push platforms a device registration names. Providers of other platforms
// may exist; these are the ones the official clients use.
const (
	PlatformFCM   = "fcm"
	PlatformAPNs  = "apns"
	PlatformSSE   = "sse"
	PlatformDummy = "dummy"
)

// Push environments of a registration: which of a provider's endpoints the
// device's app was built for (APNs sandbox or production).
const (
	PushDevelopment = "Development"
	PushProduction  = "Production"
)

var (
	// ErrInvalidHandle is wrapped by Send's error when the provider reports
	// the device handle as no longer valid (an uninstalled app, a token
	// for another environment). The registration is removed and the
	// notification is not retried.
	ErrInvalidHandle = errors.New("driver: invalid push handle")
	// ErrNotDeliverable is wrapped by Send's error when the provider
	// refuses this notification for good (malformed, too large, an app it
	// has no credentials for). It is not retried; the registration stays.
	ErrNotDeliverable = errors.New("driver: push notification not deliverable")
)

// RetryAfterError is returned by Send when the provider asked the sender to
// wait before trying again (HTTP 429 or 503 with Retry-After). The caller
// waits at least After before it retries.
type RetryAfterError struct {
	After time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("%v (retry after %s)", e.Err, e.After)
}

func (e *RetryAfterError) Unwrap() error { return e.Err }

// PushTarget is one device registration as a provider needs it.
type PushTarget struct {
	IdentityAddress      string
	DeviceID             string
	DevicePushIdentifier string
	// Handle is the provider's address of the app on the device: the APNs
	// device token, the FCM registration token. For SSE it names the
	// device's stream.
	Handle string
	// AppID is the app's bundle ID (APNs) or the app ID the FCM
	// credentials are configured for.
	AppID       string
	Environment string // PushDevelopment or PushProduction
}

// PushNotification is what one device receives.
type PushNotification struct {
	// EventName is the notification's type without suffix
	// (ExternalEventCreated, Test, …); empty for text-only notifications.
	EventName string
	// Content is the JSON content object {accRef, devicePushIdentifier,
	// eventName, sentAt, payload} built for this target; nil for
	// text-only notifications, which carry no content.
	Content []byte
	// Title and Body are the visible text in the device's language; either
	// may be empty.
	Title, Body string
	// CollapseID lets the provider replace an older notification of the
	// same kind on the device; may be empty.
	CollapseID string
}

// Push delivers notifications through one provider (APNs, FCM, SSE, …).
// Implementations are safe for concurrent use. They do not retry: the
// backbone retries with backoff, so a provider that is down or slow never
// holds up the request that caused the notification.
type Push interface {
	// Platform is the registration platform this provider delivers to
	// (PlatformAPNs, …).
	Platform() string
	// SupportsApp reports whether the provider can deliver to the app:
	// whether credentials for appID are configured. Providers that need no
	// per-app credentials report true for every app.
	SupportsApp(appID string) bool
	// Send delivers n to the target. Returns an error wrapping
	// ErrInvalidHandle if the provider reports the handle as no longer
	// valid, one wrapping ErrNotDeliverable if it refuses n for good, a
	// *RetryAfterError if it asks for a pause; any other error is taken as
	// transient and retried.
	Send(ctx context.Context, target PushTarget, n PushNotification) error
}

// PushStreamer is a Push provider whose devices keep a connection open to
// the server (server-sent events). Send may be called on any replica; the
// provider delivers to the device on whichever replica holds its stream.
type PushStreamer interface {
	Push
	// Listen attaches a stream of the device held by this process. It
	// receives the event names sent to the device until ctx ends; then
	// the channel is closed. A device may hold several streams; each
	// receives every event.
	Listen(ctx context.Context, identityAddress, deviceID string) (<-chan string, error)
}

// PushRegistration is the push channel of one device; a device has at most
// one.
type PushRegistration struct {
	DeviceID        string
	IdentityAddress string
	// DevicePushIdentifier (DPI…) is chosen when the device first
	// registers and kept across updates of the registration.
	DevicePushIdentifier string
	Platform             string
	Handle               string
	AppID                string
	Environment          string
	UpdatedAt            time.Time
}

// PushRecipient is a registration together with the language of its
// device, which selects the text of a notification.
type PushRecipient struct {
	PushRegistration
	CommunicationLanguage string
}

// PushRegistrationStore persists push registrations. Deleting a device
// (DeviceStore.Delete) removes its registration too.
type PushRegistrationStore interface {
	// Upsert stores r as the registration of r.DeviceID, replacing
	// Platform, Handle, AppID, Environment and UpdatedAt of an existing one
	// but keeping its DevicePushIdentifier (and IdentityAddress). Returns
	// the registration as stored; ErrNotFound if the device does not
	// exist; ErrConflict if a new registration's DevicePushIdentifier is
	// taken by another device.
	Upsert(ctx context.Context, r PushRegistration) (PushRegistration, error)
	// Get returns the registration of the device. Returns ErrNotFound if
	// none.
	Get(ctx context.Context, deviceID string) (PushRegistration, error)
	// Delete removes the registration of the device and reports whether
	// there was one.
	Delete(ctx context.Context, deviceID string) (bool, error)
	// DeleteIfHandle removes the registration of the device only if its
	// platform and handle are still the given ones, and reports whether it
	// did: a registration replaced in the meantime stays.
	DeleteIfHandle(ctx context.Context, deviceID, platform, handle string) (bool, error)
	// DeleteByHandle removes every registration with the platform and
	// handle, of any device, and returns how many it removed.
	DeleteByHandle(ctx context.Context, platform, handle string) (int, error)
	// ListRecipients returns the registrations of the devices of the
	// identities, each with its device's communication language, ordered
	// by DeviceID and each device once (also when an identity is given
	// twice); devices in excludeDevices are left out. Devices without a
	// registration are not returned.
	ListRecipients(ctx context.Context, identities []string, excludeDevices []string) ([]PushRecipient, error)
	// ListAllRecipients returns up to limit registrations of any device,
	// each with its device's communication language, ordered by DeviceID
	// and starting after afterDeviceID (from the first with ""); a
	// shorter page is the last.
	ListAllRecipients(ctx context.Context, afterDeviceID string, limit int) ([]PushRecipient, error)
}
