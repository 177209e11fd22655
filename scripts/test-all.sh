#!/usr/bin/env bash
# Runs the whole test suite: Go unit and integration tests on SQLite and
# PostgreSQL and the bus adapters on RabbitMQ and NATS, then the official client (@nmshd/transport) against a real
# reference server on each store. Starts the local services it needs.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

log() { printf '\n=== %s\n' "$*"; }

log "starting PostgreSQL"
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432
log "starting RabbitMQ and NATS"
if ! rabbitmqctl -q status >/dev/null 2>&1; then
  rabbitmq-server -detached || true
  for _ in $(seq 1 60); do rabbitmqctl -q status >/dev/null 2>&1 && break; sleep 1; done
fi
rabbitmqctl -q status >/dev/null
start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
  -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
for _ in $(seq 1 30); do (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null && break; sleep 1; done
export OPENBACKBONE_TEST_RABBITMQ_URL="${OPENBACKBONE_TEST_RABBITMQ_URL:-amqp://guest:guest@127.0.0.1:5672/}"
export OPENBACKBONE_TEST_NATS_URL="${OPENBACKBONE_TEST_NATS_URL:-nats://127.0.0.1:4222}"
log "starting Redis (shared rate limits)"
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 >/dev/null
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
fi
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null
export OPENBACKBONE_TEST_REDIS_URL="${OPENBACKBONE_TEST_REDIS_URL:-redis://127.0.0.1:6379/0}"

# Azure Blob Storage is tested against Azurite (the S3 and GCS emulators run
# inside the Go tests). In memory, so nothing is left behind; stopped on exit.
if [ -z "${OPENBACKBONE_TEST_AZBLOB_URL:-}" ]; then
  log "starting Azurite (Azure Blob emulator)"
  (cd scripts/emulators && npm ci --no-audit --no-fund --loglevel=error)
  azurite_port="${OPENBACKBONE_TEST_AZURITE_PORT:-10000}"
  scripts/emulators/node_modules/.bin/azurite-blob --inMemoryPersistence --extentMemoryLimit 512 \
    --blobHost 127.0.0.1 --blobPort "$azurite_port" --skipApiVersionCheck --silent &
  azurite_pid=$!
  trap 'kill "$azurite_pid" 2>/dev/null || true' EXIT
  for _ in $(seq 1 60); do (exec 3<>/dev/tcp/127.0.0.1/"$azurite_port") 2>/dev/null && break; sleep 0.5; done
  # Azurite's well-known development account and key.
  export AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$azurite_port/devstoreaccount1;"
  export OPENBACKBONE_TEST_AZBLOB_URL="azblob://openbackbone-test?localemu=true&protocol=http&domain=127.0.0.1:$azurite_port"
fi

# AWS SNS/SQS (the awssnssqs:// bus) is tested against moto's server, which
# the Python package moto provides (skipped without it); the Pub/Sub fake runs
# inside the Go tests.
if [ -z "${OPENBACKBONE_TEST_AWS_ENDPOINT:-}" ] && command -v moto_server >/dev/null 2>&1; then
  log "starting moto (AWS SNS/SQS fake)"
  moto_port="${OPENBACKBONE_TEST_MOTO_PORT:-5599}"
  moto_server -H 127.0.0.1 -p "$moto_port" >/dev/null 2>&1 &
  moto_pid=$!
  trap 'kill "$moto_pid" "${azurite_pid:-}" 2>/dev/null || true' EXIT
  for _ in $(seq 1 60); do curl -fsS "http://127.0.0.1:$moto_port/moto-api/" >/dev/null 2>&1 && break; sleep 0.5; done
  export OPENBACKBONE_TEST_AWS_ENDPOINT="http://127.0.0.1:$moto_port"
  export OPENBACKBONE_TEST_AWS_ACCOUNT=123456789012 # moto's
fi

export OPENBACKBONE_TEST_POSTGRES_DSN="${OPENBACKBONE_TEST_POSTGRES_DSN:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"

# The Admin UI's browser test drives Debian's chromium; with the variable
# set, a missing browser fails the test instead of skipping it.
if ! command -v chromium >/dev/null 2>&1; then
  log "installing chromium for the Admin UI browser test"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
export OPENBACKBONE_TEST_CHROMIUM="${OPENBACKBONE_TEST_CHROMIUM:-$(command -v chromium)}"

log "go vet"
go vet ./...

log "helm lint and template (deploy/openbackbone)"
scripts/helm-check.sh

log "go test (SQLite and PostgreSQL)"
go test -count=1 -timeout 20m ./...

log "installing the official client for the end-to-end tests"
(cd e2e && npm ci --no-audit --no-fund --loglevel=error)

log "building the reference server"
go build -o bin/reference-server ./cmd/reference-server

run_e2e() {
  local name=$1 dsn=$2 port=$3
  local data
  data=$(mktemp -d)
  log "end-to-end with @nmshd/transport on $name"
  OPENBACKBONE_DATABASE="$dsn" bin/reference-server -listen "127.0.0.1:$port" -data-dir "$data" >"$data/server.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { cat "$data/server.log"; return 1; }
    sleep 0.1
  done
  local status=0
  (cd e2e && BACKBONE_BASE_URL="http://localhost:$port" npm test) || status=$?
  # The black-box HTTP conformance suite against the same server; it runs
  # even if the npm tests failed, so one run reports both.
  log "HTTP conformance (conformance/apitest) on $name"
  go test -count=1 ./conformance/apitest -base-url="http://localhost:$port" || status=$?
  kill -TERM "$pid"
  wait "$pid" || { echo "reference server did not shut down cleanly"; status=1; }
  if [ $status -ne 0 ]; then tail -50 "$data/server.log"; fi
  rm -rf "$data"
  return $status
}

run_e2e sqlite "" 18080

e2edb=openbackbone_e2e
psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $e2edb" -c "CREATE DATABASE $e2edb"
run_e2e postgres "postgres://postgres@127.0.0.1:5432/$e2edb?sslmode=disable" 18081

log "all tests passed"
