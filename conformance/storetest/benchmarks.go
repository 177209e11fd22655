package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// RunBenchmarks measures the store calls on the login, device, sync,
// datawallet, outbox, relationship, message and token paths against a store holding a few
// hundred identities and devices, and for some of them external events,
// sync runs, datawallet modifications, relationships, templates, messages
// and tokens.
func RunBenchmarks(b *testing.B, newHarness HarnessMaker) {
	ctx, st := newStore(b, newHarness)
	const identities, devicesEach = 200, 5
	var (
		someIdentity driver.Identity
		someDevice   driver.Device
	)
	err := st.InTx(ctx, func(tx driver.Tx) error {
		for i := range identities {
			identity := newIdentity()
			if err := tx.Identities().Insert(ctx, identity); err != nil {
				return err
			}
			for j := range devicesEach {
				d := newDevice(identity.Address)
				d.CreatedAt = at(time.Duration(j) * time.Second)
				if err := tx.Devices().Insert(ctx, d); err != nil {
					return err
				}
				if i == identities/2 && j == devicesEach-1 {
					someDevice = d
				}
			}
			if i == identities/2 {
				someIdentity = identity
			}
		}
		return nil
	})
	if err != nil {
		b.Fatalf("fixture: %v", err)
	}

	b.Run("Devices/GetByUsername", func(b *testing.B) {
		username := strings.ToLower(someDevice.Username)
		for b.Loop() {
			if _, err := st.Devices().GetByUsername(ctx, username); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Devices/List", func(b *testing.B) {
		page := driver.PageRequest{Number: 1, Size: 10}
		for b.Loop() {
			if ds, total, err := st.Devices().List(ctx, someIdentity.Address, nil, page); err != nil || total != devicesEach || len(ds) != devicesEach {
				b.Fatalf("List: %d devices of %d, %v", len(ds), total, err)
			}
		}
	})
	b.Run("Identities/Get", func(b *testing.B) {
		for b.Loop() {
			if _, err := st.Identities().Get(ctx, someIdentity.Address); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("InTx/GetAndUpdateDevice", func(b *testing.B) {
		for b.Loop() {
			err := st.InTx(ctx, func(tx driver.Tx) error {
				d, err := tx.Devices().Get(ctx, someDevice.ID)
				if err != nil {
					return err
				}
				d.FailedLogins = 0
				return tx.Devices().Update(ctx, d)
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})

	runSyncBenchmarks(b, ctx, st, someIdentity.Address)
	runRelationshipBenchmarks(b, ctx, st)
	runMessageAndTokenBenchmarks(b, ctx, st)
	runFileBenchmarks(b, ctx, st)
}

// runSyncBenchmarks adds to the store the sync history of address and of a
// few other identities: 100 deliverable events among 300 synced ones, 20
// finished runs, 500 datawallet modifications of 100 objects.
func runSyncBenchmarks(b *testing.B, ctx context.Context, st driver.Store, address string) {
	const deliverable, synced, runs, mods = 100, 300, 20, 500
	err := st.InTx(ctx, func(tx driver.Tx) error {
		for _, owner := range []string{newAddress(), address, newAddress()} {
			for r := range runs {
				run := newSyncRun(owner, newID("DVC"), int64(r))
				run.FinalizedAt = ptr(run.CreatedAt.Add(time.Second))
				if err := tx.SyncRuns().Insert(ctx, run); err != nil {
					return err
				}
				var ids []string
				for range synced / runs {
					e, err := tx.ExternalEvents().Insert(ctx, newExternalEvent(owner))
					if err != nil {
						return err
					}
					ids = append(ids, e.ID)
				}
				if err := tx.ExternalEvents().AssignToSyncRun(ctx, ids, run.ID); err != nil {
					return err
				}
			}
			for range deliverable {
				if _, err := tx.ExternalEvents().Insert(ctx, newExternalEvent(owner)); err != nil {
					return err
				}
			}
			batch := make([]driver.DatawalletModification, 0, mods)
			for i := range mods {
				batch = append(batch, newModification(fmt.Sprintf("object%03d", i%100)))
			}
			if _, err := tx.Datawallets().AppendModifications(ctx, owner, batch); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatalf("fixture: %v", err)
	}

	b.Run("SyncRuns/Latest", func(b *testing.B) {
		for b.Loop() {
			if r, err := st.SyncRuns().Latest(ctx, address); err != nil || r.Index != runs-1 {
				b.Fatalf("Latest: index %d, %v", r.Index, err)
			}
		}
	})
	b.Run("ExternalEvents/ListDeliverable100", func(b *testing.B) {
		for b.Loop() {
			if es, err := st.ExternalEvents().ListDeliverable(ctx, address, 3); err != nil || len(es) != deliverable {
				b.Fatalf("ListDeliverable: %d events, %v", len(es), err)
			}
		}
	})
	b.Run("ExternalEvents/HasUnsyncedWithoutErrors", func(b *testing.B) {
		for b.Loop() {
			if ok, err := st.ExternalEvents().HasUnsyncedWithoutErrors(ctx, address); err != nil || !ok {
				b.Fatalf("HasUnsyncedWithoutErrors: %v, %v", ok, err)
			}
		}
	})
	b.Run("ExternalEvents/ListBySyncRun", func(b *testing.B) {
		run, err := st.SyncRuns().Latest(ctx, address)
		if err != nil {
			b.Fatal(err)
		}
		page := driver.PageRequest{Number: 1, Size: 10}
		for b.Loop() {
			if es, total, err := st.ExternalEvents().ListBySyncRun(ctx, run.ID, page); err != nil || total != synced/runs || len(es) != 10 {
				b.Fatalf("ListBySyncRun: %d events of %d, %v", len(es), total, err)
			}
		}
	})
	b.Run("InTx/InsertExternalEvent", func(b *testing.B) {
		owner := newAddress()
		for b.Loop() {
			err := st.InTx(ctx, func(tx driver.Tx) error {
				_, err := tx.ExternalEvents().Insert(ctx, newExternalEvent(owner))
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Datawallets/ListModifications", func(b *testing.B) {
		page := driver.PageRequest{Number: 1, Size: 50}
		for b.Loop() {
			if ms, total, err := st.Datawallets().ListModifications(ctx, address, -1, page); err != nil || total != 100 || len(ms) != 50 {
				b.Fatalf("ListModifications: %d of %d, %v", len(ms), total, err)
			}
		}
	})
	b.Run("InTx/AppendModifications10", func(b *testing.B) {
		owner := newAddress()
		for b.Loop() {
			batch := make([]driver.DatawalletModification, 10)
			for i := range batch {
				batch[i] = newModification(newID("obj"))
			}
			err := st.InTx(ctx, func(tx driver.Tx) error {
				if _, err := tx.Datawallets().LatestIndex(ctx, owner); err != nil {
					return err
				}
				_, err := tx.Datawallets().AppendModifications(ctx, owner, batch)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Outbox/AppendClaimDelete", func(b *testing.B) {
		for b.Loop() {
			m := newOutboxMessage(at(0))
			if err := st.Outbox().Append(ctx, m); err != nil {
				b.Fatal(err)
			}
			got, err := st.Outbox().Claim(ctx, at(time.Hour), at(2*time.Hour), 10)
			if err != nil || len(got) != 1 {
				b.Fatalf("Claim: %d messages, %v", len(got), err)
			}
			if err := st.Outbox().Delete(ctx, []string{m.ID}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// runRelationshipBenchmarks adds 100 templates of one creator, each
// allocated by 5 identities, and 500 relationships of 100 identities with
// the creator and others, each with an audit log of 3 entries.
func runRelationshipBenchmarks(b *testing.B, ctx context.Context, st driver.Store) {
	const templates, allocationsEach, peers, relationshipsEach = 100, 5, 100, 5
	creator := newAddress()
	var (
		someTemplate  driver.RelationshipTemplate
		someAllocator string
		someRel       driver.Relationship
		somePeer      string
	)
	const pairHistoryLen = 3
	err := st.InTx(ctx, func(tx driver.Tx) error {
		for i := range templates {
			tpl := newTemplate(creator)
			if err := tx.RelationshipTemplates().Insert(ctx, tpl); err != nil {
				return err
			}
			for range allocationsEach {
				a := driver.TemplateAllocation{TemplateID: tpl.ID, AllocatedBy: newAddress(), AllocatedByDevice: newID("DVC"), AllocatedAt: at(0)}
				if err := tx.RelationshipTemplates().Allocate(ctx, a); err != nil {
					return err
				}
				someAllocator = a.AllocatedBy
			}
			if i == templates/2 {
				someTemplate = tpl
			}
		}
		for i := range peers {
			peer := newAddress()
			for j := range relationshipsEach {
				to := newAddress()
				if j < pairHistoryLen { // the pair's history: closed, closed, open
					to = creator
				}
				r := newRelationship(peer, to)
				r.CreatedAt = at(time.Duration(j) * time.Minute)
				r = withStatus(r, driver.RelationshipActive, driver.AuditAcceptanceOfCreation, r.CreatedAt.Add(time.Second))
				r = withStatus(r, driver.RelationshipTerminated, driver.AuditTermination, r.CreatedAt.Add(2*time.Second))
				if j < pairHistoryLen-1 {
					r.Status = driver.RelationshipDeletionProposed // closed, so that the pair may have the next
				}
				if err := tx.Relationships().Insert(ctx, r); err != nil {
					return err
				}
				if i == peers/2 && j == 0 {
					someRel, somePeer = r, peer
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatalf("fixture: %v", err)
	}

	b.Run("Relationships/Get", func(b *testing.B) {
		for b.Loop() {
			if r, err := st.Relationships().Get(ctx, someRel.ID); err != nil || len(r.AuditLog) != 3 {
				b.Fatalf("Get: %d audit entries, %v", len(r.AuditLog), err)
			}
		}
	})
	b.Run("Relationships/Between", func(b *testing.B) {
		for b.Loop() {
			if rs, err := st.Relationships().Between(ctx, creator, somePeer); err != nil || len(rs) != pairHistoryLen {
				b.Fatalf("Between: %d relationships, %v", len(rs), err)
			}
		}
	})
	b.Run("RelationshipTemplates/GetAndIsAllocatedBy", func(b *testing.B) {
		for b.Loop() {
			if _, err := st.RelationshipTemplates().Get(ctx, someTemplate.ID); err != nil {
				b.Fatal(err)
			}
			if _, err := st.RelationshipTemplates().IsAllocatedBy(ctx, someTemplate.ID, someAllocator); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// runMessageAndTokenBenchmarks adds 100 messages of one identity and 100
// messages to it, each with 3 recipients and 2 attachments, 400 messages
// of others, and 500 tokens.
func runMessageAndTokenBenchmarks(b *testing.B, ctx context.Context, st driver.Store) {
	const mine, others, tokens = 100, 400, 500
	me := newAddress()
	var someToken driver.Token
	err := st.InTx(ctx, func(tx driver.Tx) error {
		for i := range 2*mine + others {
			var m driver.MessageRecord
			switch {
			case i < mine:
				m = newMessage(me, newAddress(), newAddress(), newAddress())
			case i < 2*mine:
				m = newMessage(newAddress(), newAddress(), me, newAddress())
			default:
				m = newMessage(newAddress(), newAddress(), newAddress(), newAddress())
			}
			m.CreatedAt = at(time.Duration(i) * time.Second)
			if err := tx.Messages().Insert(ctx, m); err != nil {
				return err
			}
		}
		for i := range tokens {
			tok := newToken(newAddress())
			if err := tx.Tokens().Insert(ctx, tok); err != nil {
				return err
			}
			if i == tokens/2 {
				someToken = tok
			}
		}
		return nil
	})
	if err != nil {
		b.Fatalf("fixture: %v", err)
	}

	b.Run("Messages/ListVisible50", func(b *testing.B) {
		page := driver.PageRequest{Number: 2, Size: 50}
		for b.Loop() {
			ms, total, err := st.Messages().ListVisible(ctx, me, nil, page)
			if err != nil || total != 2*mine || len(ms) != 50 || len(ms[0].Recipients) != 3 {
				b.Fatalf("ListVisible: %d messages of %d, %v", len(ms), total, err)
			}
		}
	})
	b.Run("Messages/CountUnreceived", func(b *testing.B) {
		for b.Loop() {
			if _, err := st.Messages().CountUnreceived(ctx, me, someToken.CreatedBy); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Tokens/Get", func(b *testing.B) {
		for b.Loop() {
			if _, err := st.Tokens().Get(ctx, someToken.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// runFileBenchmarks adds 100 files of one identity, half of them expired,
// and 400 files of others.
func runFileBenchmarks(b *testing.B, ctx context.Context, st driver.Store) {
	const mine, others = 100, 400
	me := newAddress()
	err := st.InTx(ctx, func(tx driver.Tx) error {
		for i := range mine + others {
			f := newFile(newAddress())
			if i < mine {
				f = newFile(me)
				if i%2 == 0 {
					f.ExpiresAt = at(-time.Hour)
				}
			}
			f.CreatedAt = at(time.Duration(i) * time.Second)
			if err := tx.Files().Insert(ctx, f); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatalf("fixture: %v", err)
	}

	b.Run("Files/List20", func(b *testing.B) {
		page := driver.PageRequest{Number: 2, Size: 20}
		for b.Loop() {
			fs, total, err := st.Files().List(ctx, me, nil, at(0), page)
			if err != nil || total != mine/2 || len(fs) != 20 {
				b.Fatalf("List: %d files of %d, %v", len(fs), total, err)
			}
		}
	})
}
