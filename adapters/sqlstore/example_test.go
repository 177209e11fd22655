package sqlstore_test

import (
	"context"
	"fmt"
	"log"

	"github.com/openbackbone/openbackbone/adapters/sqlstore"
	"github.com/openbackbone/openbackbone/backbone/driver"
)

func ExampleOpen() {
	ctx := context.Background()
	// sqlite:data/backbone.db or postgres://user:pw@host:5432/db in production.
	store, err := sqlstore.Open(ctx, "sqlite::memory:", sqlstore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	status, err := store.MigrationStatus(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("applied:", status.Applied, "pending:", len(status.Pending))

	err = store.InTx(ctx, func(tx driver.Tx) error {
		return tx.Tiers().Insert(ctx, driver.Tier{ID: "TIR00000000000000001", Name: "Basic"})
	})
	if err != nil {
		log.Fatal(err)
	}
	tier, err := store.Tiers().GetByName(ctx, "Basic")
	fmt.Println(tier.ID, err)
	// Output:
	// applied: [0001_initial 0002_sync 0003_relationships 0004_messages_tokens 0005_files 0006_push_registrations 0007_quotas 0008_deletion 0009_announcements 0010_admin] pending: 0
	// TIR00000000000000001 <nil>
}
