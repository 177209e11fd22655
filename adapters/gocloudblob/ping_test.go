package gocloudblob_test

import (
	"strings"
	"testing"

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
	endpoint := startFakeS3(t)

	present, err := gocloudblob.Open(t.Context(), s3URL(endpoint), gocloudblob.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = present.Close() })
	require.NoError(t, present.Ping(t.Context()))

	missingURL := strings.Replace(s3URL(endpoint), "s3://"+emulatorBucket, "s3://no-such-bucket", 1)
	missing, err := gocloudblob.Open(t.Context(), missingURL, gocloudblob.Options{})
	require.NoError(t, err, "cloud backends connect on first use")
	t.Cleanup(func() { _ = missing.Close() })
	assert.Error(t, missing.Ping(t.Context()))
}
