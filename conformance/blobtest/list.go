package blobtest

import (
	"cmp"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// manyKeys is more keys than one page of any backend's listing (S3, Azure,
// GCS and gocloud's file and mem backends page by 1000 at most).
const manyKeys = 1100

func testList(t *testing.T, newHarness HarnessMaker) {
	rule(t, newHarness, "FindsEveryKeyWithPrefix", func(e *env) {
		want := make([]string, manyKeys)
		for i := range want {
			want[i] = fmt.Sprintf("in/%05d", i)
		}
		others := []string{"out/00001", "i", "in-not", "inn/00001", "a"}
		e.putMany(append(others, want...))
		e.expectList("in/", want, "more than one page of keys")
	})

	rule(t, newHarness, "EmptyPrefixFindsEveryKey", func(e *env) {
		keys := []string{"a", "b/c", "b/d/e", "z"}
		e.putMany(keys)
		e.expectList("", keys, "the empty prefix")
	})

	rule(t, newHarness, "PrefixIsAStringPrefix", func(e *env) {
		// Prefixes are not path segments: "ab" finds "abc" and "ab/c".
		e.putMany([]string{"abc", "ab/c", "a/b", "b"})
		e.expectList("ab", []string{"abc", "ab/c"}, `prefix "ab"`)
		e.expectList("ab/", []string{"ab/c"}, `prefix "ab/"`)
		e.expectList("a", []string{"abc", "ab/c", "a/b"}, `prefix "a"`)
	})

	rule(t, newHarness, "KeyEqualToPrefixIsFound", func(e *env) {
		e.putMany([]string{"key", "key2", "ke"})
		e.expectList("key", []string{"key", "key2"}, `prefix "key"`)
	})

	rule(t, newHarness, "NoMatchCallsNothing", func(e *env) {
		e.putMany([]string{"a", "b"})
		e.expectList("c", nil, "a prefix no key has")
		e.expectList("", []string{"a", "b"}, "sanity check")
	})

	rule(t, newHarness, "EmptyStoreCallsNothing", func(e *env) {
		e.expectList("", nil, "a new store")
	})

	rule(t, newHarness, "StopsOnCallbackError", func(e *env) {
		e.putMany([]string{"a", "b", "c", "d"})
		stop := errors.New("blobtest: stop")
		calls := 0
		err := e.blob.List(e.ctx, "", func(string) error {
			calls++
			return stop
		})
		if !errors.Is(err, stop) {
			e.errorf("List returned %v, want the callback's error", err)
		}
		if calls != 1 {
			e.errorf("the callback was called %d times after returning an error the first time, want once", calls)
		}
	})
}

// putMany stores a small blob (the key itself) under each key, a few at a
// time.
func (e *env) putMany(keys []string) {
	e.t.Helper()
	const workers = 16
	work := make(chan string)
	var (
		mu    sync.Mutex
		first error
	)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for k := range work {
				if err := e.tryPut(k, []byte(k)); err != nil {
					mu.Lock()
					first = cmp.Or(first, err)
					mu.Unlock()
				}
			}
		})
	}
	for _, k := range keys {
		work <- k
	}
	close(work)
	wg.Wait()
	if first != nil {
		e.t.Fatalf("store %d keys: %v", len(keys), first)
	}
}

// tryPut stores data with the key, aborting on failure.
func (e *env) tryPut(key string, data []byte) error {
	w, err := e.blob.NewWriter(e.ctx, key)
	if err != nil {
		return fmt.Errorf("NewWriter(%q): %w", key, err)
	}
	if _, err := w.Write(data); err != nil {
		_ = w.Abort()
		return fmt.Errorf("Write to %q: %w", key, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("Close writer of %q: %w", key, err)
	}
	return nil
}
