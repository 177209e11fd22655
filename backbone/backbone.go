// Package backbone is the enmeshed Backbone as a library: the domain
// services for identities, devices, challenges, login and the rest, free of
// HTTP, SQL and cloud SDKs.
//
// A hoster builds one with New from a Config and the adapters of their
// choice (Drivers), then serves it with package httpapi or calls the
// services directly:
//
//	b, err := backbone.New(cfg, backbone.Drivers{Store: store, Bus: bus})
//	go b.Run(ctx) // outbox relay and event consumers, until ctx ends
//	ch, err := b.Challenges.Create(ctx, backbone.Caller{})
//
// Services record domain events in an outbox in the same transaction as the
// change; Run publishes them on the bus and turns them into the external
// events devices fetch through sync runs. Without Run, events wait in the
// outbox.
//
// Adapter authors implement the ports in package backbone/driver instead.
package backbone

import (
	"errors"
	"fmt"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/backbone/internal/events"
	"github.com/openbackbone/openbackbone/backbone/internal/pushqueue"
)

// Drivers are the adapters a Backbone runs on. Store is required; Clock
// defaults to the system clock.
type Drivers struct {
	Store driver.Store
	Clock driver.Clock
	Blob  driver.Blob
	Bus   driver.Bus
	// Push has one provider per push platform devices may register for
	// (APNs, FCM, server-sent events, dummy); a platform without one is
	// refused at registration. At most one may be a driver.PushStreamer.
	Push []driver.Push
}

// Backbone is one running Backbone: its services share the configuration
// and the drivers.
type Backbone struct {
	Challenges  *Challenges
	Identities  *Identities
	Devices     *Devices
	Auth        *Auth
	Clients     *Clients
	Tiers       *Tiers
	Admin       *Admin
	SyncRuns    *SyncRuns
	Datawallets *Datawallets

	Relationships         *Relationships
	RelationshipTemplates *RelationshipTemplates
	Messages              *Messages
	Tokens                *Tokens
	Files                 *Files
	Quotas                *Quotas

	// DeletionProcesses and Jobs are identity deletion: the owner's
	// requests, and the jobs that send reminders, delete and clean up.
	DeletionProcesses *DeletionProcesses
	Jobs              *Jobs

	PushNotifications *PushNotifications
	Notifications     *Notifications

	Announcements *Announcements
	Tags          *Tags

	cfg     Config
	store   driver.Store
	clock   driver.Clock
	bus     driver.Bus
	blob    driver.Blob
	relay   *events.Relay
	secrets *secretCache

	pushProviders     map[string]driver.Push
	streamer          driver.PushStreamer
	pushQueue         *pushqueue.Queue
	consumed          consumerCounters // health.go
	notificationTexts map[string]map[string]PushMessage
}

// New validates cfg and returns a Backbone on the drivers. It does no I/O;
// the store must already be migrated.
func New(cfg Config, d Drivers) (*Backbone, error) {
	if err := cfg.validate(); err != nil {
		return nil, errors.Join(errors.New("backbone: invalid config"), err)
	}
	if d.Store == nil {
		return nil, errors.New("backbone: Drivers.Store is required")
	}
	if d.Clock == nil {
		d.Clock = driver.SystemClock{}
	}
	b := &Backbone{cfg: cfg, store: d.Store, clock: d.Clock, bus: d.Bus, blob: d.Blob, secrets: newSecretCache(1024)}
	b.pushProviders = map[string]driver.Push{}
	for _, p := range d.Push {
		if p == nil || p.Platform() == "" {
			return nil, errors.New("backbone: Drivers.Push holds a nil provider or one without a platform")
		}
		if b.pushProviders[p.Platform()] != nil {
			return nil, fmt.Errorf("backbone: Drivers.Push holds two providers for the platform %q", p.Platform())
		}
		b.pushProviders[p.Platform()] = p
		if s, ok := p.(driver.PushStreamer); ok {
			if b.streamer != nil {
				return nil, errors.New("backbone: Drivers.Push holds two streaming providers")
			}
			b.streamer = s
		}
	}
	b.notificationTexts = map[string]map[string]PushMessage{}
	for _, t := range cfg.NotificationTexts {
		b.notificationTexts[t.Code] = t.Translations
	}
	b.pushQueue = pushqueue.New(d.Push, pushqueue.Options{
		Attempts: cfg.Push.Attempts, FirstBackoff: cfg.Push.FirstBackoff, MaxBackoff: cfg.Push.MaxBackoff,
		SendTimeout: cfg.Push.SendTimeout, Workers: cfg.Push.Workers, Capacity: cfg.Push.QueueCapacity,
		InvalidHandle: b.removeDeadHandle, Logger: cfg.Logger,
	})
	if d.Bus != nil {
		b.relay = events.NewRelay(events.Relay{Store: d.Store, Bus: d.Bus, Clock: d.Clock, Logger: cfg.Logger})
	}
	b.Challenges = &Challenges{b}
	b.Identities = &Identities{b}
	b.Devices = &Devices{b}
	b.Auth = &Auth{b: b}
	b.Clients = &Clients{b}
	b.Tiers = &Tiers{b}
	b.Admin = &Admin{b}
	b.SyncRuns = &SyncRuns{b}
	b.Datawallets = &Datawallets{b}
	b.Relationships = &Relationships{b}
	b.RelationshipTemplates = &RelationshipTemplates{b}
	b.Messages = &Messages{b}
	b.Tokens = &Tokens{b}
	b.Files = &Files{b}
	b.DeletionProcesses = &DeletionProcesses{b}
	b.Jobs = &Jobs{b}
	b.Quotas = &Quotas{b}
	b.PushNotifications = &PushNotifications{b: b}
	b.Notifications = &Notifications{b}
	b.Announcements = &Announcements{b}
	b.Tags = &Tags{tree: cfg.Tags.normalized()}
	return b, nil
}

// Config returns the configuration the Backbone runs with.
func (b *Backbone) Config() Config { return b.cfg }

// now reads the clock once for an operation, at the millisecond precision
// the API shows, so that what is stored equals what is returned.
func (b *Backbone) now() time.Time { return b.clock.Now().UTC().Truncate(time.Millisecond) }
