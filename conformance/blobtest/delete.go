package blobtest

import (
	"errors"
	"testing"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

func testDelete(t *testing.T, newHarness HarnessMaker) {
	rule(t, newHarness, "RemovesBlob", func(e *env) {
		e.put("blob", content(30, chunkSize))
		if err := e.blob.Delete(e.ctx, "blob"); err != nil {
			e.failf("Delete: %v", err)
		}
		e.expectMissing("blob", "after Delete")
		e.expectList("", nil, "after Delete")
	})

	rule(t, newHarness, "MissingIsErrNotFound", func(e *env) {
		if err := e.blob.Delete(e.ctx, "never-written"); !errors.Is(err, driver.ErrNotFound) {
			e.failf("Delete of a key never written = %v, want an error wrapping driver.ErrNotFound", err)
		}
	})

	rule(t, newHarness, "SecondDeleteIsErrNotFound", func(e *env) {
		e.put("blob", content(31, 10))
		if err := e.blob.Delete(e.ctx, "blob"); err != nil {
			e.failf("first Delete: %v", err)
		}
		if err := e.blob.Delete(e.ctx, "blob"); !errors.Is(err, driver.ErrNotFound) {
			e.failf("second Delete = %v, want an error wrapping driver.ErrNotFound", err)
		}
	})

	rule(t, newHarness, "LeavesOtherKeys", func(e *env) {
		keep := map[string][]byte{
			"blob2":  content(32, 10),
			"blo":    content(33, 10),
			"x/blob": content(34, 10),
		}
		for k, v := range keep {
			e.put(k, v)
		}
		e.put("blob", content(35, 10))
		if err := e.blob.Delete(e.ctx, "blob"); err != nil {
			e.failf("Delete: %v", err)
		}
		for k, v := range keep {
			e.expectContent(k, v, `after deleting "blob"`)
		}
	})

	rule(t, newHarness, "CanWriteAgain", func(e *env) {
		e.put("blob", content(36, 10))
		if err := e.blob.Delete(e.ctx, "blob"); err != nil {
			e.failf("Delete: %v", err)
		}
		again := content(37, 20)
		e.put("blob", again)
		e.expectContent("blob", again, "written again after Delete")
	})
}
