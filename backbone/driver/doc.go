// Package driver defines the ports of OpenBackbone: the interfaces that
// adapter authors implement (store, blob, bus, push, clock) and the plain
// records that cross them.
//
// Application code should use package backbone; this package is for people
// who write adapters. It imports nothing from backbone, so an adapter never
// depends on the services it serves.
//
// Every method documents the sentinel errors it returns. Those sentences are
// the contract that the suites under conformance/ test.
package driver
