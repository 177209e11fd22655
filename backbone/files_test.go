package backbone_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/backbone/driver"
	"github.com/openbackbone/openbackbone/internal/backbonetest"
)

// failingBlob is a blob store whose writes fail at a chosen step, standing
// in for an outage of the real one.
type failingBlob struct {
	driver.Blob
	failOn string // "write" or "close"
}

type failingWriter struct {
	driver.BlobWriter
	failOn string
}

func (b failingBlob) NewWriter(ctx context.Context, key string) (driver.BlobWriter, error) {
	w, err := b.Blob.NewWriter(ctx, key)
	return failingWriter{w, b.failOn}, err
}

func (w failingWriter) Write(p []byte) (int, error) {
	if w.failOn == "write" {
		return 0, errors.New("blob store unavailable")
	}
	return w.BlobWriter.Write(p)
}

func (w failingWriter) Close() error {
	if w.failOn == "close" {
		_ = w.BlobWriter.Abort()
		return errors.New("blob store unavailable")
	}
	return w.BlobWriter.Close()
}

func TestBlobStoreFailureDuringUploadLeavesNoFile(t *testing.T) {
	for _, step := range []string{"write", "close"} {
		t.Run(step, func(t *testing.T) {
			base := backbonetest.New(t, "sqlite", nil)
			a := base.CreateAccount(t).Caller
			cfg := base.Backbone.Config()
			b, err := backbone.New(cfg, backbone.Drivers{Store: base.Store, Clock: base.Clock, Blob: failingBlob{base.Blob, step}})
			require.NoError(t, err)
			up, err := b.Files.BeginUpload(t.Context(), a)
			require.NoError(t, err)
			_, werr := io.Copy(up, strings.NewReader("content"))
			var cerr error
			if werr == nil {
				_, cerr = up.Commit(t.Context(), backbone.FileMetadata{OwnerSignature: []byte("s"), CipherHash: []byte("h"), ExpiresAt: time.Now().Add(time.Hour)})
			} else {
				up.Abort()
			}
			err = errors.Join(werr, cerr)
			require.Error(t, err)
			assert.Equal(t, backbone.KindInternal, backbone.AsError(err).Kind, "an outage is an internal error, logged, not shown")
			files, err := b.Files.List(t.Context(), a, nil, backbone.PageRequest{})
			require.NoError(t, err)
			assert.Empty(t, files.Items, "no metadata row")
			n := 0
			require.NoError(t, base.Blob.List(t.Context(), "", func(string) error { n++; return nil }))
			assert.Zero(t, n, "no blob")
		})
	}
}
