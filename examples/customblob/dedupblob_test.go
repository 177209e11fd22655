package main

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/conformance/blobtest"
)

// harness is what an adapter author writes to certify a driver.Blob: a
// fresh, isolated store per rule.
type harness struct{}

func (harness) MakeBlob(context.Context) (driver.Blob, error) { return newDedupBlob(), nil }
func (harness) Close()                                        {}

func TestConformance(t *testing.T) {
	blobtest.RunConformanceTests(t, func(context.Context, testing.TB) (blobtest.Harness, error) {
		return harness{}, nil
	})
}

func BenchmarkDedupBlob(b *testing.B) {
	blobtest.RunBenchmarks(b, func(context.Context, testing.TB) (blobtest.Harness, error) {
		return harness{}, nil
	})
}

func write(t *testing.T, s driver.Blob, key, data string) {
	t.Helper()
	w, err := s.NewWriter(context.Background(), key)
	require.NoError(t, err)
	_, err = io.WriteString(w, data)
	require.NoError(t, err)
	require.NoError(t, w.Close())
}

func read(t *testing.T, s driver.Blob, key string) string {
	t.Helper()
	r, err := s.NewReader(context.Background(), key)
	require.NoError(t, err)
	defer r.Close()
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	return string(b)
}

func TestEqualContentIsStoredOnce(t *testing.T) {
	s := newDedupBlob()
	defer s.Close()
	same := strings.Repeat("x", 1000)
	write(t, s, "a", same)
	write(t, s, "b", same)
	write(t, s, "c", "other")
	assert.Equal(t, blobStats{Writes: 3, Keys: 3, Contents: 2, BytesStored: 1005, BytesReferred: 2005}, s.Stats())

	require.NoError(t, s.Delete(context.Background(), "a"))
	assert.Equal(t, same, read(t, s, "b"), "the other key keeps the shared content")
	assert.Equal(t, blobStats{Writes: 3, Keys: 2, Contents: 2, BytesStored: 1005, BytesReferred: 1005}, s.Stats())

	write(t, s, "b", "other") // replacing frees the content nobody holds any more
	assert.Equal(t, blobStats{Writes: 4, Keys: 2, Contents: 1, BytesStored: 5, BytesReferred: 10}, s.Stats())
}
