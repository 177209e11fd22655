package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/openbackbone/openbackbone/adapters/apnspush"
	"github.com/openbackbone/openbackbone/adapters/dummypush"
	"github.com/openbackbone/openbackbone/adapters/fcmpush"
	"github.com/openbackbone/openbackbone/adapters/ssepush"
	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/internal/config"
)

// pushProviders builds the providers the configuration turns on. The SSE
// provider, if any, is returned as well: it must be closed on shutdown so
// that open streams end and the server can drain.
func pushProviders(ctx context.Context, cfg config.Push, bus driver.Bus, logger *slog.Logger) ([]driver.Push, *ssepush.Provider, error) {
	var out []driver.Push
	if cfg.Dummy {
		out = append(out, dummypush.New(logger))
	}
	if len(cfg.APNs.Bundles) > 0 {
		keys := map[string]apnspush.Key{}
		for name, k := range cfg.APNs.Keys {
			pk, err := secretValue(ctx, k.PrivateKey, k.PrivateKeyFile, k.PrivateKeyURL)
			if err != nil {
				return nil, nil, fmt.Errorf("push.apns.keys.%s: %w", name, err)
			}
			keys[name] = apnspush.Key{TeamID: k.TeamID, KeyID: k.KeyID, PrivateKey: pk}
		}
		p, err := apnspush.New(apnspush.Config{Keys: keys, Bundles: cfg.APNs.Bundles, ProductionURL: cfg.APNs.ProductionURL, DevelopmentURL: cfg.APNs.DevelopmentURL})
		if err != nil {
			return nil, nil, fmt.Errorf("push.apns: %w", err)
		}
		out = append(out, p)
	}
	if len(cfg.FCM.Apps) > 0 {
		accounts := map[string]string{}
		for name, a := range cfg.FCM.ServiceAccounts {
			j, err := secretValue(ctx, a.JSON, a.File, a.URL)
			if err != nil {
				return nil, nil, fmt.Errorf("push.fcm.serviceAccounts.%s: %w", name, err)
			}
			accounts[name] = j
		}
		p, err := fcmpush.New(fcmpush.Config{ServiceAccounts: accounts, Apps: cfg.FCM.Apps, BaseURL: cfg.FCM.BaseURL})
		if err != nil {
			return nil, nil, fmt.Errorf("push.fcm: %w", err)
		}
		out = append(out, p)
	}
	var sse *ssepush.Provider
	if cfg.SSE {
		var err error
		sse, err = ssepush.Open(ctx, bus, ssepush.Options{Logger: logger})
		if err != nil {
			return nil, nil, fmt.Errorf("push.sse: %w (turn it off with push.sse: false, or use a mem, rabbit or nats bus)", err)
		}
		out = append(out, sse)
	}
	return out, sse, nil
}
