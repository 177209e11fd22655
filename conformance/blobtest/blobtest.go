// Package blobtest is the conformance suite every driver.Blob must pass.
//
// An adapter's test file hands RunConformanceTests a HarnessMaker; the suite
// runs one subtest per rule of the driver.Blob contract, named after the rule
// (Write/VisibleOnlyAfterClose, Read/MissingIsErrNotFound, …), each on a
// fresh store, in parallel. Every rule runs under a deadline, so a broken
// adapter fails instead of hanging. RunBenchmarks measures write and read
// throughput.
package blobtest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/conformance/internal/suite"
)

// Harness gives the suite blob stores on one backend.
type Harness interface {
	// MakeBlob returns a new, empty Blob that shares no keys with any other
	// Blob the harness or other harnesses made (a directory, bucket or key
	// prefix of its own). The suite closes it.
	MakeBlob(ctx context.Context) (driver.Blob, error)
	// Close releases what the harness holds; it is called after the test's
	// stores are closed.
	Close()
}

// HarnessMaker makes a Harness for one test.
type HarnessMaker func(ctx context.Context, t testing.TB) (Harness, error)

// forTest is m in the form suite.Rule takes.
func (m HarnessMaker) forTest(ctx context.Context, t *testing.T) (Harness, error) { return m(ctx, t) }

const (
	// ruleTimeout bounds one rule, setup and a 25 MiB round trip included.
	ruleTimeout = 2 * time.Minute
	// chunkSize is what the suite hands Write at a time.
	chunkSize = 32 << 10
)

// RunConformanceTests runs the whole suite against the stores newHarness
// makes.
func RunConformanceTests(t *testing.T, newHarness HarnessMaker) {
	suite.RunAreas(t, newHarness, []suite.Area[HarnessMaker]{
		{Name: "Write", Run: testWrite},
		{Name: "Read", Run: testRead},
		{Name: "Delete", Run: testDelete},
		{Name: "List", Run: testList},
		{Name: "Keys", Run: testKeys},
	})
}

// rule runs one rule as a parallel subtest with a fresh harness and store.
func rule(t *testing.T, newHarness HarnessMaker, name string, f func(e *env)) {
	suite.Rule(t, name, ruleTimeout, newHarness.forTest, func(ctx context.Context, t *testing.T, h Harness) {
		b, err := h.MakeBlob(ctx)
		if err != nil {
			t.Fatalf("make blob store: %v", err)
		}
		t.Cleanup(func() {
			if err := b.Close(); err != nil {
				t.Errorf("Blob.Close: %v", err)
			}
		})
		f(&env{t: t, ctx: ctx, blob: b, rule: name})
	})
}

// env is one rule's fixture.
type env struct {
	t    testing.TB
	ctx  context.Context
	blob driver.Blob
	rule string
}

// failf reports a broken rule, naming it.
func (e *env) failf(format string, args ...any) {
	e.t.Helper()
	e.t.Fatalf("rule %q broken: %s", e.rule, fmt.Sprintf(format, args...))
}

// errorf reports a broken rule, naming it, and lets the rule go on.
func (e *env) errorf(format string, args ...any) {
	e.t.Helper()
	e.t.Errorf("rule %q broken: %s", e.rule, fmt.Sprintf(format, args...))
}

// newWriter starts a write that must start.
func (e *env) newWriter(ctx context.Context, key string) driver.BlobWriter {
	e.t.Helper()
	w, err := e.blob.NewWriter(ctx, key)
	if err != nil {
		e.t.Fatalf("NewWriter(%q): %v", key, err)
	}
	return w
}

// writeChunks writes data in chunkSize pieces.
func (e *env) writeChunks(w io.Writer, key string, data []byte) {
	e.t.Helper()
	for c := range slices.Chunk(data, chunkSize) {
		if _, err := w.Write(c); err != nil {
			e.t.Fatalf("Write to %q: %v", key, err)
		}
	}
}

// put stores data with the key.
func (e *env) put(key string, data []byte) {
	e.t.Helper()
	w := e.newWriter(e.ctx, key)
	e.writeChunks(w, key, data)
	if err := w.Close(); err != nil {
		e.t.Fatalf("Close writer of %q: %v", key, err)
	}
}

// get reads the blob, which must exist.
func (e *env) get(key string) []byte {
	e.t.Helper()
	r, err := e.blob.NewReader(e.ctx, key)
	if err != nil {
		e.failf("NewReader(%q): %v", key, err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		e.failf("read %q: %v", key, err)
	}
	return data
}

// expectContent fails unless the blob holds want.
func (e *env) expectContent(key string, want []byte, what string) {
	e.t.Helper()
	if got := e.get(key); string(got) != string(want) {
		e.failf("%s: %q holds %s, want %s", what, key, describe(got), describe(want))
	}
}

// expectMissing fails unless NewReader reports ErrNotFound for the key.
func (e *env) expectMissing(key, what string) {
	e.t.Helper()
	r, err := e.blob.NewReader(e.ctx, key)
	if err == nil {
		data, _ := io.ReadAll(r)
		r.Close()
		e.failf("%s: NewReader(%q) succeeded (%s), want ErrNotFound", what, key, describe(data))
	}
	if !errors.Is(err, driver.ErrNotFound) {
		e.failf("%s: NewReader(%q) = %v, want an error wrapping driver.ErrNotFound", what, key, err)
	}
}

// list returns the keys List reports for prefix, in order, duplicates kept.
func (e *env) list(prefix string) []string {
	e.t.Helper()
	var keys []string
	if err := e.blob.List(e.ctx, prefix, func(k string) error {
		keys = append(keys, k)
		return nil
	}); err != nil {
		e.failf("List(%q): %v", prefix, err)
	}
	slices.Sort(keys)
	return keys
}

// expectList fails unless List(prefix) reports exactly want, each once.
func (e *env) expectList(prefix string, want []string, what string) {
	e.t.Helper()
	if d := diffKeys(e.list(prefix), want); d != "" {
		e.failf("%s: List(%q): %s", what, prefix, d)
	}
}

// diffKeys describes how got (sorted) differs from want, or returns "".
func diffKeys(got, want []string) string {
	wantSet := map[string]bool{}
	for _, k := range want {
		wantSet[k] = true
	}
	seen := map[string]int{}
	var extra, repeated, missing []string
	for _, k := range got {
		seen[k]++
		switch {
		case !wantSet[k]:
			extra = append(extra, k)
		case seen[k] == 2:
			repeated = append(repeated, k)
		}
	}
	for _, k := range want {
		if seen[k] == 0 {
			missing = append(missing, k)
		}
	}
	if len(extra)+len(repeated)+len(missing) == 0 {
		return ""
	}
	slices.Sort(missing)
	return fmt.Sprintf("missing %s, unexpected %s, repeated %s (got %d keys, want %d)",
		sample(missing), sample(extra), sample(repeated), len(got), len(want))
}

// sample shows at most 10 keys.
func sample(keys []string) string {
	if len(keys) > 10 {
		return fmt.Sprintf("%q… (%d in all)", keys[:10], len(keys))
	}
	return fmt.Sprintf("%q", keys)
}

// describe shows a blob's content briefly.
func describe(data []byte) string {
	if len(data) <= 40 {
		return fmt.Sprintf("%q", data)
	}
	return fmt.Sprintf("%d bytes, sha256 %x", len(data), sha256.Sum256(data))
}

// content returns n pseudo-random bytes, different per seed.
func content(seed uint64, n int) []byte {
	data := make([]byte, n)
	_, _ = rand.NewChaCha8(seedBytes(seed)).Read(data)
	return data
}

func seedBytes(seed uint64) (s [32]byte) {
	for i := range 8 {
		s[i] = byte(seed >> (8 * i))
	}
	return s
}
