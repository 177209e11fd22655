package blobtest

import (
	"bytes"
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"testing"
)

// largeSize is the size of the large round trip: more than one multipart
// part or block of every cloud backend.
const largeSize = 25 << 20

func testRead(t *testing.T, newHarness HarnessMaker) {
	rule(t, newHarness, "MissingIsErrNotFound", func(e *env) {
		e.expectMissing("never-written", "a key never written")
	})

	rule(t, newHarness, "ReturnsWhatWasWritten", func(e *env) {
		data := content(20, 5*chunkSize+3)
		e.put("blob", data)
		e.expectContent("blob", data, "read back")
		e.expectContent("blob", data, "read back a second time")
	})

	rule(t, newHarness, "LargeBlobRoundTrips", func(e *env) {
		// Written from a generator in chunks and compared by hash, so the
		// suite holds no more than a chunk of it.
		w := e.newWriter(e.ctx, "large")
		want := sha256.New()
		gen := rand.NewChaCha8(seedBytes(21))
		chunk := make([]byte, chunkSize)
		for written := 0; written < largeSize; written += len(chunk) {
			_, _ = gen.Read(chunk)
			want.Write(chunk)
			if _, err := w.Write(chunk); err != nil {
				e.failf("Write at offset %d: %v", written, err)
			}
		}
		if err := w.Close(); err != nil {
			e.failf("Close: %v", err)
		}
		r, err := e.blob.NewReader(e.ctx, "large")
		if err != nil {
			e.failf("NewReader: %v", err)
		}
		defer r.Close()
		got := sha256.New()
		n, err := io.Copy(got, r)
		if err != nil {
			e.failf("read after %d bytes: %v", n, err)
		}
		if n != largeSize {
			e.failf("read %d bytes, wrote %d", n, largeSize)
		}
		if !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
			e.failf("read %d bytes with sha256 %x, wrote sha256 %x", n, got.Sum(nil), want.Sum(nil))
		}
	})
}
