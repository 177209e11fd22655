// Package dummypush is the push provider of the platform "dummy": it
// accepts every registration and delivers nowhere, logging and counting what
// it was asked to send. Development landscapes enable it so that clients
// can register for pushes without provider credentials, as they can against
// the reference Backbone.
package dummypush

import (
	"context"
	"log/slog"
	"sync/atomic"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// Provider is the dummy driver.Push. The zero value is not usable; call New.
type Provider struct {
	logger *slog.Logger
	sent   atomic.Int64
}

var _ driver.Push = (*Provider)(nil)

// New returns a provider that logs at debug level to logger (default
// slog.Default()).
func New(logger *slog.Logger) *Provider {
	if logger == nil {
		logger = slog.Default()
	}
	return &Provider{logger: logger}
}

// Platform returns driver.PlatformDummy.
func (p *Provider) Platform() string { return driver.PlatformDummy }

// SupportsApp reports true for every app.
func (p *Provider) SupportsApp(string) bool { return true }

// Send logs the notification and counts it.
func (p *Provider) Send(ctx context.Context, t driver.PushTarget, n driver.PushNotification) error {
	if err := ctx.Err(); err != nil {
		return err // a cancelled send counts as not sent, as with any provider
	}
	p.sent.Add(1)
	p.logger.DebugContext(ctx, "dummy push notification", "device", t.DeviceID, "event", n.EventName, "title", n.Title)
	return nil
}

// Sent returns how many notifications Send accepted.
func (p *Provider) Sent() int64 { return p.sent.Load() }
