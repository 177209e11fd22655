package gocloudblob_test

import (
	"context"
	"net/url"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/openbackbone/openbackbone/adapters/gocloudblob"
)

const (
	streamBlobSize  = 20 << 20
	streamChunkSize = 32 << 10
	// streamLimit is the most a streamed write may allocate or retain: well
	// below the blob, so that a writer buffering it fails.
	streamLimit = 8 << 20
)

// heapUse writes a 20 MiB blob in 32 KiB chunks from one reused buffer and
// returns how much the write allocated in all (TotalAlloc) and how much more
// heap is live after it than before (HeapAlloc, each after a GC, with the
// store still open).
func heapUse(t *testing.T, rawURL string) (allocated, retained int64) {
	t.Helper()
	ctx := context.Background()
	b, err := gocloudblob.Open(ctx, rawURL, gocloudblob.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	chunk := make([]byte, streamChunkSize)
	for i := range chunk {
		chunk[i] = byte(i * 7)
	}

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	w, err := b.NewWriter(ctx, "big")
	if err != nil {
		t.Fatal(err)
	}
	for range streamBlobSize / streamChunkSize {
		if _, err := w.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(b)
	return int64(after.TotalAlloc - before.TotalAlloc), int64(after.HeapAlloc) - int64(before.HeapAlloc)
}

// TestFileWriteStreams checks with the heap statistics that writing a 20 MiB
// blob to file:// neither allocates nor retains anything like its size. It
// runs alone (not parallel), as the statistics are process-wide.
func TestFileWriteStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 20 MiB")
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(t.TempDir(), "blobs"))}
	allocated, retained := heapUse(t, u.String())
	t.Logf("file://: writing %d MiB in %d KiB chunks allocated %d KiB, retained %d KiB",
		streamBlobSize>>20, streamChunkSize>>10, allocated>>10, retained>>10)
	if allocated > streamLimit || retained > streamLimit {
		t.Errorf("file:// write of %d MiB allocated %d KiB and retained %d KiB; want both below %d KiB",
			streamBlobSize>>20, allocated>>10, retained>>10, streamLimit>>10)
	}
}

// TestMemWriteIsMeasuredAsBuffered is the control for TestFileWriteStreams:
// mem:// keeps the blob in memory, and the same measurement must see it.
func TestMemWriteIsMeasuredAsBuffered(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 20 MiB")
	}
	allocated, retained := heapUse(t, "mem://")
	t.Logf("mem://: writing %d MiB allocated %d KiB, retained %d KiB", streamBlobSize>>20, allocated>>10, retained>>10)
	if retained < streamBlobSize {
		t.Errorf("mem:// holds the %d MiB blob, but the measurement saw only %d KiB retained", streamBlobSize>>20, retained>>10)
	}
}
