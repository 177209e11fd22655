package backbone_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/openbackbone/openbackbone/adapters/gocloudblob"
	"github.com/openbackbone/openbackbone/adapters/gocloudbus"
	"github.com/openbackbone/openbackbone/adapters/sqlstore"
	"github.com/openbackbone/openbackbone/backbone"
)

// A Backbone is built from a Config and the adapters of the hoster's
// choice; Run does the background work until its context ends.
func ExampleNew() {
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, "sqlite::memory:", sqlstore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil { // New does no I/O: migrate first
		log.Fatal(err)
	}
	bus, err := gocloudbus.Open(ctx, "mem://", gocloudbus.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer bus.Close()
	blobs, err := gocloudblob.Open(ctx, "mem://", gocloudblob.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer blobs.Close()

	cfg := backbone.DefaultConfig()
	cfg.DidDomainName = "backbone.example.org"
	_, cfg.TokenSigningKey, _ = ed25519.GenerateKey(nil) // load a shared key in production
	b, err := backbone.New(cfg, backbone.Drivers{Store: store, Bus: bus, Blob: blobs})
	if err != nil {
		log.Fatal(err)
	}

	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- b.Run(runCtx) }() // outbox relay, event consumers, push lanes

	ch, err := b.Challenges.Create(ctx, backbone.Caller{}) // an anonymous caller
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.HasPrefix(ch.ID, backbone.PrefixChallenge), backbone.ValidID(backbone.PrefixChallenge, ch.ID), ch.CreatedBy == "")

	stop()
	fmt.Println("Run returned:", <-done)
	// Output:
	// true true true
	// Run returned: <nil>
}

// New validates the configuration and reports every problem at once.
func ExampleNew_invalidConfig() {
	_, err := backbone.New(backbone.Config{}, backbone.Drivers{})
	fmt.Println(err != nil, strings.Contains(err.Error(), "DidDomainName"), strings.Contains(err.Error(), "TokenSigningKey is required"))
	// Output:
	// true true true
}

// The services work without HTTP: here an operator's provisioning step
// (see examples/provision for a whole tool).
func ExampleClients_Create() {
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, "sqlite::memory:", sqlstore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	cfg := backbone.DefaultConfig()
	cfg.DidDomainName = "backbone.example.org"
	_, cfg.TokenSigningKey, _ = ed25519.GenerateKey(nil)
	b, err := backbone.New(cfg, backbone.Drivers{Store: store}) // no bus: events wait in the outbox
	if err != nil {
		log.Fatal(err)
	}
	if _, err := b.Tiers.EnsureBuiltIn(ctx); err != nil {
		log.Fatal(err)
	}
	tier, err := b.Tiers.Create(ctx, "Premium")
	if err != nil {
		log.Fatal(err)
	}
	client, secret, err := b.Clients.Create(ctx, backbone.CreateClientRequest{ClientID: "my-app", DefaultTierID: tier.ID})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(client.ClientID, client.DefaultTierID == tier.ID, len(secret))

	// Errors carry the API's code; the HTTP layer maps the Kind to a status.
	_, _, err = b.Clients.Create(ctx, backbone.CreateClientRequest{ClientID: "my-app"})
	var be *backbone.Error
	if errors.As(err, &be) {
		fmt.Println(be.Kind == backbone.KindInvalid, be.Code)
	}
	// Output:
	// my-app true 30
	// true error.platform.validation.device.clientIdAlreadyExists
}
