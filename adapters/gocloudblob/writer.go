package gocloudblob

import (
	"context"

	"gocloud.dev/blob"
)

// writer is a driver.BlobWriter on a gocloud writer whose context it owns:
// cancelling that context before the gocloud writer's Close is how gocloud
// discards a write (fileblob removes its temporary file, s3blob aborts the
// multipart upload, memblob drops its buffer).
type writer struct {
	w      *blob.Writer
	cancel context.CancelFunc
	key    string
	done   bool // Close or Abort called
}

func (w *writer) Write(p []byte) (int, error) {
	if w.done {
		return 0, translate("write", w.key, ErrClosed)
	}
	n, err := w.w.Write(p)
	return n, translate("write", w.key, err)
}

// Close commits the blob: it is visible, whole, once Close returns nil. If
// the context given to NewWriter is done, nothing is stored and Close
// returns an error wrapping the context's error. Close after Close or Abort
// returns ErrClosed.
func (w *writer) Close() error {
	if w.done {
		return translate("close writer", w.key, ErrClosed)
	}
	w.done = true
	defer w.cancel()
	return translate("close writer", w.key, w.w.Close())
}

// Abort discards the write; nothing is stored and nothing staged is left.
// Abort after Close or Abort does nothing.
func (w *writer) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.cancel()
	// Close after cancel makes the backend discard the write; its error is
	// the cancellation.
	_ = w.w.Close()
	return nil
}
