package httpapi

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
)

// routeKey holds the *atomic.Pointer[string] a request's route is written
// to. The pointer is atomic because a wrapper such as http.TimeoutHandler
// may return while the handler still runs.
type routeKey struct{}

// RecordRoute returns a context that, given to the request the API serves,
// makes the API note the route pattern of the operation it matched, and a
// function that returns it once the request was served: the OpenAPI path
// such as "/api/v2/Relationships/{id}", the path of a fixed route such as
// "/health", or "" when nothing matched. Metrics and traces label requests by
// it instead of the raw path, whose IDs would make every request a label of
// its own.
func RecordRoute(ctx context.Context) (context.Context, func() string) {
	slot, ok := ctx.Value(routeKey{}).(*atomic.Pointer[string])
	if !ok {
		slot = new(atomic.Pointer[string])
		ctx = context.WithValue(ctx, routeKey{}, slot)
	}
	return ctx, func() string {
		if p := slot.Load(); p != nil {
			return *p
		}
		return ""
	}
}

// setRoute notes the matched route where RecordRoute asked for it.
func setRoute(ctx context.Context, pattern string) {
	if slot, ok := ctx.Value(routeKey{}).(*atomic.Pointer[string]); ok {
		slot.Store(&pattern)
	}
}

// setMuxRoute notes the pattern of a plain mux route (/health, the docs)
// once the mux served req: ServeMux writes it into the request it was
// given. The catch-all "/" is no route.
func setMuxRoute(req *http.Request) {
	p := req.Pattern
	if i := strings.IndexByte(p, ' '); i >= 0 {
		p = p[i+1:] // "GET /health" → "/health"
	}
	if p != "" && p != "/" {
		setRoute(req.Context(), p)
	}
}
