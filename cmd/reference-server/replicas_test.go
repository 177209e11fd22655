package main

import (
	"bufio"
	"context"
	"io"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/adapters/sqlstore"
	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/internal/backbonetest"
	"github.com/openbackbone/openbackbone/internal/testservices"
)

// asServer makes the test binary run as the reference server, so tests can
// start real server processes without building another binary.
const asServer = "OPENBACKBONE_TEST_RUN_AS_SERVER"

func TestMain(m *testing.M) {
	if os.Getenv(asServer) == "1" {
		main()
		return
	}
	os.Exit(testservices.Run(m))
}

// replica is a reference-server process.
type replica struct {
	url  string
	cmd  *exec.Cmd
	logs *logTail
}

// logTail keeps the last lines a process wrote, for failure messages.
type logTail struct {
	mu    sync.Mutex
	lines []string
}

func (l *logTail) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, s)
	if len(l.lines) > 200 {
		l.lines = l.lines[len(l.lines)-200:]
	}
}

func (l *logTail) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

var servingAt = regexp.MustCompile(`msg=serving address=(\S+)`)

// startReplica runs the server as its own process with the environment and
// waits until it serves.
func startReplica(t *testing.T, env map[string]string) *replica {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-listen", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), asServer+"=1")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	r := &replica{cmd: cmd, logs: &logTail{}}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			r.logs.add(sc.Text())
			if m := servingAt.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("replica did not stop on SIGINT; its log:\n%s", r.logs)
		}
		if t.Failed() {
			t.Logf("replica %s log:\n%s", r.url, r.logs)
		}
	})
	select {
	case a := <-addr:
		r.url = "http://" + strings.Replace(a, "127.0.0.1", "localhost", 1)
	case <-time.After(60 * time.Second):
		t.Fatalf("replica did not start; its log:\n%s", r.logs)
	}
	return r
}

// sharedDatabase returns a DSN of a fresh, migrated PostgreSQL schema that
// is dropped when the test ends.
func sharedDatabase(t *testing.T, dsn string) string {
	t.Helper()
	schema := "t_" + strings.ToLower(backbone.NewID("rep")[3:])
	st, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{Schema: schema})
	require.NoError(t, err)
	require.NoError(t, st.Migrate(context.Background()))
	t.Cleanup(func() {
		_ = st.DropSchema(context.Background())
		st.Close()
	})
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema
}

// replicaBrokers are the real brokers replicas can share, each a function
// that returns its bus URL or skips the test saying how to provide it.
func replicaBrokers() map[string]func(t *testing.T) string {
	return map[string]func(t *testing.T) string{
		"rabbitmq": func(t *testing.T) string {
			return "rabbit://?prefix=obtest.replicas.&server=" + url.QueryEscape(testservices.RabbitMQ(t))
		},
		"nats": func(t *testing.T) string {
			return "nats://?prefix=obtest.replicas.&server=" + url.QueryEscape(testservices.NATS(t))
		},
	}
}

// Two server processes share one PostgreSQL and one broker. A device
// listens for server-sent events on the first; requests served by the second
// reach it: a test notification it asks for, and a new external event when
// a peer asks it for a relationship.
func TestServerSentEventsReachADeviceOnAnotherReplica(t *testing.T) {
	for name, busURL := range replicaBrokers() {
		t.Run(name, func(t *testing.T) {
			dsn, bus := testservices.Postgres(t), busURL(t)
			env := map[string]string{
				"OPENBACKBONE_DATABASE":           sharedDatabase(t, dsn),
				"OPENBACKBONE_BUS":                bus,
				"OPENBACKBONE_DATADIR":            t.TempDir(), // shared: one signing key and one file store
				"OPENBACKBONE_LOGFORMAT":          "text",
				"OPENBACKBONE_LOGLEVEL":           "info",
				"OPENBACKBONE_PUSH_SSEKEEPALIVE":  "1s",
				"OPENBACKBONE_MIGRATEONSTART":     "false",
				"OPENBACKBONE_AUTH_TOKENLIFETIME": "10m",
			}
			first := startReplica(t, env)
			second := startReplica(t, env)
			require.NotEqual(t, first.url, second.url)
			one, two := &backbonetest.Client{BaseURL: first.url}, &backbonetest.Client{BaseURL: second.url}
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
			defer cancel()

			a, err := one.CreateAccount(ctx)
			require.NoError(t, err)
			b, err := two.CreateAccount(ctx)
			require.NoError(t, err)
			events, err := one.Stream(ctx, a.Token)
			require.NoError(t, err)
			next := func() string {
				for {
					select {
					case e, ok := <-events:
						if !ok {
							return "(stream ended)"
						}
						if e != "keep-alive" {
							return e
						}
					case <-time.After(30 * time.Second):
						return "(nothing in 30 s)"
					}
				}
			}
			require.Equal(t, "ConnectionOpened", next())

			// a's own device asks the second replica for test pushes. Either
			// replica may send a push (they share the consumer), so several
			// make it all but certain that the second sends some, which
			// only the bus can carry to the stream on the first.
			for i := range 6 {
				status, err := two.Do(ctx, "POST", "/api/v2/Devices/Self/PushNotifications/SendTestNotification", a.Token, map[string]any{"n": i}, nil)
				require.NoError(t, err)
				require.Equal(t, 204, status)
			}
			for i := range 6 {
				require.Equal(t, "Test", next(), "push %d: the stream on the first replica hears of a push asked for on the second", i)
			}

			// b asks a for a relationship through the second replica.
			var tmpl struct {
				Result struct {
					ID string `json:"id"`
				} `json:"result"`
			}
			status, err := one.Do(ctx, "POST", "/api/v2/RelationshipTemplates", a.Token, map[string]any{"content": "AAAA"}, &tmpl)
			require.NoError(t, err)
			require.Equal(t, 201, status)
			status, err = two.Do(ctx, "POST", "/api/v2/Relationships", b.Token, map[string]any{"relationshipTemplateId": tmpl.Result.ID, "creationContent": "AAAA"}, nil)
			require.NoError(t, err)
			require.Equal(t, 201, status)
			assert.Equal(t, "ExternalEventCreated", next(), "the external event raised on the second replica wakes the device on the first")
		})
	}
}
