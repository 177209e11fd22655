// Package storetest is the conformance suite of driver.Store: every rule a
// store must keep, written as tests that name the rule. An adapter runs it
// from a test of its own with a Harness that makes fresh stores:
//
//	func TestConformance(t *testing.T) {
//		storetest.RunConformanceTests(t, func(ctx context.Context, t testing.TB) (storetest.Harness, error) {
//			return &harness{dir: t.TempDir()}, nil
//		})
//	}
//
// Fixtures are made through the port itself, so the suite needs nothing
// but a driver.Store. Tests run in parallel, each on a store of its own.
package storetest

import (
	"context"
	"crypto/rand"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// Harness makes the stores of one test.
type Harness interface {
	// MakeStore returns a new store: migrated, empty, and isolated from
	// every other store, also from those made in parallel tests.
	MakeStore(ctx context.Context) (driver.Store, error)
	// Close closes the stores the harness made and releases what it holds
	// (files, schemas). The suite calls it once per test, at the end.
	Close()
}

// HarnessMaker makes a Harness for one test or benchmark.
type HarnessMaker func(ctx context.Context, t testing.TB) (Harness, error)

// RunConformanceTests runs the whole suite against the stores newHarness
// makes.
func RunConformanceTests(t *testing.T, newHarness HarnessMaker) {
	t.Run("Challenges", func(t *testing.T) { testChallenges(t, newHarness) })
	t.Run("Identities", func(t *testing.T) { testIdentities(t, newHarness) })
	t.Run("Devices", func(t *testing.T) { testDevices(t, newHarness) })
	t.Run("Clients", func(t *testing.T) { testClients(t, newHarness) })
	t.Run("Tiers", func(t *testing.T) { testTiers(t, newHarness) })
	t.Run("SyncRuns", func(t *testing.T) { testSyncRuns(t, newHarness) })
	t.Run("ExternalEvents", func(t *testing.T) { testExternalEvents(t, newHarness) })
	t.Run("Datawallets", func(t *testing.T) { testDatawallets(t, newHarness) })
	t.Run("Outbox", func(t *testing.T) { testOutbox(t, newHarness) })
	t.Run("Relationships", func(t *testing.T) { testRelationships(t, newHarness) })
	t.Run("RelationshipTemplates", func(t *testing.T) { testRelationshipTemplates(t, newHarness) })
	t.Run("Messages", func(t *testing.T) { testMessages(t, newHarness) })
	t.Run("Tokens", func(t *testing.T) { testTokens(t, newHarness) })
	t.Run("Files", func(t *testing.T) { testFiles(t, newHarness) })
	t.Run("PushRegistrations", func(t *testing.T) { testPushRegistrations(t, newHarness) })
	t.Run("Quotas", func(t *testing.T) { testQuotas(t, newHarness) })
	t.Run("Announcements", func(t *testing.T) { testAnnouncements(t, newHarness) })
	t.Run("Admin", func(t *testing.T) { testAdmin(t, newHarness) })
	t.Run("Deletion", func(t *testing.T) { testDeletion(t, newHarness) })
	t.Run("InTx", func(t *testing.T) { testTx(t, newHarness) })
}

// newStore makes a harness and a store for the test and closes both when
// it ends.
func newStore(t testing.TB, newHarness HarnessMaker) (context.Context, driver.Store) {
	t.Helper()
	ctx := context.Background()
	h, err := newHarness(ctx, t)
	require.NoError(t, err, "harness: make harness")
	t.Cleanup(h.Close)
	st, err := h.MakeStore(ctx)
	require.NoError(t, err, "harness: make store")
	return ctx, st
}

// base is the instant fixtures are dated from: milliseconds, as services
// write them, and UTC.
var base = time.Date(2031, 5, 6, 7, 8, 9, 123_000_000, time.UTC)

// at returns base shifted by d.
func at(d time.Duration) time.Time { return base.Add(d) }

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }

// newID returns prefix followed by 17 random upper-case letters and digits.
// IDs of one alphabet case sort alike under every collation, so that
// ordering rules can be checked without assuming byte order.
func newID(prefix string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 17)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return prefix + string(b)
}

// newAddress returns a random identity address.
func newAddress() string { return "did:e:localhost:dids:" + newID("")[:17] + "ab12c" }

func newChallenge() driver.Challenge {
	return driver.Challenge{ID: newID("CHL"), ExpiresAt: at(10 * time.Minute), CreatedBy: newAddress(), CreatedByDevice: newID("DVC")}
}

func newIdentity() driver.Identity {
	return driver.Identity{
		Address:         newAddress(),
		ClientID:        "test-client",
		PublicKey:       []byte(`{"pub":"` + newID("") + `","alg":3}` + "\x00\xff"),
		IdentityVersion: 1,
		CreatedAt:       at(0),
		TierID:          "TIR00000000000000000",
		Status:          driver.IdentityActive,
	}
}

func newDevice(address string) driver.Device {
	return driver.Device{
		ID:                    newID("DVC"),
		IdentityAddress:       address,
		Username:              newID("USR"),
		PasswordHash:          "$argon2id$v=19$m=65536,t=3,p=4$" + newID("salt"),
		CreatedAt:             at(0),
		CommunicationLanguage: "en",
	}
}

func newClient() driver.Client {
	return driver.Client{
		ClientID:      newID("client-"),
		DisplayName:   "Test Client",
		SecretHash:    "$argon2id$" + newID(""),
		DefaultTierID: "TIR00000000000000000",
		CreatedAt:     at(0),
	}
}

func newTier() driver.Tier {
	return driver.Tier{ID: newID("TIR"), Name: "TIER" + newID("")[:10], CanBeUsedAsDefaultForClient: true}
}

// Fixture writers: fail the test if the store rejects a valid record.

func mustInsertIdentity(ctx context.Context, t testing.TB, st driver.Stores, i driver.Identity) driver.Identity {
	t.Helper()
	require.NoError(t, st.Identities().Insert(ctx, i), "fixture: insert identity")
	return i
}

func mustInsertDevice(ctx context.Context, t testing.TB, st driver.Stores, d driver.Device) driver.Device {
	t.Helper()
	require.NoError(t, st.Devices().Insert(ctx, d), "fixture: insert device")
	return d
}

func mustInsertClient(ctx context.Context, t testing.TB, st driver.Stores, c driver.Client) driver.Client {
	t.Helper()
	require.NoError(t, st.Clients().Insert(ctx, c), "fixture: insert client")
	return c
}

func mustInsertTier(ctx context.Context, t testing.TB, st driver.Stores, tier driver.Tier) driver.Tier {
	t.Helper()
	require.NoError(t, st.Tiers().Insert(ctx, tier), "fixture: insert tier")
	return tier
}

func mustInsertChallenge(ctx context.Context, t testing.TB, st driver.Stores, c driver.Challenge) driver.Challenge {
	t.Helper()
	require.NoError(t, st.Challenges().Insert(ctx, c), "fixture: insert challenge")
	return c
}

// requireUTC fails unless every time is in UTC.
func requireUTC(t testing.TB, rule string, times ...*time.Time) {
	t.Helper()
	for _, tm := range times {
		if tm != nil {
			require.Equal(t, time.UTC, tm.Location(), "%s: times must come back in UTC", rule)
		}
	}
}

// otherZone is a zone east of UTC, to check that stores keep instants, not
// wall clocks.
var otherZone = time.FixedZone("UTC+02:30", 2*3600+30*60)

func newSyncRun(address, device string, index int64) driver.SyncRun {
	return driver.SyncRun{
		ID:              newID("SYR"),
		Type:            driver.SyncRunExternalEventSync,
		Index:           index,
		CreatedAt:       at(time.Duration(index) * time.Minute),
		ExpiresAt:       at(time.Duration(index)*time.Minute + 10*time.Second),
		CreatedBy:       address,
		CreatedByDevice: device,
	}
}

func newExternalEvent(owner string) driver.ExternalEvent {
	return driver.ExternalEvent{
		ID:        newID("SYI"),
		Owner:     owner,
		Type:      "MessageReceived",
		CreatedAt: at(0),
		Payload:   []byte(`{"id":"` + newID("MSG") + `"}`),
	}
}

func newModification(objectIdentifier string) driver.DatawalletModification {
	return driver.DatawalletModification{
		ID:                newID("DWM"),
		ObjectIdentifier:  objectIdentifier,
		PayloadCategory:   "Userdata",
		CreatedAt:         at(0),
		CreatedByDevice:   newID("DVC"),
		Collection:        "Relationships",
		Type:              driver.DatawalletUpdate,
		EncryptedPayload:  []byte("\x00encrypted\xff" + newID("")),
		DatawalletVersion: 1,
	}
}

func newOutboxMessage(createdAt time.Time) driver.OutboxMessage {
	return driver.OutboxMessage{ID: newID("OBX"), Topic: "MessageCreated", Body: []byte(`{"id":"` + newID("MSG") + `"}`), CreatedAt: createdAt}
}

func mustInsertSyncRun(ctx context.Context, t testing.TB, st driver.Stores, r driver.SyncRun) driver.SyncRun {
	t.Helper()
	require.NoError(t, st.SyncRuns().Insert(ctx, r), "fixture: insert sync run")
	return r
}

// mustInsertEvent inserts e and returns it with its index.
func mustInsertEvent(ctx context.Context, t testing.TB, st driver.Stores, e driver.ExternalEvent) driver.ExternalEvent {
	t.Helper()
	got, err := st.ExternalEvents().Insert(ctx, e)
	require.NoError(t, err, "fixture: insert external event")
	return got
}

// mustAppend appends mods and returns them with their indexes.
func mustAppend(ctx context.Context, t testing.TB, st driver.Stores, owner string, mods ...driver.DatawalletModification) []driver.DatawalletModification {
	t.Helper()
	got, err := st.Datawallets().AppendModifications(ctx, owner, mods)
	require.NoError(t, err, "fixture: append datawallet modifications")
	return got
}

// requireGapFree fails unless indexes, in any order, are 0, 1, …, len-1.
func requireGapFree(t testing.TB, rule string, indexes []int64) {
	t.Helper()
	sorted := slices.Clone(indexes)
	slices.Sort(sorted)
	want := make([]int64, len(sorted))
	for i := range want {
		want[i] = int64(i)
	}
	require.Equal(t, want, sorted, "%s: indexes must be 0, 1, 2, … without duplicates or gaps", rule)
}

// newRelationship returns a Pending relationship from from to to, created
// from a template, with its Creation audit entry.
func newRelationship(from, to string) driver.Relationship {
	return driver.Relationship{
		ID:              newID("REL"),
		TemplateID:      newID("RLT"),
		From:            from,
		To:              to,
		CreatedAt:       at(0),
		Status:          driver.RelationshipPending,
		CreationContent: []byte("\x00creation\xff" + newID("")),
		AuditLog: []driver.RelationshipAuditEntry{{
			ID:              newID("RAL"),
			CreatedAt:       at(0),
			CreatedBy:       from,
			CreatedByDevice: newID("DVC"),
			Reason:          driver.AuditCreation,
			NewStatus:       driver.RelationshipPending,
		}},
	}
}

// withStatus returns r in status s, with an audit entry for the change
// appended (a copy: r's own audit log is not changed).
func withStatus(r driver.Relationship, s driver.RelationshipStatus, reason driver.RelationshipAuditReason, when time.Time) driver.Relationship {
	old := r.Status
	r.AuditLog = append(slices.Clone(r.AuditLog), driver.RelationshipAuditEntry{
		ID: newID("RAL"), CreatedAt: when, CreatedBy: r.To, CreatedByDevice: newID("DVC"),
		Reason: reason, OldStatus: &old, NewStatus: s,
	})
	r.Status = s
	return r
}

func newTemplate(creator string) driver.RelationshipTemplate {
	return driver.RelationshipTemplate{
		ID:              newID("RLT"),
		CreatedBy:       creator,
		CreatedByDevice: newID("DVC"),
		CreatedAt:       at(0),
		Content:         []byte("\x00template\xff" + newID("")),
	}
}

func mustInsertRelationship(ctx context.Context, t testing.TB, st driver.Stores, r driver.Relationship) driver.Relationship {
	t.Helper()
	require.NoError(t, st.Relationships().Insert(ctx, r), "fixture: insert relationship")
	return r
}

func mustInsertTemplate(ctx context.Context, t testing.TB, st driver.Stores, tpl driver.RelationshipTemplate) driver.RelationshipTemplate {
	t.Helper()
	require.NoError(t, st.RelationshipTemplates().Insert(ctx, tpl), "fixture: insert relationship template")
	return tpl
}

func mustAllocate(ctx context.Context, t testing.TB, st driver.Stores, templateID, identity string) driver.TemplateAllocation {
	t.Helper()
	a := driver.TemplateAllocation{TemplateID: templateID, AllocatedBy: identity, AllocatedByDevice: newID("DVC"), AllocatedAt: at(time.Minute)}
	require.NoError(t, st.RelationshipTemplates().Allocate(ctx, a), "fixture: allocate relationship template")
	return a
}

// relationshipIDs returns the IDs of rs, in order.
func relationshipIDs(rs []driver.Relationship) []string {
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return ids
}

// stripAuditLogs returns copies of rs without audit logs.
func stripAuditLogs(rs ...driver.Relationship) []driver.Relationship {
	out := make([]driver.Relationship, len(rs))
	for i, r := range rs {
		r.AuditLog = nil
		out[i] = r
	}
	return out
}

// newMessage returns a message from sender to the recipients, each with an
// encrypted key of its own, and with two attachments.
func newMessage(sender string, recipients ...string) driver.MessageRecord {
	m := driver.MessageRecord{
		ID:              newID("MSG"),
		CreatedAt:       at(0),
		CreatedBy:       sender,
		CreatedByDevice: newID("DVC"),
		Body:            []byte("\x00body\xff" + newID("")),
		Attachments:     []string{newID("FIL"), newID("FIL")},
		Recipients:      []driver.MessageRecipient{},
	}
	for _, r := range recipients {
		m.Recipients = append(m.Recipients, driver.MessageRecipient{
			Address:        r,
			RelationshipID: newID("REL"),
			EncryptedKey:   []byte("\x00key\xff" + newID("") + newID("")),
		})
	}
	return m
}

func newToken(creator string) driver.Token {
	t := driver.Token{
		ID:        newID("TOK"),
		CreatedBy: creator,
		CreatedAt: at(0),
		ExpiresAt: at(time.Hour),
		Content:   []byte("\x00token\xff" + newID("")),
	}
	if creator != "" {
		t.CreatedByDevice = newID("DVC")
	}
	return t
}

// newFile returns a file created and owned by creator, unlocked and never
// claimed.
func newFile(creator string) driver.File {
	return driver.File{
		ID:                  newID("FIL"),
		CreatedAt:           at(0),
		CreatedBy:           creator,
		CreatedByDevice:     newID("DVC"),
		Owner:               creator,
		OwnerSignature:      []byte("\x00signature\xff" + newID("")),
		CipherSize:          1234,
		CipherHash:          []byte("\x00hash\xff" + newID("")),
		ExpiresAt:           at(time.Hour),
		EncryptedProperties: []byte("\x00properties\xff" + newID("")),
		OwnershipToken:      newID(""),
	}
}

func mustInsertMessage(ctx context.Context, t testing.TB, st driver.Stores, m driver.MessageRecord) driver.MessageRecord {
	t.Helper()
	require.NoError(t, st.Messages().Insert(ctx, m), "fixture: insert message")
	return m
}

func mustInsertToken(ctx context.Context, t testing.TB, st driver.Stores, tok driver.Token) driver.Token {
	t.Helper()
	require.NoError(t, st.Tokens().Insert(ctx, tok), "fixture: insert token")
	return tok
}

func mustAllocateToken(ctx context.Context, t testing.TB, st driver.Stores, tokenID, identity string) driver.TokenAllocation {
	t.Helper()
	a := driver.TokenAllocation{TokenID: tokenID, AllocatedBy: identity, AllocatedByDevice: newID("DVC"), AllocatedAt: at(time.Minute)}
	require.NoError(t, st.Tokens().Allocate(ctx, a), "fixture: allocate token")
	return a
}

// messageIDs returns the IDs of ms, in order.
func messageIDs(ms []driver.MessageRecord) []string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids
}

// tokenIDs returns the IDs of ts, in order.
func tokenIDs(ts []driver.Token) []string {
	ids := make([]string, len(ts))
	for i, tok := range ts {
		ids[i] = tok.ID
	}
	return ids
}

func mustInsertFile(ctx context.Context, t testing.TB, st driver.Stores, f driver.File) driver.File {
	t.Helper()
	require.NoError(t, st.Files().Insert(ctx, f), "fixture: insert file")
	return f
}

// fileIDs returns the IDs of fs, in order.
func fileIDs(fs []driver.File) []string {
	ids := make([]string, len(fs))
	for i, f := range fs {
		ids[i] = f.ID
	}
	return ids
}
