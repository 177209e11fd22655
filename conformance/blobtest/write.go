package blobtest

import (
	"context"
	"errors"
	"sync"
	"testing"
)

func testWrite(t *testing.T, newHarness HarnessMaker) {
	rule(t, newHarness, "VisibleOnlyAfterClose", func(e *env) {
		data := content(1, 3*chunkSize+17)
		w := e.newWriter(e.ctx, "blob")
		e.writeChunks(w, "blob", data)
		e.expectMissing("blob", "before Close the blob must not be readable")
		e.expectList("", nil, "before Close the blob must not be listed")
		if err := w.Close(); err != nil {
			e.failf("Close: %v", err)
		}
		e.expectContent("blob", data, "after Close")
		e.expectList("", []string{"blob"}, "after Close")
	})

	rule(t, newHarness, "AbortLeavesNothing", func(e *env) {
		w := e.newWriter(e.ctx, "blob")
		e.writeChunks(w, "blob", content(2, 4*chunkSize))
		if err := w.Abort(); err != nil {
			e.failf("Abort: %v", err)
		}
		e.expectMissing("blob", "after Abort")
		e.expectList("", nil, "after Abort")
	})

	rule(t, newHarness, "AbortBeforeWritingLeavesNothing", func(e *env) {
		w := e.newWriter(e.ctx, "blob")
		if err := w.Abort(); err != nil {
			e.failf("Abort: %v", err)
		}
		e.expectMissing("blob", "after Abort")
		e.expectList("", nil, "after Abort")
	})

	rule(t, newHarness, "AbortKeepsPreviousBlob", func(e *env) {
		old := content(3, 2*chunkSize)
		e.put("blob", old)
		w := e.newWriter(e.ctx, "blob")
		e.writeChunks(w, "blob", content(4, 3*chunkSize))
		if err := w.Abort(); err != nil {
			e.failf("Abort: %v", err)
		}
		e.expectContent("blob", old, "an aborted replacement must leave the old blob")
	})

	rule(t, newHarness, "CancelledContextLeavesNothing", func(e *env) {
		ctx, cancel := context.WithCancel(e.ctx)
		w := e.newWriter(ctx, "blob")
		e.writeChunks(w, "blob", content(5, 4*chunkSize))
		cancel()
		if err := w.Close(); err == nil {
			e.errorf("Close after the writer's context was cancelled returned nil; it stores nothing, so it must fail")
		}
		e.expectMissing("blob", "after a write whose context was cancelled before Close")
		e.expectList("", nil, "after a write whose context was cancelled before Close")
	})

	rule(t, newHarness, "CancelledContextKeepsPreviousBlob", func(e *env) {
		old := content(6, chunkSize)
		e.put("blob", old)
		ctx, cancel := context.WithCancel(e.ctx)
		w := e.newWriter(ctx, "blob")
		e.writeChunks(w, "blob", content(7, 2*chunkSize))
		cancel()
		_ = w.Close()
		e.expectContent("blob", old, "a replacement whose context was cancelled must leave the old blob")
	})

	rule(t, newHarness, "ReplacesExisting", func(e *env) {
		e.put("blob", content(8, 3*chunkSize))
		shorter := content(9, chunkSize/2)
		e.put("blob", shorter)
		e.expectContent("blob", shorter, "after writing the key again")
		e.expectList("", []string{"blob"}, "after writing the key again")
	})

	rule(t, newHarness, "EmptyBlobIsStored", func(e *env) {
		e.put("empty", nil)
		e.expectContent("empty", nil, "a blob closed without writes")
		e.expectList("", []string{"empty"}, "a blob closed without writes")
	})

	rule(t, newHarness, "ConcurrentWritesLeaveOneWholeBlob", func(e *env) {
		const writers = 4
		versions := make([][]byte, writers)
		for i := range versions {
			versions[i] = content(uint64(100+i), 8*chunkSize)
		}
		errs := make([]error, writers)
		var wg sync.WaitGroup
		for i, v := range versions {
			wg.Go(func() {
				w, err := e.blob.NewWriter(e.ctx, "blob")
				if err != nil {
					errs[i] = err
					return
				}
				for j := 0; j < len(v); j += chunkSize {
					if _, err := w.Write(v[j : j+chunkSize]); err != nil {
						_ = w.Abort()
						errs[i] = err
						return
					}
				}
				errs[i] = w.Close()
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			e.failf("concurrent writers of one key: %v", err)
		}
		got := e.get("blob")
		for _, v := range versions {
			if string(got) == string(v) {
				return
			}
		}
		e.failf("after %d concurrent writes the blob holds %s, which is none of the versions written", writers, describe(got))
	})

	rule(t, newHarness, "WritesOfDifferentKeysAreIndependent", func(e *env) {
		a, b := content(10, chunkSize), content(11, chunkSize)
		wa := e.newWriter(e.ctx, "a")
		wb := e.newWriter(e.ctx, "b")
		e.writeChunks(wa, "a", a)
		e.writeChunks(wb, "b", b)
		if err := wb.Abort(); err != nil {
			e.failf("Abort b: %v", err)
		}
		if err := wa.Close(); err != nil {
			e.failf("Close a: %v", err)
		}
		e.expectContent("a", a, "a committed next to an aborted write")
		e.expectMissing("b", "b aborted next to a committed write")
	})
}
