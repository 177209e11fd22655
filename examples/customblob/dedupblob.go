package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// dedupBlob is a driver.Blob written for this example: an in-memory store
// that keeps each distinct content once, however many keys hold it
// (content addressing with reference counts). It shows what an adapter
// author writes: storage only, the contract's sentinels (driver.ErrNotFound),
// and nothing visible before Close. dedupblob_test.go certifies it with
// conformance/blobtest.
type dedupBlob struct {
	mu       sync.Mutex
	keys     map[string][sha256.Size]byte // key → digest of its content
	contents map[[sha256.Size]byte]*content
	writes   int
	closed   bool
}

type content struct {
	data []byte // never changed once stored, so readers share it
	refs int
}

var _ driver.Blob = (*dedupBlob)(nil)

var errClosed = errors.New("dedupblob: store is closed")

func newDedupBlob() *dedupBlob {
	return &dedupBlob{keys: map[string][sha256.Size]byte{}, contents: map[[sha256.Size]byte]*content{}}
}

// blobStats says how much deduplication saved.
type blobStats struct {
	Writes        int   `json:"writes"` // committed since the start
	Keys          int   `json:"keys"`
	Contents      int   `json:"contents"`
	BytesStored   int64 `json:"bytesStored"`
	BytesReferred int64 `json:"bytesReferred"` // what a plain store would hold
}

func (s *dedupBlob) Stats() blobStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := blobStats{Writes: s.writes, Keys: len(s.keys), Contents: len(s.contents)}
	for _, c := range s.contents {
		st.BytesStored += int64(len(c.data))
		st.BytesReferred += int64(len(c.data) * c.refs)
	}
	return st
}

func (s *dedupBlob) NewWriter(ctx context.Context, key string) (driver.BlobWriter, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errClosed
	}
	return &dedupWriter{ctx: ctx, store: s, key: key}, nil
}

func (s *dedupBlob) NewReader(_ context.Context, key string) (io.ReadCloser, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errClosed
	}
	d, ok := s.keys[key]
	if !ok {
		return nil, fmt.Errorf("dedupblob: read %q: %w", key, driver.ErrNotFound)
	}
	return io.NopCloser(bytes.NewReader(s.contents[d].data)), nil
}

func (s *dedupBlob) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed
	}
	d, ok := s.keys[key]
	if !ok {
		return fmt.Errorf("dedupblob: delete %q: %w", key, driver.ErrNotFound)
	}
	delete(s.keys, key)
	s.release(d)
	return nil
}

func (s *dedupBlob) List(ctx context.Context, prefix string, fn func(key string) error) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errClosed
	}
	var keys []string
	for k := range s.keys {
		if len(k) >= len(prefix) && k[:len(prefix)] == prefix {
			keys = append(keys, k)
		}
	}
	// fn runs unlocked: it may read or delete what it is given.
	s.mu.Unlock()
	for _, k := range keys {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(k); err != nil {
			return err
		}
	}
	return nil
}

func (s *dedupBlob) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.keys, s.contents = nil, nil
	return nil
}

// commit makes data the content of key, replacing what it held.
func (s *dedupBlob) commit(key string, data []byte) error {
	d := sha256.Sum256(data)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed
	}
	if c, ok := s.contents[d]; ok {
		c.refs++
	} else {
		s.contents[d] = &content{data: data, refs: 1}
	}
	if old, ok := s.keys[key]; ok {
		s.release(old)
	}
	s.keys[key] = d
	s.writes++
	return nil
}

// release drops one reference to the content; the last one frees it.
func (s *dedupBlob) release(d [sha256.Size]byte) {
	if c := s.contents[d]; c.refs > 1 {
		c.refs--
	} else {
		delete(s.contents, d)
	}
}

// dedupWriter collects the content in memory and stores it on Close.
type dedupWriter struct {
	ctx   context.Context
	store *dedupBlob
	key   string
	buf   bytes.Buffer
	done  bool
}

func (w *dedupWriter) Write(p []byte) (int, error) {
	if w.done {
		return 0, errors.New("dedupblob: write after Close or Abort")
	}
	if err := w.ctx.Err(); err != nil {
		return 0, err
	}
	return w.buf.Write(p)
}

// Close stores the content unless the writer's context ended first, as the
// contract requires.
func (w *dedupWriter) Close() error {
	if w.done {
		return errors.New("dedupblob: Close after Close or Abort")
	}
	w.done = true
	if err := w.ctx.Err(); err != nil {
		return fmt.Errorf("dedupblob: write %q: %w", w.key, err)
	}
	return w.store.commit(w.key, bytes.Clone(w.buf.Bytes()))
}

// Abort discards the write; after Close it does nothing.
func (w *dedupWriter) Abort() error {
	w.done = true
	w.buf = bytes.Buffer{}
	return nil
}
