// Package testservices gives integration tests their servers, from one
// place: PostgreSQL, SQL Server, RabbitMQ, NATS, Azurite, Redis and an
// AWS SNS/SQS fake (moto).
//
// Each function returns the address of a server a test may use, taken from
// the first of:
//
//  1. an environment variable (PostgresEnv, SQLServerEnv, RabbitMQEnv,
//     NATSEnv, AzblobEnv, RedisEnv, AWSEndpointEnv), which is how CI and
//     this repository's machines provide them (scripts/test-all.sh);
//  2. a container that testcontainers-go starts on the Docker engine, if
//     one answers (probed once per process, within a few seconds). The
//     container is shared by the whole test process and stopped when Run
//     returns, or by testcontainers' reaper (Ryuk) when the process ends
//     without it;
//  3. otherwise the test is skipped, saying which variable to set.
//
// A test package that may start containers stops them at its end with
//
//	func TestMain(m *testing.M) { os.Exit(testservices.Run(m)) }
//
// Servers are shared: tests isolate themselves in a schema, database,
// queue or container of their own (see SQLServerDatabase).
package testservices

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"
)

// The environment variables each function reads first.
const (
	PostgresEnv  = "OPENBACKBONE_TEST_POSTGRES_DSN"
	SQLServerEnv = "OPENBACKBONE_TEST_MSSQL_DSN"
	RabbitMQEnv  = "OPENBACKBONE_TEST_RABBITMQ_URL"
	NATSEnv      = "OPENBACKBONE_TEST_NATS_URL"
	AzblobEnv    = "OPENBACKBONE_TEST_AZBLOB_URL"
	RedisEnv     = "OPENBACKBONE_TEST_REDIS_URL"
	// AWSEndpointEnv names an SNS/SQS-compatible server, and
	// AWSAccountEnv the account it answers for (see AWSAccount).
	AWSEndpointEnv = "OPENBACKBONE_TEST_AWS_ENDPOINT"
	AWSAccountEnv  = "OPENBACKBONE_TEST_AWS_ACCOUNT"
)

// defaultAWSAccount is LocalStack's account, and the one a moto container
// is started with.
const defaultAWSAccount = "000000000000"

// Postgres returns a PostgreSQL DSN
// (postgres://user:password@host:port/database?sslmode=disable).
func Postgres(t testing.TB) string { t.Helper(); return get(t, postgresService) }

// SQLServer returns a SQL Server DSN in go-mssqldb's URL form
// (sqlserver://user:password@host:port?database=name), whose login may
// create databases.
func SQLServer(t testing.TB) string { t.Helper(); return get(t, sqlServerService) }

// RabbitMQ returns an AMQP 0-9-1 URL (amqp://user:password@host:port/).
func RabbitMQ(t testing.TB) string { t.Helper(); return get(t, rabbitMQService) }

// NATS returns a NATS URL of a server with JetStream (nats://host:port).
func NATS(t testing.TB) string { t.Helper(); return get(t, natsService) }

// Azurite returns an azblob:// URL of an Azure Blob Storage emulator
// container (azblob://openbackbone-test?localemu=true&protocol=http&domain=host:port).
// With a started container it also sets AZURE_STORAGE_CONNECTION_STRING to
// the emulator's well-known development account, unless already set, so
// that the URL opens and the container can be created.
func Azurite(t testing.TB) string { t.Helper(); return get(t, azuriteService) }

// Redis returns a Redis URL (redis://host:port/db).
func Redis(t testing.TB) string { t.Helper(); return get(t, redisService) }

// AWS returns the endpoint URL (http://host:port) of a server that speaks
// the AWS SNS and SQS APIs for the account AWSAccount names, and takes any
// credentials: moto's server in a container, or what AWSEndpointEnv names
// (moto, LocalStack, or AWS itself with real credentials).
func AWS(t testing.TB) string { t.Helper(); return get(t, awsService) }

// AWSAccount returns the account ID of AWS's server, which queue URLs and
// topic ARNs carry: AWSAccountEnv, else 000000000000, which a moto
// container is started with (moto's own default is 123456789012).
func AWSAccount() string {
	if v := os.Getenv(AWSAccountEnv); v != "" {
		return v
	}
	return defaultAWSAccount
}

// service is one kind of server: where its address comes from, and how to
// start a container of it.
type service struct {
	name string
	env  string
	// example is an address to show in the skip message.
	example string
	// start runs a container and returns the address, and the function
	// that stops it.
	start func(ctx context.Context) (addr string, stop func() error, err error)

	once sync.Once
	addr string
	err  error
}

// startTimeout bounds pulling an image and starting one container.
const startTimeout = 5 * time.Minute

var (
	stopsMu sync.Mutex
	stops   []func() error
)

func get(t testing.TB, s *service) string {
	t.Helper()
	if v := os.Getenv(s.env); v != "" {
		return v
	}
	s.once.Do(func() {
		if err := dockerAvailable(); err != nil {
			s.err = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
		defer cancel()
		addr, stop, err := s.start(ctx)
		if stop != nil {
			stopsMu.Lock()
			stops = append(stops, stop)
			stopsMu.Unlock()
		}
		if err != nil {
			s.err = fmt.Errorf("start %s container: %w", s.name, err)
			return
		}
		s.addr = addr
	})
	if errors.Is(s.err, errNoDocker) {
		t.Skipf("%s: set %s (e.g. %s) or run with a Docker engine for testcontainers (%v)", s.name, s.env, s.example, s.err)
	}
	if s.err != nil {
		// A Docker engine that answers but cannot run the container is a
		// broken setup, not an absent service.
		t.Fatalf("%s: %v", s.name, s.err)
	}
	return s.addr
}

// Run runs the tests, then stops the containers they started, and returns
// m.Run's exit code.
func Run(m *testing.M) int {
	code := m.Run()
	if err := Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "testservices:", err)
	}
	return code
}

// Stop stops every container started so far. Call it once, after the last
// test: the functions keep returning the stopped containers' addresses.
func Stop() error {
	stopsMu.Lock()
	fns := stops
	stops = nil
	stopsMu.Unlock()
	var errs []error
	for _, stop := range fns {
		errs = append(errs, stop())
	}
	return errors.Join(errs...)
}
