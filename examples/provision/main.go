// Command provision sets up what a new app needs on a Backbone, calling the
// services directly, with no HTTP in between: a tier with quotas and an
// OAuth client that puts new identities on it. It prints the client secret,
// which the Backbone keeps only as a hash.
//
//	go run ./examples/provision -db sqlite:data/backbone.db \
//	    -tier Premium -quota NumberOfSentMessages:1000:Month -quota NumberOfFiles:50:Total \
//	    -client-id my-app -client-name "My app"
//
// The tier is reused if it already exists; the client must be new.
package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/openbackbone/openbackbone/adapters/sqlstore"
	"github.com/openbackbone/openbackbone/backbone"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "provision:", err)
		os.Exit(1)
	}
}

// quotaFlags collects repeated -quota METRIC:MAX:PERIOD flags.
type quotaFlags []backbone.CreateQuotaRequest

func (q *quotaFlags) String() string { return fmt.Sprint(*q) }

func (q *quotaFlags) Set(s string) error {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return errors.New("want METRIC:MAX:PERIOD, e.g. NumberOfSentMessages:1000:Month")
	}
	max, err := strconv.Atoi(parts[1])
	if err != nil {
		return fmt.Errorf("MAX %q is not a number", parts[1])
	}
	*q = append(*q, backbone.CreateQuotaRequest{MetricKey: parts[0], Max: max, Period: parts[2]})
	return nil
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("provision", flag.ContinueOnError)
	db := fs.String("db", "", "database: sqlite:PATH or postgres://… (required)")
	tierName := fs.String("tier", "", "name of the tier new identities of the client get (required)")
	clientID := fs.String("client-id", "", "ID of the new OAuth client (required)")
	clientName := fs.String("client-name", "", "display name of the client (default: its ID)")
	var quotas quotaFlags
	fs.Var(&quotas, "quota", "METRIC:MAX:PERIOD quota of the tier (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *db == "" || *tierName == "" || *clientID == "" {
		return errors.New("-db, -tier and -client-id are required")
	}

	store, err := sqlstore.Open(ctx, *db, sqlstore.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		return err
	}
	cfg := backbone.DefaultConfig()
	// Config asks for what serving needs; this tool issues no tokens and
	// derives no addresses, so any valid values do.
	cfg.DidDomainName = "localhost"
	_, cfg.TokenSigningKey, _ = ed25519.GenerateKey(nil)
	// No bus: the services record their events in the outbox, and the
	// server's Backbone.Run publishes them.
	b, err := backbone.New(cfg, backbone.Drivers{Store: store})
	if err != nil {
		return err
	}
	if _, err := b.Tiers.EnsureBuiltIn(ctx); err != nil {
		return err
	}

	tier, err := b.Tiers.Create(ctx, *tierName)
	if be := (*backbone.Error)(nil); errors.As(err, &be) && be.Code == backbone.CodeTierNameAlreadyExists {
		tier, err = findTier(ctx, b, *tierName)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "tier %s %s\n", tier.Name, tier.ID)
	for _, q := range quotas {
		tq, err := b.Quotas.CreateTierQuota(ctx, tier.ID, q)
		if err != nil {
			return fmt.Errorf("quota %s: %w", q.MetricKey, err)
		}
		fmt.Fprintf(out, "quota %s %d per %s %s\n", tq.Metric.Key, tq.Max, tq.Period, tq.ID)
	}
	client, secret, err := b.Clients.Create(ctx, backbone.CreateClientRequest{
		ClientID: *clientID, DisplayName: *clientName, DefaultTierID: tier.ID,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "client %s\nsecret %s\n", client.ClientID, secret)
	return nil
}

func findTier(ctx context.Context, b *backbone.Backbone, name string) (backbone.Tier, error) {
	tiers, err := b.Tiers.List(ctx)
	if err != nil {
		return backbone.Tier{}, err
	}
	for _, t := range tiers {
		if t.Name == name {
			return t, nil
		}
	}
	return backbone.Tier{}, fmt.Errorf("tier %q exists but is not listed", name)
}
