package backbone_test

import (
	"context"
	"testing"

	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/internal/backbonetest"
)

// The login path: client check (cached), device by username, identity,
// device update, token signing; plus the argon2id verification that
// dominates it by design.
func BenchmarkLogin(b *testing.B) {
	for _, store := range backbonetest.Stores() {
		b.Run(store, func(b *testing.B) {
			env := backbonetest.New(b, store, nil)
			a := env.CreateAccount(b)
			grant := backbone.PasswordGrant{ClientID: "test", ClientSecret: "test", Username: a.Caller.Username, Password: a.Password}
			b.ResetTimer()
			for b.Loop() {
				if _, err := env.Backbone.Auth.Login(context.Background(), grant); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Checking a bearer token happens on every authenticated request and
// touches no store.
func BenchmarkAuthenticate(b *testing.B) {
	env := backbonetest.New(b, "sqlite", nil)
	tok := env.Login(b, env.CreateAccount(b))
	for b.Loop() {
		if _, err := env.Backbone.Auth.Authenticate(tok.Token); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCreateIdentity(b *testing.B) {
	for _, store := range backbonetest.Stores() {
		b.Run(store, func(b *testing.B) {
			env := backbonetest.New(b, store, nil)
			for b.Loop() {
				env.CreateAccount(b)
			}
		})
	}
}

func BenchmarkListDevices(b *testing.B) {
	for _, store := range backbonetest.Stores() {
		b.Run(store, func(b *testing.B) {
			env := backbonetest.New(b, store, nil)
			a := env.CreateAccount(b)
			for b.Loop() {
				if _, err := env.Backbone.Devices.List(context.Background(), a.Caller, nil, backbone.PageRequest{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
