// Package suite is the plumbing the conformance suites share: areas run as
// parallel subtests, and each rule runs as a parallel subtest of its area on
// a harness of its own, under a deadline, so that a broken adapter fails
// under the rule's name instead of hanging or disturbing other rules.
package suite

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"
)

// Area is one top-level subtest of a suite, run with the suite's harness
// maker M.
type Area[M any] struct {
	Name string
	Run  func(*testing.T, M)
}

// RunAreas runs the areas in parallel, handing each newHarness.
func RunAreas[M any](t *testing.T, newHarness M, areas []Area[M]) {
	for _, a := range areas {
		t.Run(a.Name, func(t *testing.T) {
			t.Parallel()
			a.Run(t, newHarness)
		})
	}
}

// Rule runs f as a parallel subtest named name on a harness newHarness makes
// for it, under a deadline of timeout that covers setup too. The harness is
// closed after every cleanup f registers (the adapter's own Close among
// them), as cleanups run last registered first.
func Rule[H interface{ Close() }](t *testing.T, name string, timeout time.Duration,
	newHarness func(context.Context, *testing.T) (H, error), f func(ctx context.Context, t *testing.T, h H)) {
	t.Run(name, func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		h, err := newHarness(ctx, t)
		if err != nil {
			t.Fatalf("make harness: %v", err)
		}
		t.Cleanup(h.Close)
		f(ctx, t, h)
	})
}

// Within runs f and fails t if it has not returned after limit; the test
// then goes on without it.
func Within(t testing.TB, what string, limit time.Duration, f func()) bool {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
		return true
	case <-time.After(limit):
		t.Errorf("%s did not return within %v", what, limit)
		return false
	}
}

// RandomHex returns 2n random hex digits, for names no other test uses.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
