package main

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/internal/testservices"
	"github.com/openbackbone/openbackbone/internal/workload"
)

// Three server processes share one PostgreSQL and one RabbitMQ behind a
// load balancer while several clients run a mixed workload through it. One
// replica is killed with SIGKILL mid-run. The live replicas must answer
// every request without an error, and everything the replicas accepted
// must still be there afterwards, read through the survivors — including
// the external events of requests the killed replica accepted but may not
// have relayed from its outbox yet.
func TestReplicasLoseNothingWhenOneIsKilled(t *testing.T) {
	dsn, rabbit := testservices.Postgres(t), testservices.RabbitMQ(t)
	env := map[string]string{
		"OPENBACKBONE_DATABASE":           sharedDatabase(t, dsn),
		"OPENBACKBONE_BUS":                "rabbit://?prefix=obtest.replicakill.&server=" + url.QueryEscape(rabbit),
		"OPENBACKBONE_DATADIR":            t.TempDir(), // shared: one signing key and one file store
		"OPENBACKBONE_LOGFORMAT":          "text",
		"OPENBACKBONE_LOGLEVEL":           "info",
		"OPENBACKBONE_MIGRATEONSTART":     "false",
		"OPENBACKBONE_AUTH_TOKENLIFETIME": "10m",
		"OPENBACKBONE_JOBS_EMBEDDED":      "false",
	}
	replicas := make([]*replica, 3)
	urls := make([]string, 3)
	for i := range replicas {
		replicas[i] = startReplica(t, env)
		urls[i] = replicas[i].url
	}
	lb, err := workload.NewBalancer(urls)
	require.NoError(t, err)
	w := workload.New(lb, workload.Options{})
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()

	const workers, roundsBeforeKill, roundsAfterKill = 6, 30, 60
	var rounds atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				err := w.Round(ctx, g*1000+n)
				if ctx.Err() != nil {
					return
				}
				if err == nil {
					rounds.Add(1)
				}
			}
		})
	}
	finish := func() {
		close(stop)
		wg.Wait()
	}
	// Rounds, not seconds, pace the test: the kill falls among requests in
	// flight however fast this machine is.
	waitRounds := func(n int64) bool {
		for rounds.Load() < n {
			if ctx.Err() != nil || len(w.Failures()) > 20 {
				return false
			}
			time.Sleep(50 * time.Millisecond)
		}
		return true
	}
	if !waitRounds(roundsBeforeKill) {
		finish()
		t.Fatalf("the workload did not get going: %d rounds; failures:\n%s", rounds.Load(), w.Failures())
	}
	victim := 1
	require.Positive(t, lb.Served(victim), "the victim served requests before it is killed")
	// Kill while the victim is working on requests, so that some die half
	// done. Should it never have two at once, it dies idle.
	for deadline := time.Now().Add(10 * time.Second); lb.InFlight(victim) < 2 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	inFlight := lb.InFlight(victim)
	require.NoError(t, replicas[victim].cmd.Process.Kill())
	killedAfter := rounds.Load()
	ok := waitRounds(killedAfter + roundsAfterKill)
	finish()
	require.True(t, ok, "the workload went on after the kill: %d rounds; failures:\n%s", rounds.Load(), w.Failures())
	assert.True(t, lb.Dead(victim), "the balancer noticed the killed replica")
	t.Logf("killed with %d requests in flight; %d requests in %d rounds, %d rounds completed after the kill; %d tries retried on another replica, %d requests with an unknown outcome; responses per replica: %d %d %d",
		inFlight, w.Requests(), rounds.Load(), rounds.Load()-killedAfter, lb.Retried(), w.Unknown(), lb.Served(0), lb.Served(1), lb.Served(2))
	require.Empty(t, w.Failures(), "no error responses while one of three replicas was killed")

	// Everything below goes through the balancer, which only has the
	// survivors left.
	checkAccepted(ctx, t, w)
	require.Empty(t, w.Failures(), "reading the accepted data back")
}

// checkAccepted reads back, through the surviving replicas, everything the
// workload recorded as accepted.
func checkAccepted(ctx context.Context, t *testing.T, w *workload.Workload) {
	t.Helper()
	acc := w.Accepted() // the workload has ended; nothing writes any more
	require.NotEmpty(t, acc.Tokens)
	require.NotEmpty(t, acc.Relationships)
	require.NotEmpty(t, acc.Messages)

	for id, content := range acc.Tokens {
		var tok struct {
			Content string `json:"content"`
		}
		if w.Do(ctx, workload.Request{Method: "GET", Path: "/api/v2/Tokens/" + id, Want: http.StatusOK}, &tok) == nil {
			assert.Equal(t, content, tok.Content, "token %s", id)
		}
	}
	for _, r := range acc.Relationships {
		var got struct {
			Status string `json:"status"`
			From   string `json:"from"`
		}
		if w.Do(ctx, workload.Request{Method: "GET", Path: "/api/v2/Relationships/" + r.ID, Token: w.Token(r.To), Want: http.StatusOK}, &got) == nil {
			if r.Status != "" {
				assert.Equal(t, r.Status, got.Status, "relationship %s", r.ID)
			}
			assert.Equal(t, r.From, got.From, "relationship %s", r.ID)
		}
	}
	for recipient, ids := range acc.Messages {
		var got []struct {
			ID string `json:"id"`
		}
		if w.Do(ctx, workload.Request{Method: "GET", Path: "/api/v2/Messages?pageSize=200", Token: w.Token(recipient), Want: http.StatusOK}, &got) == nil {
			listed := make([]string, len(got))
			for i, m := range got {
				listed[i] = m.ID
			}
			assert.Subset(t, listed, ids, "messages listed by %s", recipient)
		}
	}
	for owner, objects := range acc.Modifications {
		var got []struct {
			ObjectIdentifier string `json:"objectIdentifier"`
		}
		if w.Do(ctx, workload.Request{Method: "GET", Path: "/api/v2/Datawallet/Modifications?pageSize=200", Token: w.Token(owner), Header: workload.Datawallet1,
			Want: http.StatusOK}, &got) == nil {
			listed := make([]string, len(got))
			for i, m := range got {
				listed[i] = m.ObjectIdentifier
			}
			assert.Subset(t, listed, objects, "datawallet of %s", owner)
		}
	}

	// External events arrive through outbox, bus and consumer; what the
	// killed replica had claimed from the outbox is claimed again once its
	// lease ends, so wait with a generous deadline.
	missing := func() map[string][]string {
		out := map[string][]string{}
		for owner, want := range acc.Events {
			for _, e := range want {
				if !w.Seen(owner, e) {
					out[owner] = append(out[owner], e)
				}
			}
		}
		return out
	}
	deadline := time.Now().Add(2 * time.Minute)
	for len(missing()) > 0 && time.Now().Before(deadline) && ctx.Err() == nil {
		for owner := range missing() {
			// Failures are recorded by sync; a run left open by a lost
			// answer expires and a later try gets a new one.
			_, _ = w.Sync(ctx, workload.Account{Address: owner, Token: w.Token(owner)})
		}
		time.Sleep(500 * time.Millisecond)
	}
	assert.Empty(t, missing(), "external events of accepted requests reach their owners' sync")
}
