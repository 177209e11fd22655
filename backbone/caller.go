package backbone

import "context"

// Caller is who makes a request: the authenticated identity and device, or
// nobody (the zero Caller) for anonymous requests. Services take it as an
// explicit argument so no operation can forget to check it.
type Caller struct {
	Address  string
	DeviceID string
	Username string
	ClientID string
}

// Anonymous reports whether the caller is not authenticated.
func (c Caller) Anonymous() bool { return c.Address == "" }

type callerKey struct{}

// WithCaller returns a context carrying c, for transports that authenticate
// in a middleware and call services in a handler. It is exported for such
// transports: httpapi uses it, and so may an embedder's own (a gRPC server,
// a host middleware in front of Register's operations).
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller stored by WithCaller, or the anonymous
// caller.
func CallerFrom(ctx context.Context) Caller {
	c, _ := ctx.Value(callerKey{}).(Caller)
	return c
}
