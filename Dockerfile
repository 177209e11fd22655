# syntax=docker/dockerfile:1
#
# The reference server as a static binary on distroless: no shell, no
# package manager, a non-root user. Build with
#
#   docker build -t openbackbone/reference-server .
#
# The image serves on :8080 (OPENBACKBONE_LISTEN) and keeps what it must
# write (a generated signing key, an SQLite database, a file blob store)
# under /data (OPENBACKBONE_DATADIR); production points database, bus and
# blob at network services instead (see docs/operations.md). There is no
# HEALTHCHECK: orchestrators probe GET /health (liveness) and
# GET /health/ready (readiness) over HTTP, and the image has no client to
# run one with.

FROM golang:1.26 AS build
WORKDIR /src
# Dependencies first, so that a source change reuses the download layer.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# CGO off: the SQLite driver is pure Go, so the binary links statically and
# runs on an image without libc.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/reference-server ./cmd/reference-server \
 && mkdir -p /out/data

FROM gcr.io/distroless/static:nonroot
COPY --from=build /out/reference-server /usr/local/bin/reference-server
# distroless's nonroot user (65532) owns the data directory.
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
WORKDIR /data
ENV OPENBACKBONE_LISTEN=:8080 \
    OPENBACKBONE_DATADIR=/data
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/reference-server"]
