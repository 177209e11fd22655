package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openbackbone/openbackbone/internal/backbonetest"
)

// balancer is an http.RoundTripper that spreads requests over replicas the
// way a load balancer in front of them would: round robin over the
// replicas it believes alive, and a request that got no response at all
// (connection refused, reset, closed) goes to the next replica. A refused
// connection marks the replica dead for good, as a failed health check
// would. A response, whatever its status, is passed on as it is.
type balancer struct {
	backends []*url.URL
	served   []atomic.Int64 // responses per backend
	inFlight []atomic.Int64 // requests sent and not answered, per backend
	dead     []atomic.Bool
	retried  atomic.Int64 // tries that got no response and went on to another backend
	next     atomic.Uint64
	inner    *http.Transport
}

func newBalancer(urls []string) (*balancer, error) {
	b := &balancer{
		served: make([]atomic.Int64, len(urls)), inFlight: make([]atomic.Int64, len(urls)),
		dead:  make([]atomic.Bool, len(urls)),
		inner: &http.Transport{MaxIdleConnsPerHost: 32, IdleConnTimeout: 30 * time.Second},
	}
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil {
			return nil, err
		}
		b.backends = append(b.backends, u)
	}
	return b, nil
}

// attempt describes what happened to one logical request inside the
// balancer; the workload passes one in the request's context.
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

func (b *balancer) RoundTrip(req *http.Request) (*http.Response, error) {
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

// workload drives the Consumer API through a balancer and records what the
// server accepted, so that a test can check afterwards that all of it is
// still there. Every request gets a response or counts as a failure; a
// response other than the expected one counts as a failure too, unless
// the balancer retried a request that may have been applied before (then
// the request's outcome is unknown and the caller drops what hangs on it).
type workload struct {
	http *http.Client

	mu       sync.Mutex
	failures []string
	unknown  int
	requests int
	accepted accepted
	// tokens are the access tokens of the accounts by address.
	tokens map[string]string
	// seen are the external events each address got in a sync ("type/id").
	seen map[string]map[string]bool
}

// accepted is what the server answered 2xx for, by kind.
type accepted struct {
	tokens        map[string]string   // token ID → content
	messages      map[string][]string // recipient's address → message IDs
	relationships []relationship
	modifications map[string][]string // address → datawallet object identifiers
	// events are the external events each address must receive ("type/id").
	events map[string][]string
}

// relationship is one the workload created; status is empty when it is
// not known whether the acceptance went through.
type relationship struct {
	id, from, to, status string
}

// account is an identity with its first device, created over HTTP.
type account struct {
	address, token string
}

func newWorkload(rt http.RoundTripper) *workload {
	return &workload{
		http: &http.Client{Transport: rt, Timeout: time.Minute},
		seen: map[string]map[string]bool{}, tokens: map[string]string{},
		accepted: accepted{
			tokens: map[string]string{}, messages: map[string][]string{},
			modifications: map[string][]string{}, events: map[string][]string{},
		},
	}
}

// request is one Consumer API call.
type request struct {
	method, path, token string
	body                any
	header              map[string]string
	want                int
}

// errUnknown ends a step whose outcome cannot be known (see workload).
var errUnknown = errors.New("outcome unknown after a retry")

// do sends r and decodes the answer's result into out. It returns nil only
// for the wanted status; other outcomes are recorded.
func (w *workload) do(ctx context.Context, r request, out any) error {
	w.mu.Lock()
	w.requests++
	w.mu.Unlock()
	a := &attempt{}
	status, raw, err := w.send(withAttempt(ctx, a), r)
	switch {
	case err != nil && ctx.Err() != nil:
		return ctx.Err()
	case err != nil:
		return w.fail("%s %s: %v", r.method, r.path, err)
	case status == r.want:
	case status < 500 && a.maybeApplied:
		w.mu.Lock()
		w.unknown++
		w.mu.Unlock()
		return errUnknown
	default:
		return w.fail("%s %s: status %d, want %d: %s", r.method, r.path, status, r.want, raw)
	}
	if out == nil || len(raw) == 0 {
		return nil
	}
	var env struct {
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return w.fail("%s %s: %v in %s", r.method, r.path, err, raw)
	}
	if err := json.Unmarshal(env.Result, out); err != nil {
		return w.fail("%s %s: %v in %s", r.method, r.path, err, raw)
	}
	return nil
}

func (w *workload) send(ctx context.Context, r request) (int, []byte, error) {
	var rd io.Reader
	contentType := "application/json"
	switch b := r.body.(type) {
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
	req, err := http.NewRequestWithContext(ctx, r.method, "http://balancer"+r.path, rd)
	if err != nil {
		return 0, nil, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	res, err := w.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	return res.StatusCode, raw, err
}

func (w *workload) unknownSoFar() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.unknown
}

func (w *workload) fail(format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	w.mu.Lock()
	w.failures = append(w.failures, err.Error())
	w.mu.Unlock()
	return err
}

func (w *workload) record(f func(*accepted)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f(&w.accepted)
}

const datawalletHeader = "X-Supported-Datawallet-Version"

var datawallet1 = map[string]string{datawalletHeader: "1"}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// createAccount creates an identity through the seeded test client, logs
// its device in and upgrades its datawallet to version 1, as a new client
// does during onboarding.
func (w *workload) createAccount(ctx context.Context) (account, error) {
	key := backbonetest.NewKey()
	var ch struct {
		ID        string    `json:"id"`
		ExpiresAt time.Time `json:"expiresAt"`
	}
	if err := w.do(ctx, request{method: "POST", path: "/api/v2/Challenges", want: http.StatusCreated}, &ch); err != nil {
		return account{}, err
	}
	challenge := backbonetest.ChallengeJSON(ch.ID, ch.ExpiresAt, "", "")
	var created struct {
		Address string `json:"address"`
		Device  struct {
			Username string `json:"username"`
		} `json:"device"`
	}
	if err := w.do(ctx, request{method: "POST", path: "/api/v2/Identities", want: http.StatusCreated, body: map[string]any{
		"clientId": backbonetest.TestClientID, "clientSecret": backbonetest.TestClientSecret, "identityPublicKey": key.WrapperBase64(),
		"devicePassword": "device-password", "identityVersion": 1,
		"signedChallenge": map[string]any{"challenge": challenge, "signature": key.SignBase64(challenge)},
	}}, &created); err != nil {
		return account{}, err
	}
	// The token endpoint answers in OAuth's format, not the envelope.
	a := &attempt{}
	status, raw, err := w.send(withAttempt(ctx, a), request{method: "POST", path: "/connect/token", body: url.Values{
		"grant_type": {"password"}, "client_id": {backbonetest.TestClientID}, "client_secret": {backbonetest.TestClientSecret},
		"username": {created.Device.Username}, "password": {"device-password"},
	}})
	w.mu.Lock()
	w.requests++
	w.mu.Unlock()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err != nil && ctx.Err() != nil {
		return account{}, ctx.Err()
	}
	if err != nil {
		return account{}, w.fail("POST /connect/token: %v", err)
	}
	if status != http.StatusOK || json.Unmarshal(raw, &tok) != nil || tok.AccessToken == "" {
		return account{}, w.fail("POST /connect/token: status %d: %s", status, raw)
	}
	acc := account{address: created.Address, token: tok.AccessToken}
	w.mu.Lock()
	w.tokens[acc.address] = acc.token
	w.mu.Unlock()
	var run struct {
		SyncRun struct {
			ID string `json:"id"`
		} `json:"syncRun"`
	}
	if err := w.do(ctx, request{method: "POST", path: "/api/v2/SyncRuns", token: acc.token, header: datawallet1, want: http.StatusCreated,
		body: map[string]any{"type": "DatawalletVersionUpgrade"}}, &run); err != nil {
		return acc, err
	}
	return acc, w.do(ctx, request{method: "PUT", path: "/api/v2/SyncRuns/" + run.SyncRun.ID + "/FinalizeDatawalletVersionUpgrade", token: acc.token,
		header: datawallet1, want: http.StatusOK, body: map[string]any{"newDatawalletVersion": 1, "datawalletModifications": []any{}}}, nil)
}

// round is one pass of a client pair through the API: a relationship
// from template to acceptance, messages, a token, datawallet
// modifications and a sync. It stops at the first step that fails or whose
// outcome is unknown; what was accepted until then is recorded.
func (w *workload) round(ctx context.Context, n int) error {
	a, err := w.createAccount(ctx)
	if err != nil {
		return err
	}
	b, err := w.createAccount(ctx)
	if err != nil {
		return err
	}

	var tok struct {
		ID string `json:"id"`
	}
	content := b64(fmt.Sprintf("token %d of %s", n, a.address))
	if err := w.do(ctx, request{method: "POST", path: "/api/v2/Tokens", token: a.token, want: http.StatusCreated,
		body: map[string]any{"content": content, "expiresAt": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}}, &tok); err != nil {
		return err
	}
	w.record(func(acc *accepted) { acc.tokens[tok.ID] = content })

	var tmpl struct {
		ID string `json:"id"`
	}
	if err := w.do(ctx, request{method: "POST", path: "/api/v2/RelationshipTemplates", token: a.token, want: http.StatusCreated,
		body: map[string]any{"content": b64("template")}}, &tmpl); err != nil {
		return err
	}
	if err := w.do(ctx, request{method: "GET", path: "/api/v2/RelationshipTemplates/" + tmpl.ID, token: b.token, want: http.StatusOK}, nil); err != nil {
		return err
	}
	var rel struct {
		ID string `json:"id"`
	}
	if err := w.do(ctx, request{method: "POST", path: "/api/v2/Relationships", token: b.token, want: http.StatusCreated,
		body: map[string]any{"relationshipTemplateId": tmpl.ID, "creationContent": b64("hello")}}, &rel); err != nil {
		return err
	}
	var relIndex int
	w.record(func(acc *accepted) {
		relIndex = len(acc.relationships)
		acc.relationships = append(acc.relationships, relationship{id: rel.ID, from: b.address, to: a.address, status: "Pending"})
		acc.events[a.address] = append(acc.events[a.address], "RelationshipStatusChanged/"+rel.ID)
	})
	if err := w.do(ctx, request{method: "PUT", path: "/api/v2/Relationships/" + rel.ID + "/Accept", token: a.token, want: http.StatusOK,
		body: map[string]any{}}, nil); err != nil {
		if errors.Is(err, errUnknown) {
			w.record(func(acc *accepted) { acc.relationships[relIndex].status = "" }) // Pending or Active
		}
		return err
	}
	w.record(func(acc *accepted) {
		acc.relationships[relIndex].status = "Active"
		acc.events[b.address] = append(acc.events[b.address], "RelationshipStatusChanged/"+rel.ID)
	})

	for i := range 2 {
		var msg struct {
			ID string `json:"id"`
		}
		if err := w.do(ctx, request{method: "POST", path: "/api/v2/Messages", token: a.token, want: http.StatusCreated, body: map[string]any{
			"recipients": []any{map[string]any{"address": b.address, "encryptedKey": b64(strings.Repeat("k", 32))}},
			"body":       b64(fmt.Sprintf("message %d", i)), "attachments": []any{},
		}}, &msg); err != nil {
			return err
		}
		w.record(func(acc *accepted) {
			acc.messages[b.address] = append(acc.messages[b.address], msg.ID)
			acc.events[b.address] = append(acc.events[b.address], "MessageReceived/"+msg.ID)
		})
	}

	object := fmt.Sprintf("object-%d", n)
	if err := w.do(ctx, request{method: "POST", path: "/api/v2/Datawallet/Modifications", token: b.token, header: datawallet1, want: http.StatusCreated,
		body: map[string]any{"modifications": []any{map[string]any{"type": "Create", "objectIdentifier": object, "collection": "Relationships",
			"datawalletVersion": 1, "encryptedPayload": b64("cipher")}}}}, nil); err != nil {
		return err
	}
	w.record(func(acc *accepted) { acc.modifications[b.address] = append(acc.modifications[b.address], object) })

	// The peer syncs as a client would; whatever the run holds is fine
	// here, the check at the end waits for everything.
	_, err = w.sync(ctx, b)
	return err
}

// sync runs one external-event sync for the account's device and records
// the events it held as seen. It reports whether there were any.
func (w *workload) sync(ctx context.Context, acc account) (bool, error) {
	var started struct {
		Status  string `json:"status"`
		SyncRun *struct {
			ID string `json:"id"`
		} `json:"syncRun"`
	}
	a := &attempt{}
	r := request{method: "POST", path: "/api/v2/SyncRuns", token: acc.token, header: datawallet1, body: map[string]any{"type": "ExternalEventSync"}}
	status, raw, err := w.send(withAttempt(ctx, a), r)
	w.mu.Lock()
	w.requests++
	w.mu.Unlock()
	switch {
	case err != nil && ctx.Err() != nil:
		return false, ctx.Err()
	case err != nil:
		return false, w.fail("POST /api/v2/SyncRuns: %v", err)
	case status == http.StatusOK:
		return false, nil // no new events
	case status == http.StatusBadRequest && a.maybeApplied:
		w.mu.Lock()
		w.unknown++
		w.mu.Unlock()
		return false, errUnknown
	case status == http.StatusBadRequest && bytes.Contains(raw, []byte("cannotStartSyncRunWhenAnotherSyncRunIsRunning")) && w.unknownSoFar() > 0:
		// Only a start whose answer was lost leaves a run open; it
		// expires, and a later sync gets a new one.
		return false, errUnknown
	case status != http.StatusCreated:
		return false, w.fail("POST /api/v2/SyncRuns: status %d: %s", status, raw)
	}
	var env struct {
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(raw, &env); err != nil || json.Unmarshal(env.Result, &started) != nil || started.SyncRun == nil {
		return false, w.fail("POST /api/v2/SyncRuns: %s", raw)
	}
	var events []struct {
		ID      string         `json:"id"`
		Type    string         `json:"type"`
		Payload map[string]any `json:"payload"`
	}
	if err := w.do(ctx, request{method: "GET", path: "/api/v2/SyncRuns/" + started.SyncRun.ID + "/ExternalEvents?pageSize=200", token: acc.token,
		want: http.StatusOK}, &events); err != nil {
		return false, err
	}
	results := make([]any, 0, len(events))
	w.mu.Lock()
	if w.seen[acc.address] == nil {
		w.seen[acc.address] = map[string]bool{}
	}
	for _, e := range events {
		results = append(results, map[string]any{"externalEventId": e.ID})
		id, _ := e.Payload["id"].(string)
		if rel, ok := e.Payload["relationshipId"].(string); ok {
			id = rel
		}
		w.seen[acc.address][e.Type+"/"+id] = true
	}
	w.mu.Unlock()
	return true, w.do(ctx, request{method: "PUT", path: "/api/v2/SyncRuns/" + started.SyncRun.ID + "/FinalizeExternalEventSync", token: acc.token,
		header: datawallet1, want: http.StatusOK, body: map[string]any{"externalEventResults": results}}, nil)
}
