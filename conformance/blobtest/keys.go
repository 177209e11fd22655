package blobtest

import (
	"errors"
	"testing"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

func testKeys(t *testing.T, newHarness HarnessMaker) {
	rule(t, newHarness, "SlashesRoundTrip", func(e *env) {
		data := map[string][]byte{
			"dir/sub/file":    content(40, 100),
			"dir/other":       content(41, 100),
			"dir/sub/another": content(42, 100),
		}
		for k, v := range data {
			e.put(k, v)
		}
		for k, v := range data {
			e.expectContent(k, v, "a key with slashes")
		}
		e.expectList("dir/", []string{"dir/sub/file", "dir/other", "dir/sub/another"}, "keys with slashes")
		e.expectList("dir/sub/", []string{"dir/sub/file", "dir/sub/another"}, "keys with slashes")
	})

	rule(t, newHarness, "LeadingPathIsNotABlob", func(e *env) {
		data := content(43, 100)
		e.put("p/q/r", data)
		for _, k := range []string{"p", "p/q", "p/q/"} {
			e.expectMissing(k, "a leading path of a key")
			if err := e.blob.Delete(e.ctx, k); !errors.Is(err, driver.ErrNotFound) {
				e.failf("Delete(%q) of a leading path of a key = %v, want an error wrapping driver.ErrNotFound", k, err)
			}
		}
		e.expectContent("p/q/r", data, "after deleting its leading paths")
		e.expectList("", []string{"p/q/r"}, "only the key itself")
	})

	rule(t, newHarness, "EmptiedPathIsGone", func(e *env) {
		e.put("p/q/r", content(44, 10))
		if err := e.blob.Delete(e.ctx, "p/q/r"); err != nil {
			e.failf("Delete: %v", err)
		}
		e.expectList("", nil, "after deleting the only key below a path")
		e.expectMissing("p/q", "a path whose keys are all deleted")
		if err := e.blob.Delete(e.ctx, "p/q"); !errors.Is(err, driver.ErrNotFound) {
			e.failf("Delete of a path whose keys are all deleted = %v, want an error wrapping driver.ErrNotFound", err)
		}
	})

	rule(t, newHarness, "TypicalKeysRoundTrip", func(e *env) {
		keys := []string{
			"FILabcdefghijklmnopqr", // a file ID
			"a.b-c_d~e",
			"files/2024/FIL0123456789abcdefgh",
			"with space",
			"ünïcödé",
			"UPPER/lower",
		}
		for i, k := range keys {
			e.put(k, content(uint64(50+i), 10+i))
		}
		for i, k := range keys {
			e.expectContent(k, content(uint64(50+i), 10+i), "a typical key")
		}
		e.expectList("", keys, "typical keys")
	})
}
