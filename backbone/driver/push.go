package driver

import (
	"context"
	"errors"
)

// ErrInvalidHandle is returned by a push provider for a device handle the
// provider no longer accepts; the registration is removed.
var ErrInvalidHandle = errors.New("driver: invalid push handle")

// PushTarget is one registered device handle on one platform.
type PushTarget struct {
	Handle      string
	AppID       string
	Environment string // "Development" or "Production"
}

// PushNotification is what one device receives.
type PushNotification struct {
	// Payload is the JSON content object of the notification.
	Payload []byte
	// Title and Body are set for text notifications only.
	Title, Body string
	// CollapseID lets the provider replace an older notification of the
	// same kind on the device; may be empty.
	CollapseID string
}

// Push delivers notifications through one provider (APNs, FCM, SSE, …).
type Push interface {
	// Send delivers n to the target. Returns ErrInvalidHandle if the
	// provider reports the handle as no longer valid; other errors may be
	// retried by the caller.
	Send(ctx context.Context, target PushTarget, n PushNotification) error
}
