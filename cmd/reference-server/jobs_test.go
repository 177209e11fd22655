package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/adapters/sqlstore"
	"github.com/openbackbone/openbackbone/backbone/driver"
)

func TestJobSubcommandsRunOnceAndReport(t *testing.T) {
	dir := t.TempDir()
	for _, job := range jobNames {
		var log bytes.Buffer
		require.NoError(t, run(t.Context(), []string{"job", job, "-data-dir", dir}, env(nil), &log, nil), job)
		assert.Contains(t, log.String(), "job done", job)
		assert.Contains(t, log.String(), "job="+job, job)
	}
	assert.ErrorContains(t, run(t.Context(), []string{"job", "nope", "-data-dir", dir}, env(nil), io.Discard, nil), "unknown job")
	assert.ErrorContains(t, run(t.Context(), []string{"job", "-data-dir", dir}, env(nil), io.Discard, nil), "name the job")
}

func TestNextRunIsTheNextTimeOfDayInUTC(t *testing.T) {
	at, err := time.Parse("15:04", "01:30")
	require.NoError(t, err)
	now := time.Date(2030, 1, 2, 1, 0, 0, 0, time.UTC)
	assert.Equal(t, time.Date(2030, 1, 2, 1, 30, 0, 0, time.UTC), nextRun(now, at))
	assert.Equal(t, time.Date(2030, 1, 3, 1, 30, 0, 0, time.UTC), nextRun(now.Add(30*time.Minute), at), "not the same instant again")
}

func TestActualDeletionJobDeletesARipeIdentity(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, run(t.Context(), []string{"migrate", "-data-dir", dir}, env(nil), io.Discard, nil))
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(dir, "backbone.db"), sqlstore.Options{})
	require.NoError(t, err)
	defer st.Close()
	address := "did:e:localhost:dids:0123456789abcdef0123ab"
	ended := time.Now().Add(-time.Hour)
	require.NoError(t, st.Identities().Insert(ctx, driver.Identity{
		Address: address, ClientID: "test", PublicKey: []byte("{}"), IdentityVersion: 1, CreatedAt: ended,
		TierID: "TIR00000000000000001", Status: driver.IdentityToBeDeleted, DeletionGracePeriodEndsAt: &ended,
	}))
	require.NoError(t, st.Deletion().InsertProcess(ctx, driver.DeletionProcess{
		ID: "IDP00000000000000001", IdentityAddress: address, Status: driver.DeletionProcessActive,
		CreatedAt: ended, CreatedByDevice: "DVC00000000000000001", GracePeriodEndsAt: &ended,
	}))

	var log bytes.Buffer
	require.NoError(t, run(t.Context(), []string{"job", "actual-deletion", "-data-dir", dir}, env(nil), &log, nil))
	assert.Contains(t, log.String(), "deleted=1")
	_, err = st.Identities().Get(ctx, address)
	assert.ErrorIs(t, err, driver.ErrNotFound, "the job deleted the identity")
}
