// Package backbonetest builds a Backbone on a real store for tests: SQLite
// in a temporary file, PostgreSQL in a fresh schema, or SQL Server in a
// fresh database, the servers coming from internal/testservices (an
// environment variable, else a testcontainers container, else the test is
// skipped saying why).
package backbonetest

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/adapters/gocloudblob"
	"github.com/openbackbone/openbackbone/adapters/sqlstore"
	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/internal/testservices"
)

// Stores lists the stores a test should run on, each in a subtest of its
// own: "sqlite", "postgres" and "mssql" (SQL Server). OpenStore skips the
// subtest of a server that is not at hand, so that the report says which
// stores ran and how to run the others.
func Stores() []string {
	return []string{"sqlite", "postgres", "mssql"}
}

// Clock is a settable clock. Each reading moves it on by a millisecond, so
// records made one after another have distinct, ordered times, as they
// would on a real clock at the API's precision.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Millisecond)
	return c.now
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// Env is a Backbone on a fresh store.
type Env struct {
	Backbone *backbone.Backbone
	Store    *sqlstore.Store
	Clock    *Clock
	Blob     driver.Blob
	config   backbone.Config
}

// TestClientID and TestClientSecret are the seeded OAuth client.
const (
	TestClientID     = "test"
	TestClientSecret = "test"
)

// New returns a migrated, seeded Backbone on the named store (one of
// Stores) with a development configuration. cfg may adjust it.
func New(t testing.TB, store string, cfg func(*backbone.Config)) *Env {
	t.Helper()
	ctx := context.Background()
	st := OpenStore(t, store)
	require.NoError(t, st.Migrate(ctx))
	clock := &Clock{now: time.Now().UTC()}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	c := backbone.DevelopmentConfig()
	c.DidDomainName = "localhost"
	c.TokenSigningKey = key
	if cfg != nil {
		cfg(&c)
	}
	blob, err := gocloudblob.Open(ctx, "file://"+filepath.Join(t.TempDir(), "files"), gocloudblob.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { blob.Close() })
	b, err := backbone.New(c, backbone.Drivers{Store: st, Clock: clock, Blob: blob})
	require.NoError(t, err)
	_, err = b.Tiers.EnsureBuiltIn(ctx)
	require.NoError(t, err)
	require.NoError(t, b.Clients.Ensure(ctx, backbone.CreateClientRequest{ClientID: TestClientID, ClientSecret: TestClientSecret}))
	return &Env{Backbone: b, Store: st, Clock: clock, Blob: blob, config: c}
}

// Restart returns a new Backbone on the same store, clock and keys with the
// bus, as a restarted server process would be. Its background work runs
// until the test ends.
func (e *Env) Restart(t testing.TB, bus driver.Bus, push ...driver.Push) *Env {
	t.Helper()
	b, err := backbone.New(e.config, backbone.Drivers{Store: e.Store, Clock: e.Clock, Bus: bus, Blob: e.Blob, Push: push})
	require.NoError(t, err)
	return &Env{Backbone: b, Store: e.Store, Clock: e.Clock, Blob: e.Blob, config: e.config}
}

// Run starts the Backbone's background work until the test ends, and
// waits for it to stop then.
func (e *Env) Run(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Backbone.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
}

// OpenStore opens an empty, unmigrated store that is removed when the test
// ends. For "postgres" and "mssql" it skips the test, saying which variable
// to set, when testservices finds no server.
func OpenStore(t testing.TB, store string) *sqlstore.Store {
	t.Helper()
	ctx := context.Background()
	switch store {
	case "sqlite":
		st, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "backbone.db"), sqlstore.Options{})
		require.NoError(t, err)
		t.Cleanup(func() { st.Close() })
		return st
	case "postgres":
		dsn := testservices.Postgres(t)
		schema := fmt.Sprintf("t_%s", strings.ToLower(backbone.NewID("tst")[3:]))
		st, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Schema: schema})
		require.NoError(t, err)
		t.Cleanup(func() {
			_ = st.DropSchema(context.Background())
			st.Close()
		})
		return st
	case "mssql":
		st, err := sqlstore.Open(ctx, testservices.SQLServerDatabase(t), sqlstore.Options{})
		require.NoError(t, err)
		t.Cleanup(func() { st.Close() })
		return st
	}
	t.Fatalf("unknown store %q", store)
	return nil
}

// AddExternalEvent records an external event for owner directly in the
// store, standing in for the domain events later features raise.
func (e *Env) AddExternalEvent(t testing.TB, owner, eventType, payload string) string {
	t.Helper()
	id := backbone.NewID(backbone.PrefixEvent)
	err := e.Store.InTx(context.Background(), func(tx driver.Tx) error {
		_, err := tx.ExternalEvents().Insert(context.Background(), driver.ExternalEvent{
			ID: id, Owner: owner, Type: eventType, CreatedAt: e.Clock.Now().Truncate(time.Millisecond), Payload: []byte(payload),
		})
		return err
	})
	require.NoError(t, err)
	return id
}
