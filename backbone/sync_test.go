package backbone_test

import (
	"context"
	"errors"
	"sort"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/internal/backbonetest"
)

// withDatawallet runs the datawallet upgrade every new account runs.
func withDatawallet(t testing.TB, env *backbonetest.Env, c backbone.Caller) {
	t.Helper()
	started, err := env.Backbone.SyncRuns.Start(context.Background(), c, backbone.StartSyncRunRequest{Type: backbone.SyncRunDatawalletVersionUpgrade, SupportedDatawalletVersion: 1})
	require.NoError(t, err)
	_, err = env.Backbone.SyncRuns.FinalizeDatawalletVersionUpgrade(context.Background(), c, started.SyncRun.ID, 1, nil)
	require.NoError(t, err)
}

// secondDevice registers another device of the account and returns it as a
// caller.
func secondDevice(t testing.TB, env *backbonetest.Env, a backbonetest.Account) backbone.Caller {
	t.Helper()
	d, err := env.Backbone.Devices.Register(context.Background(), a.Caller, backbone.RegisterDeviceRequest{DevicePassword: "x", SignedChallenge: env.SignedChallenge(t, a)})
	require.NoError(t, err)
	c := a.Caller
	c.DeviceID, c.Username = d.ID, d.Username
	return c
}

// Two devices push concurrently, each retrying from the latest index when
// the other was faster, as the official client does. Every modification
// gets its own index and none is skipped.
func TestConcurrentDatawalletPushesNeitherDuplicateNorSkipIndexes(t *testing.T) {
	eachStore(t, func(t *testing.T, env *backbonetest.Env) {
		a := env.CreateAccount(t)
		withDatawallet(t, env, a.Caller)
		devices := []backbone.Caller{a.Caller, secondDevice(t, env, a)}
		const pushesPerDevice = 15
		var mu sync.Mutex
		var indexes []int64
		var wg sync.WaitGroup
		for _, dev := range devices {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for pushed := 0; pushed < pushesPerDevice; {
					page, err := env.Backbone.Datawallets.Modifications(context.Background(), dev, nil, 1, backbone.PageRequest{Size: 200})
					if !assert.NoError(t, err) {
						return
					}
					var local *int64
					if n := len(page.Items); n > 0 {
						local = &page.Items[n-1].Index
					}
					res, err := env.Backbone.Datawallets.Push(context.Background(), dev, local, 1, []backbone.NewDatawalletModification{
						{Type: backbone.DatawalletCreate, ObjectIdentifier: dev.DeviceID + string(rune('a'+pushed)), Collection: "c", DatawalletVersion: 1},
						{Type: backbone.DatawalletCreate, ObjectIdentifier: dev.DeviceID + string(rune('A'+pushed)), Collection: "c", DatawalletVersion: 1},
					})
					var be *backbone.Error
					if errors.As(err, &be) && be.Code == backbone.CodeDatawalletNotUpToDate {
						continue // the other device was faster; read and try again
					}
					if !assert.NoError(t, err) {
						return
					}
					mu.Lock()
					for _, m := range res.Modifications {
						indexes = append(indexes, m.Index)
					}
					mu.Unlock()
					pushed++
				}
			}()
		}
		wg.Wait()
		sort.Slice(indexes, func(i, j int) bool { return indexes[i] < indexes[j] })
		require.Len(t, indexes, 2*2*pushesPerDevice)
		for i, idx := range indexes {
			require.Equal(t, int64(i), idx, "indexes are 0, 1, 2, … without gaps or duplicates")
		}
	})
}

func TestOnlyOneSyncRunStartsUnderConcurrency(t *testing.T) {
	eachStore(t, func(t *testing.T, env *backbonetest.Env) {
		a := env.CreateAccount(t)
		withDatawallet(t, env, a.Caller)
		env.AddExternalEvent(t, a.Caller.Address, "MessageReceived", `{"id":"MSGaaaaaaaaaaaaaaaaa"}`)
		devices := []backbone.Caller{a.Caller, secondDevice(t, env, a), secondDevice(t, env, a)}
		var wg sync.WaitGroup
		errs := make([]error, len(devices))
		for i, dev := range devices {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = env.Backbone.SyncRuns.Start(context.Background(), dev, backbone.StartSyncRunRequest{SupportedDatawalletVersion: 1})
			}()
		}
		wg.Wait()
		exactlyOneSucceeded(t, errs, backbone.CodeCannotStartSyncRunWhenAnotherIsRunning)
	})
}

// BenchmarkStartSyncRun measures the hot path of every sync: with nothing
// new (no run is created) and with 100 waiting events (the run takes them
// all).
func BenchmarkStartSyncRun(b *testing.B) {
	for _, store := range backbonetest.Stores() {
		b.Run(store+"/NoNewEvents", func(b *testing.B) {
			env := backbonetest.New(b, store, nil)
			a := env.CreateAccount(b)
			withDatawallet(b, env, a.Caller)
			for b.Loop() {
				if _, err := env.Backbone.SyncRuns.Start(context.Background(), a.Caller, backbone.StartSyncRunRequest{SupportedDatawalletVersion: 1}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(store+"/100NewEvents", func(b *testing.B) {
			env := backbonetest.New(b, store, nil)
			a := env.CreateAccount(b)
			withDatawallet(b, env, a.Caller)
			for b.Loop() {
				b.StopTimer()
				for range 100 {
					env.AddExternalEvent(b, a.Caller.Address, "MessageReceived", `{"id":"MSGaaaaaaaaaaaaaaaaa"}`)
				}
				b.StartTimer()
				started, err := env.Backbone.SyncRuns.Start(context.Background(), a.Caller, backbone.StartSyncRunRequest{SupportedDatawalletVersion: 1})
				if err != nil || started.SyncRun == nil || started.SyncRun.EventCount != 100 {
					b.Fatalf("start: %v %+v", err, started)
				}
				b.StopTimer()
				page, err := env.Backbone.SyncRuns.ExternalEvents(context.Background(), a.Caller, started.SyncRun.ID, backbone.PageRequest{Size: 200})
				if err != nil {
					b.Fatal(err)
				}
				results := make([]backbone.ExternalEventResult, len(page.Items))
				for i, e := range page.Items {
					results[i] = backbone.ExternalEventResult{ExternalEventID: e.ID}
				}
				if _, err := env.Backbone.SyncRuns.FinalizeExternalEventSync(context.Background(), a.Caller, started.SyncRun.ID, results, nil); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}
