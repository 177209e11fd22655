package gocloudblob_test

import (
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/adapters/gocloudblob"
)

func TestPingFailsOnceClosed(t *testing.T) {
	b, _ := openDir(t, gocloudblob.Options{})
	require.NoError(t, b.Ping(t.Context()))
	require.NoError(t, b.Close())
	assert.ErrorIs(t, b.Ping(t.Context()), gocloudblob.ErrClosed)
}

func TestPingFailsWhenTheBucketDoesNotExist(t *testing.T) {
	backend := s3mem.New()
	require.NoError(t, backend.CreateBucket(emulatorBucket))
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "openbackbone")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "openbackbone-secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_PROFILE", "")

	present, err := gocloudblob.Open(t.Context(), s3URL(srv.URL), gocloudblob.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = present.Close() })
	require.NoError(t, present.Ping(t.Context()))

	missingURL := strings.Replace(s3URL(srv.URL), "s3://"+emulatorBucket, "s3://no-such-bucket", 1)
	missing, err := gocloudblob.Open(t.Context(), missingURL, gocloudblob.Options{})
	require.NoError(t, err, "cloud backends connect on first use")
	t.Cleanup(func() { _ = missing.Close() })
	assert.Error(t, missing.Ping(t.Context()))
}
