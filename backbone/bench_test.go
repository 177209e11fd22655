package backbone_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/backbone/driver"
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

// The devices consumer's work for one new external event: the owner's
// status, its registrations with their languages (one indexed query), and
// one queued notification per handle; sending happens elsewhere.
func BenchmarkPushFanOut(b *testing.B) {
	for _, store := range backbonetest.Stores() {
		b.Run(store, func(b *testing.B) {
			env := backbonetest.New(b, store, func(c *backbone.Config) { c.Push.QueueCapacity = 1 << 22 })
			env = env.Restart(b, nil, &recorder{platform: driver.PlatformFCM})
			acc := env.CreateAccount(b)
			devices := []backbone.Caller{acc.Caller, deviceIn(b, env, acc, "de"), deviceIn(b, env, acc, "en")}
			for i, d := range devices {
				register(b, env, d, "fcm", fmt.Sprintf("handle-%010d", i))
			}
			ev := backbone.ExternalEventCreated{EventID: "SYI00000000000000000", Owner: acc.Caller.Address}
			for b.Loop() {
				if err := backbone.HandleForTest(context.Background(), env.Backbone, ev); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Registering a device for pushes: one upsert.
func BenchmarkRegisterPush(b *testing.B) {
	for _, store := range backbonetest.Stores() {
		b.Run(store, func(b *testing.B) {
			env := backbonetest.New(b, store, nil)
			env = env.Restart(b, nil, &recorder{platform: driver.PlatformFCM})
			a := env.CreateAccount(b).Caller
			req := backbone.PushRegistrationRequest{Platform: "fcm", Handle: "handle-0123456789", AppID: "app"}
			for b.Loop() {
				if _, err := env.Backbone.PushNotifications.Register(context.Background(), a, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The quota check at the start of a checked command (here sending a
// message): one indexed read of the caller's metric statuses, among the
// statuses of a thousand other identities.
func BenchmarkQuotaCheck(b *testing.B) {
	for _, store := range backbonetest.Stores() {
		b.Run(store, func(b *testing.B) {
			ctx := context.Background()
			env := backbonetest.New(b, store, nil)
			a := env.CreateAccount(b).Caller
			until := env.Clock.Now().AddDate(1, 0, 0)
			statuses := []driver.MetricStatus{{IdentityAddress: a.Address, MetricKey: backbone.MetricNumberOfTokens, IsExhaustedUntil: until}}
			for i := range 1000 {
				addr := backbone.AddressFromPublicKey([]byte(fmt.Sprint("other ", i)), "localhost")
				statuses = append(statuses, driver.MetricStatus{IdentityAddress: addr, MetricKey: backbone.MetricNumberOfSentMessages, IsExhaustedUntil: until})
			}
			if err := env.Store.Quotas().SetStatuses(ctx, statuses); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if err := backbone.CheckQuotasForTest(ctx, env.Backbone, a, backbone.MetricNumberOfSentMessages); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
