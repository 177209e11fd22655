package blobtest

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"
)

// RunBenchmarks measures write and read throughput of 1 MiB and 20 MiB
// blobs, written in 32 KiB chunks; b.SetBytes makes `go test -bench` report
// MB/s.
func RunBenchmarks(b *testing.B, newHarness HarnessMaker) {
	for _, size := range []int{1 << 20, 20 << 20} {
		name := fmt.Sprintf("Size=%dMiB", size>>20)
		b.Run("Write/"+name, func(b *testing.B) { benchWrite(b, newHarness, size) })
		b.Run("Read/"+name, func(b *testing.B) { benchRead(b, newHarness, size) })
	}
}

func benchEnv(b *testing.B, newHarness HarnessMaker) *env {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	b.Cleanup(cancel)
	h, err := newHarness(ctx, b)
	if err != nil {
		b.Fatalf("make harness: %v", err)
	}
	b.Cleanup(h.Close)
	bl, err := h.MakeBlob(ctx)
	if err != nil {
		b.Fatalf("make blob store: %v", err)
	}
	b.Cleanup(func() { _ = bl.Close() })
	return &env{t: b, ctx: ctx, blob: bl, rule: b.Name()}
}

func benchWrite(b *testing.B, newHarness HarnessMaker, size int) {
	e := benchEnv(b, newHarness)
	data := content(1, size)
	b.SetBytes(int64(size))
	for i := 0; b.Loop(); i++ {
		e.put(fmt.Sprintf("bench/%d", i%4), data)
	}
}

func benchRead(b *testing.B, newHarness HarnessMaker, size int) {
	e := benchEnv(b, newHarness)
	e.put("bench", content(1, size))
	b.SetBytes(int64(size))
	for b.Loop() {
		r, err := e.blob.NewReader(e.ctx, "bench")
		if err != nil {
			b.Fatalf("NewReader: %v", err)
		}
		n, err := io.Copy(io.Discard, r)
		r.Close()
		if err != nil || n != int64(size) {
			b.Fatalf("read %d of %d bytes: %v", n, size, err)
		}
	}
}
