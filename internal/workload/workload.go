package workload

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Options configure a Workload.
type Options struct {
	// ClientID and ClientSecret are the OAuth client that creates the
	// identities and logs their devices in; empty means the seeded
	// development client test/test.
	ClientID, ClientSecret string
	// Timeout bounds one request, retries included (default one minute).
	Timeout time.Duration
	// Observe, when set, hears of every response and transport error, from
	// all workers at once.
	Observe func(Observation)
}

// Observation is the outcome of one request as the client saw it.
type Observation struct {
	// Route is the request's method and path pattern, IDs left out
	// ("PUT /api/v2/Relationships/{id}/Accept").
	Route string
	// Status is the response's status, 0 when there was none.
	Status int
	// Elapsed runs from sending the request to reading the whole response.
	Elapsed time.Duration
	// Err is the transport error when there was no response.
	Err error
}

// Workload drives the Consumer API through an http.RoundTripper and
// records what the server accepted, so that a test can check afterwards
// that all of it is still there. Every request gets a response or counts
// as a failure; a response other than the expected one counts as a
// failure too, unless the Balancer retried a request that may have been
// applied before (then the request's outcome is unknown and the caller
// drops what hangs on it). Its methods may be called from many goroutines.
type Workload struct {
	http                   *http.Client
	clientID, clientSecret string
	observe                func(Observation)

	mu       sync.Mutex
	failures []string
	unknown  int
	requests int
	accepted Accepted
	// tokens are the access tokens of the accounts by address.
	tokens map[string]string
	// seen are the external events each address got in a sync ("type/id").
	seen map[string]map[string]bool
	// datawalletIndex is the index of the last modification each address
	// pushed.
	datawalletIndex map[string]int64
}

// Accepted is what the server answered 2xx for, by kind.
type Accepted struct {
	Tokens        map[string]string   // token ID → content
	Messages      map[string][]string // recipient's address → message IDs
	Relationships []Relationship
	Modifications map[string][]string // address → datawallet object identifiers
	// Events are the external events each address must receive ("type/id").
	Events map[string][]string
}

// Relationship is one the workload created; Status is empty when it is
// not known whether the acceptance went through.
type Relationship struct {
	ID, From, To, Status string
}

// Account is an identity with its first device, created over HTTP.
type Account struct {
	Address, Token string
}

// New returns a workload that sends its requests through rt.
func New(rt http.RoundTripper, o Options) *Workload {
	if o.ClientID == "" && o.ClientSecret == "" {
		o.ClientID, o.ClientSecret = "test", "test"
	}
	if o.Timeout <= 0 {
		o.Timeout = time.Minute
	}
	return &Workload{
		http:     &http.Client{Transport: rt, Timeout: o.Timeout},
		clientID: o.ClientID, clientSecret: o.ClientSecret, observe: o.Observe,
		seen: map[string]map[string]bool{}, tokens: map[string]string{}, datawalletIndex: map[string]int64{},
		accepted: Accepted{
			Tokens: map[string]string{}, Messages: map[string][]string{},
			Modifications: map[string][]string{}, Events: map[string][]string{},
		},
	}
}

// Request is one Consumer API call.
type Request struct {
	Method, Path string
	// Route names the call in observations when Path holds IDs; empty
	// means Method and Path without the query.
	Route  string
	Token  string
	Body   any // JSON, or url.Values for a form
	Header map[string]string
	Want   int
}

// ErrUnknown ends a step whose outcome cannot be known (see Workload).
var ErrUnknown = errors.New("outcome unknown after a retry")

// DatawalletHeader carries the datawallet version a client supports.
const DatawalletHeader = "X-Supported-Datawallet-Version"

// Datawallet1 is the header of a client on datawallet version 1.
var Datawallet1 = map[string]string{DatawalletHeader: "1"}

// attempt describes what happened to one logical request inside the
// Balancer; the workload passes one in the request's context.
type attempt struct {
	// maybeApplied is set when a try failed after the request may have
	// reached a replica: that replica may have done the work before it
	// died, so the retry may find it done (a 4xx is then no server error).
	maybeApplied bool
}

type attemptKey struct{}

func withAttempt(ctx context.Context, a *attempt) context.Context {
	return context.WithValue(ctx, attemptKey{}, a)
}

// Do sends r and decodes the answer's result into out. It returns nil only
// for the wanted status; other outcomes are recorded as failures, or as
// unknown (ErrUnknown).
func (w *Workload) Do(ctx context.Context, r Request, out any) error {
	a := &attempt{}
	status, raw, err := w.send(withAttempt(ctx, a), r)
	switch {
	case err != nil && ctx.Err() != nil:
		return ctx.Err()
	case err != nil:
		return w.fail("%s %s: %v", r.Method, r.Path, err)
	case status == r.Want:
	case status < 500 && a.maybeApplied:
		return w.unknownOutcome()
	default:
		return w.fail("%s %s: status %d, want %d: %s", r.Method, r.Path, status, r.Want, raw)
	}
	if out == nil || len(raw) == 0 {
		return nil
	}
	var env struct {
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return w.fail("%s %s: %v in %s", r.Method, r.Path, err, raw)
	}
	if err := json.Unmarshal(env.Result, out); err != nil {
		return w.fail("%s %s: %v in %s", r.Method, r.Path, err, raw)
	}
	return nil
}

// send makes the call and reads the whole answer, reporting it to the
// observer.
func (w *Workload) send(ctx context.Context, r Request) (int, []byte, error) {
	w.mu.Lock()
	w.requests++
	w.mu.Unlock()
	var rd io.Reader
	contentType := "application/json"
	switch b := r.Body.(type) {
	case nil:
	case url.Values:
		rd, contentType = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(raw)
	}
	// The host is the balancer's to choose.
	req, err := http.NewRequestWithContext(ctx, r.Method, "http://balancer"+r.Path, rd)
	if err != nil {
		return 0, nil, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	start := time.Now()
	status, raw, err := w.exchange(req)
	if w.observe != nil && ctx.Err() == nil {
		route := r.Route
		if route == "" {
			path, _, _ := strings.Cut(r.Path, "?")
			route = r.Method + " " + path
		}
		w.observe(Observation{Route: route, Status: status, Elapsed: time.Since(start), Err: err})
	}
	return status, raw, err
}

func (w *Workload) exchange(req *http.Request) (int, []byte, error) {
	res, err := w.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	return res.StatusCode, raw, err
}

func (w *Workload) fail(format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	w.mu.Lock()
	w.failures = append(w.failures, err.Error())
	w.mu.Unlock()
	return err
}

func (w *Workload) unknownOutcome() error {
	w.mu.Lock()
	w.unknown++
	w.mu.Unlock()
	return ErrUnknown
}

func (w *Workload) record(f func(*Accepted)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f(&w.accepted)
}

// Failures are the unexpected outcomes so far, each described.
func (w *Workload) Failures() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.failures)
}

// Unknown is how many requests so far had an unknown outcome.
func (w *Workload) Unknown() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.unknown
}

// Requests is how many requests were sent so far (a request the Balancer
// retried counts once).
func (w *Workload) Requests() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.requests
}

// Accepted is what the server accepted. Call it once the workload has
// ended: the maps are the workload's own.
func (w *Workload) Accepted() Accepted {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.accepted
}

// Token is the access token of the account with the address.
func (w *Workload) Token(address string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.tokens[address]
}

// Seen reports whether a sync of the address got the external event
// ("type/id").
func (w *Workload) Seen(address, event string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seen[address][event]
}
