package workload

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"
)

// Balancer is an http.RoundTripper that spreads requests over replicas the
// way a load balancer in front of them would: round robin over the
// replicas it believes alive, and a request that got no response at all
// (connection refused, reset, closed) goes to the next replica. A refused
// connection marks the replica dead for good, as a failed health check
// would. A response, whatever its status, is passed on as it is.
type Balancer struct {
	backends []*url.URL
	served   []atomic.Int64 // responses per backend
	inFlight []atomic.Int64 // requests sent and not answered, per backend
	dead     []atomic.Bool
	retried  atomic.Int64 // tries that got no response and went on to another backend
	next     atomic.Uint64
	inner    *http.Transport
}

// NewBalancer balances over the base URLs (scheme and host; a path is
// ignored, as requests carry their own).
func NewBalancer(urls []string) (*Balancer, error) {
	if len(urls) == 0 {
		return nil, errors.New("workload: no base URL to send requests to")
	}
	b := &Balancer{
		served: make([]atomic.Int64, len(urls)), inFlight: make([]atomic.Int64, len(urls)),
		dead: make([]atomic.Bool, len(urls)),
		// Enough idle connections that workers reuse them instead of
		// paying a new connection per request.
		inner: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second},
	}
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("workload: base URL %q: want http(s)://host[:port]", raw)
		}
		b.backends = append(b.backends, u)
	}
	return b, nil
}

// Served is how many responses backend i gave.
func (b *Balancer) Served(i int) int64 { return b.served[i].Load() }

// InFlight is how many requests backend i has not answered yet.
func (b *Balancer) InFlight(i int) int64 { return b.inFlight[i].Load() }

// Dead reports whether backend i refused a connection and gets no more
// requests.
func (b *Balancer) Dead(i int) bool { return b.dead[i].Load() }

// Retried is how many tries got no response and went on to another
// backend.
func (b *Balancer) Retried() int64 { return b.retried.Load() }

// RoundTrip implements http.RoundTripper.
func (b *Balancer) RoundTrip(req *http.Request) (*http.Response, error) {
	a, _ := req.Context().Value(attemptKey{}).(*attempt)
	var errs []error
	start := int(b.next.Add(1))
	for try := 0; try < 2*len(b.backends); try++ {
		i := (start + try) % len(b.backends)
		if b.dead[i].Load() {
			continue
		}
		out := req.Clone(req.Context())
		out.URL.Scheme, out.URL.Host, out.Host = b.backends[i].Scheme, b.backends[i].Host, ""
		if req.Body != nil && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			out.Body = body
		}
		b.inFlight[i].Add(1)
		res, err := b.inner.RoundTrip(out)
		b.inFlight[i].Add(-1)
		if err == nil {
			b.served[i].Add(1)
			return res, nil
		}
		if req.Context().Err() != nil {
			return nil, err
		}
		errs = append(errs, fmt.Errorf("%s: %w", b.backends[i].Host, err))
		b.retried.Add(1)
		if isRefused(err) {
			b.dead[i].Store(true)
		} else if a != nil {
			a.maybeApplied = true
		}
	}
	return nil, fmt.Errorf("no replica answered: %w", errors.Join(errs...))
}

// isRefused tells a connection that was never made (the request cannot
// have reached the replica) from one that broke later.
func isRefused(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
