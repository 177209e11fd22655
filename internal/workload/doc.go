// Package workload drives the Consumer API the way a population of clients
// would: identities are created and logged in, relationships offered and
// accepted, messages sent and listed, tokens and datawallet modifications
// written and external events synchronized. It sends everything through an
// http.RoundTripper, normally a Balancer over one or more replicas, records
// what the server accepted so that a test can read it back, and reports
// every response to an observer so that cmd/loadtest can time each route.
package workload
