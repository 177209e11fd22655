package testservices

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

// The images, pinned to a major version so that a run next year tests what
// this year's did.
const (
	postgresImage  = "postgres:16-alpine"
	sqlServerImage = "mcr.microsoft.com/mssql/server:2022-latest"
	rabbitMQImage  = "rabbitmq:3.13-alpine"
	natsImage      = "nats:2.10-alpine"
	azuriteImage   = "mcr.microsoft.com/azure-storage/azurite:3.35.0"
	redisImage     = "redis:7"
	motoImage      = "motoserver/moto:5.2.1"
)

// sqlServerPassword satisfies SQL Server's password policy; the container
// listens on a random local port only for the test process.
const sqlServerPassword = "Openbackbone-T3st"

// azuriteConnectionString is Azurite's well-known development account,
// with {endpoint} to fill in.
const azuriteConnectionString = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://%s/devstoreaccount1;"

var (
	postgresService = &service{
		name: "PostgreSQL", env: PostgresEnv, example: "postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
		start: func(ctx context.Context) (string, func() error, error) {
			hostPort, stop, err := run(ctx, postgresImage, "5432/tcp",
				testcontainers.WithEnv(map[string]string{"POSTGRES_PASSWORD": "postgres", "POSTGRES_DB": "test"}),
				// The server restarts once after initdb; the second
				// message is the real one.
				testcontainers.WithWaitStrategyAndDeadline(2*time.Minute,
					wait.ForLog("database system is ready to accept connections").WithOccurrence(2),
					wait.ForListeningPort("5432/tcp")))
			return "postgres://postgres:postgres@" + hostPort + "/test?sslmode=disable", stop, err
		},
	}
	sqlServerService = &service{
		name: "SQL Server", env: SQLServerEnv, example: "sqlserver://sa:password@127.0.0.1:1433?database=test",
		start: func(ctx context.Context) (string, func() error, error) {
			hostPort, stop, err := run(ctx, sqlServerImage, "1433/tcp",
				testcontainers.WithEnv(map[string]string{"ACCEPT_EULA": "Y", "MSSQL_SA_PASSWORD": sqlServerPassword}),
				testcontainers.WithWaitStrategyAndDeadline(3*time.Minute,
					wait.ForLog("SQL Server is now ready for client connections"),
					wait.ForListeningPort("1433/tcp")))
			if err != nil {
				return "", stop, err
			}
			base := (&url.URL{Scheme: "sqlserver", User: url.UserPassword("sa", sqlServerPassword), Host: hostPort}).String()
			if err := createDatabase(ctx, base+"?database=master", "test"); err != nil {
				return "", stop, err
			}
			return base + "?database=test", stop, nil
		},
	}
	rabbitMQService = &service{
		name: "RabbitMQ", env: RabbitMQEnv, example: "amqp://guest:guest@127.0.0.1:5672/",
		start: func(ctx context.Context) (string, func() error, error) {
			hostPort, stop, err := run(ctx, rabbitMQImage, "5672/tcp",
				testcontainers.WithWaitStrategyAndDeadline(2*time.Minute,
					wait.ForLog("Server startup complete"),
					wait.ForListeningPort("5672/tcp")))
			return "amqp://guest:guest@" + hostPort + "/", stop, err
		},
	}
	natsService = &service{
		name: "NATS", env: NATSEnv, example: "nats://127.0.0.1:4222",
		start: func(ctx context.Context) (string, func() error, error) {
			hostPort, stop, err := run(ctx, natsImage, "4222/tcp",
				testcontainers.WithCmd("-js"),
				testcontainers.WithWaitStrategyAndDeadline(time.Minute,
					wait.ForLog("Server is ready"),
					wait.ForListeningPort("4222/tcp")))
			return "nats://" + hostPort, stop, err
		},
	}
	azuriteService = &service{
		name: "Azurite", env: AzblobEnv, example: "azblob://openbackbone-test?localemu=true&protocol=http&domain=127.0.0.1:10000",
		start: func(ctx context.Context) (string, func() error, error) {
			hostPort, stop, err := run(ctx, azuriteImage, "10000/tcp",
				testcontainers.WithCmd("azurite-blob", "--blobHost", "0.0.0.0", "--blobPort", "10000", "--inMemoryPersistence", "--skipApiVersionCheck"),
				testcontainers.WithWaitStrategyAndDeadline(time.Minute,
					wait.ForLog("successfully listening"),
					wait.ForListeningPort("10000/tcp")))
			if err != nil {
				return "", stop, err
			}
			if os.Getenv("AZURE_STORAGE_CONNECTION_STRING") == "" {
				// Process-wide, like the container it names.
				if err := os.Setenv("AZURE_STORAGE_CONNECTION_STRING", fmt.Sprintf(azuriteConnectionString, hostPort)); err != nil {
					return "", stop, err
				}
			}
			return "azblob://openbackbone-test?localemu=true&protocol=http&domain=" + url.QueryEscape(hostPort), stop, nil
		},
	}
	redisService = &service{
		name: "Redis", env: RedisEnv, example: "redis://127.0.0.1:6379/0",
		start: func(ctx context.Context) (string, func() error, error) {
			hostPort, stop, err := run(ctx, redisImage, "6379/tcp",
				testcontainers.WithWaitStrategyAndDeadline(time.Minute,
					wait.ForLog("Ready to accept connections"),
					wait.ForListeningPort("6379/tcp")))
			return "redis://" + hostPort + "/0", stop, err
		},
	}
	awsService = &service{
		name: "AWS SNS/SQS (moto)", env: AWSEndpointEnv, example: "http://127.0.0.1:5000",
		start: func(ctx context.Context) (string, func() error, error) {
			hostPort, stop, err := run(ctx, motoImage, "5000/tcp",
				// Every request, whatever its credentials, in the account
				// the tests build their ARNs and URLs for.
				testcontainers.WithEnv(map[string]string{"MOTO_ACCOUNT_ID": AWSAccount()}),
				testcontainers.WithWaitStrategyAndDeadline(time.Minute,
					wait.ForHTTP("/moto-api/").WithPort("5000/tcp")))
			return "http://" + hostPort, stop, err
		},
	}
)

// run starts a container of the image and returns the host:port its port
// is published on, and the function that removes it. stop is set whenever
// a container was created, also on error.
func run(ctx context.Context, image, port string, opts ...testcontainers.ContainerCustomizer) (hostPort string, stop func() error, err error) {
	opts = append(opts, testcontainers.WithExposedPorts(port))
	c, err := testcontainers.Run(ctx, image, opts...)
	if c != nil {
		stop = func() error { return testcontainers.TerminateContainer(c) }
	}
	if err != nil {
		return "", stop, err
	}
	hostPort, err = c.PortEndpoint(ctx, port, "")
	return hostPort, stop, err
}
