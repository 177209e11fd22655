package blobtest_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/openbackbone/openbackbone/adapters/gocloudblob"
	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/conformance/blobtest"
	"github.com/openbackbone/openbackbone/conformance/internal/brokentest"
)

// These tests break the in-memory blob store on purpose, one rule at a time,
// and hold the suite to failing it under the rule's name (see brokentest).

// broken names this suite's child process for brokentest.
var broken = brokentest.Suite{
	Env:     "OPENBACKBONE_BLOBTEST_BROKEN",
	Child:   "TestBrokenBlobChild",
	Subject: "store",
}

// breakages wrap a working store so that it breaks one rule.
var breakages = map[string]func(driver.Blob) driver.Blob{
	// A read of a missing key that returns an empty blob instead of
	// driver.ErrNotFound.
	"missing-reads-empty": func(b driver.Blob) driver.Blob { return missingReadsEmpty{b} },
	// A delete of a missing key that reports success.
	"missing-deletes": func(b driver.Blob) driver.Blob { return missingDeletes{b} },
}

type missingReadsEmpty struct{ driver.Blob }

func (b missingReadsEmpty) NewReader(ctx context.Context, key string) (io.ReadCloser, error) {
	r, err := b.Blob.NewReader(ctx, key)
	if errors.Is(err, driver.ErrNotFound) {
		return io.NopCloser(strings.NewReader("")), nil
	}
	return r, err
}

type missingDeletes struct{ driver.Blob }

func (b missingDeletes) Delete(ctx context.Context, key string) error {
	if err := b.Blob.Delete(ctx, key); !errors.Is(err, driver.ErrNotFound) {
		return err
	}
	return nil
}

type brokenHarness struct{ breaks func(driver.Blob) driver.Blob }

func (h brokenHarness) MakeBlob(ctx context.Context) (driver.Blob, error) {
	b, err := gocloudblob.Open(ctx, "mem://", gocloudblob.Options{})
	if err != nil {
		return nil, err
	}
	return h.breaks(b), nil
}
func (brokenHarness) Close() {}

// TestBrokenBlobChild is the child process's test: it runs the suite on the
// store broken as broken.Env says. Run directly, it has nothing to do.
func TestBrokenBlobChild(t *testing.T) {
	breaks := brokentest.Selected(t, broken, breakages)
	blobtest.RunConformanceTests(t, func(context.Context, testing.TB) (blobtest.Harness, error) {
		return brokenHarness{breaks}, nil
	})
}

func TestBrokenBlobFailsNamingTheRule(t *testing.T) {
	brokentest.Run(t, broken, []brokentest.Case{
		{
			Breakage:   "missing-reads-empty",
			Area:       "Read",
			Rule:       "TestBrokenBlobChild/Read/MissingIsErrNotFound",
			Message:    `rule "MissingIsErrNotFound" broken: a key never written: NewReader("never-written") succeeded`,
			Unaffected: "TestBrokenBlobChild/Read/ReturnsWhatWasWritten",
		},
		{
			Breakage:   "missing-deletes",
			Area:       "Delete",
			Rule:       "TestBrokenBlobChild/Delete/MissingIsErrNotFound",
			Message:    `rule "MissingIsErrNotFound" broken: Delete of a key never written = <nil>, want an error wrapping driver.ErrNotFound`,
			Unaffected: "TestBrokenBlobChild/Delete/RemovesBlob",
		},
	})
}
