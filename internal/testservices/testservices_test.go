package testservices

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	mssql "github.com/microsoft/go-mssqldb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEnvironmentVariableComesFirst(t *testing.T) {
	for env, fn := range map[string]func(testing.TB) string{
		PostgresEnv: Postgres, SQLServerEnv: SQLServer, RabbitMQEnv: RabbitMQ, NATSEnv: NATS, AzblobEnv: Azurite,
		RedisEnv: Redis, AWSEndpointEnv: AWS,
	} {
		t.Setenv(env, "scheme://from-"+env)
		require.Equal(t, "scheme://from-"+env, fn(t))
	}
}

func TestAWSAccountIsTheVariableElseTheOneMotoIsStartedWith(t *testing.T) {
	t.Setenv(AWSAccountEnv, "")
	assert.Equal(t, "000000000000", AWSAccount())
	t.Setenv(AWSAccountEnv, "123456789012")
	assert.Equal(t, "123456789012", AWSAccount())
}

// noDockerHints hides every sign of a Docker engine from this process.
func noDockerHints(t *testing.T) {
	for _, env := range []string{"DOCKER_HOST", "TESTCONTAINERS_HOST_OVERRIDE", "TESTCONTAINERS_DOCKER_SOCKET_OVERRIDE", "DOCKER_CONTEXT"} {
		t.Setenv(env, "")
	}
	t.Setenv("HOME", t.TempDir())
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	if dockerHint() != "" {
		t.Skipf("a Docker socket exists at %s", dockerHint())
	}
}

func TestProbeWithoutDockerAnswersAtOnce(t *testing.T) {
	noDockerHints(t)
	err := probeDocker()
	require.ErrorIs(t, err, errNoDocker)
	assert.Contains(t, err.Error(), "DOCKER_HOST")
}

func TestProbeOfAnEngineThatDoesNotAnswerSkipsWithoutPanicking(t *testing.T) {
	if hint := dockerHint(); hint != "" {
		// testcontainers caches the host it finds, or fails to find, for
		// the process: a probe of a bogus host would hide the real one.
		t.Skipf("a Docker engine may answer here (%s)", hint)
	}
	noDockerHints(t)
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(t.TempDir(), "docker.sock"))
	t.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	require.ErrorIs(t, probeDocker(), errNoDocker)
}

func TestWithoutEnvironmentOrDockerTheTestIsSkippedSayingWhatToSet(t *testing.T) {
	if dockerAvailable() == nil {
		t.Skip("a Docker engine answers here: the services would start")
	}
	for env, fn := range map[string]func(testing.TB) string{
		PostgresEnv: Postgres, SQLServerEnv: SQLServer, RabbitMQEnv: RabbitMQ, NATSEnv: NATS, AzblobEnv: Azurite,
		RedisEnv: Redis, AWSEndpointEnv: AWS,
	} {
		t.Setenv(env, "")
		var inner *testing.T
		t.Run(env, func(t *testing.T) {
			inner = t
			fn(t)
			t.Error("the function must skip the test")
		})
		require.True(t, inner.Skipped(), "%s: the test must be skipped", env)
	}
}

func TestSQLServerDatabaseDSN(t *testing.T) {
	got, err := withDatabase("sqlserver://sa:pw@db:1433?database=test&encrypt=disable", "t_abc")
	require.NoError(t, err)
	assert.Equal(t, "sqlserver://sa:pw@db:1433?database=t_abc&encrypt=disable", got)
	_, err = withDatabase("postgres://u@db/x", "t_abc")
	require.ErrorContains(t, err, SQLServerEnv)
	assert.Equal(t, "[a]]b]", quoteIdent("a]b"))
	assert.Equal(t, "N'a''b'", quoteString("a'b"))
}

func TestMain(m *testing.M) { os.Exit(Run(m)) }

func TestSQLServerDatabaseIsEmptyAndDroppedAtTheEnd(t *testing.T) {
	server := SQLServer(t)
	var name string
	t.Run("Use", func(t *testing.T) {
		dsn := SQLServerDatabase(t)
		u, err := url.Parse(dsn)
		require.NoError(t, err)
		name = u.Query().Get("database")
		require.True(t, strings.HasPrefix(name, "t_"), dsn)
		c, err := mssql.NewConnector(dsn)
		require.NoError(t, err)
		db := sql.OpenDB(c)
		defer db.Close()
		var tables int
		require.NoError(t, db.QueryRow("SELECT count(*) FROM INFORMATION_SCHEMA.TABLES").Scan(&tables))
		require.Zero(t, tables)
	})
	var exists bool
	require.NoError(t, onServer(context.Background(), server, func(db *sql.DB) error {
		return db.QueryRow("SELECT CASE WHEN DB_ID(@p1) IS NULL THEN 0 ELSE 1 END", name).Scan(&exists)
	}))
	require.False(t, exists, "the database must be dropped when the test ends")
}

func TestOnlyConnectionAndLoginErrorsAreRetried(t *testing.T) {
	assert.True(t, transient(errors.New("dial tcp: connection refused")))
	assert.True(t, transient(mssql.Error{Number: 18456}))
	assert.False(t, transient(mssql.Error{Number: 262}), "CREATE DATABASE permission denied must fail at once")
}
