// Package gateway holds the duties the reference server does itself that a
// gateway in front would otherwise do: TLS, request limits and timeouts
// (lifted for server-sent-event streams), per-identity and per-IP rate
// limiting shared across replicas through Redis, and CORS.
//
// What stays with the ingress in front (load balancing, certificates'
// renewal, WAF rules, connection limits) is described in
// docs/configuration.md.
package gateway
