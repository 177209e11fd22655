package workload

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/openbackbone/openbackbone/internal/identitykey"
)

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// devicePassword is every workload device's password.
const devicePassword = "device-password"

// CreateAccount creates an identity through the configured client, logs
// its device in and upgrades its datawallet to version 1, as a new client
// does during onboarding.
func (w *Workload) CreateAccount(ctx context.Context) (Account, error) {
	key := identitykey.New()
	var ch struct {
		ID        string    `json:"id"`
		ExpiresAt time.Time `json:"expiresAt"`
	}
	if err := w.Do(ctx, Request{Method: "POST", Path: "/api/v2/Challenges", Want: http.StatusCreated}, &ch); err != nil {
		return Account{}, err
	}
	challenge := identitykey.ChallengeJSON(ch.ID, ch.ExpiresAt, "", "")
	var created struct {
		Address string `json:"address"`
		Device  struct {
			Username string `json:"username"`
		} `json:"device"`
	}
	if err := w.Do(ctx, Request{Method: "POST", Path: "/api/v2/Identities", Want: http.StatusCreated, Body: map[string]any{
		"clientId": w.clientID, "clientSecret": w.clientSecret, "identityPublicKey": key.WrapperBase64(),
		"devicePassword": devicePassword, "identityVersion": 1,
		"signedChallenge": map[string]any{"challenge": challenge, "signature": key.SignBase64(challenge)},
	}}, &created); err != nil {
		return Account{}, err
	}
	// The token endpoint answers in OAuth's format, not the envelope.
	a := &attempt{}
	status, raw, err := w.send(withAttempt(ctx, a), Request{Method: "POST", Path: "/connect/token", Body: url.Values{
		"grant_type": {"password"}, "client_id": {w.clientID}, "client_secret": {w.clientSecret},
		"username": {created.Device.Username}, "password": {devicePassword},
	}})
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err != nil && ctx.Err() != nil {
		return Account{}, ctx.Err()
	}
	if err != nil {
		return Account{}, w.fail("POST /connect/token: %v", err)
	}
	if status != http.StatusOK || json.Unmarshal(raw, &tok) != nil || tok.AccessToken == "" {
		return Account{}, w.fail("POST /connect/token: status %d: %s", status, raw)
	}
	acc := Account{Address: created.Address, Token: tok.AccessToken}
	w.mu.Lock()
	w.tokens[acc.Address] = acc.Token
	w.mu.Unlock()
	var run struct {
		SyncRun struct {
			ID string `json:"id"`
		} `json:"syncRun"`
	}
	if err := w.Do(ctx, Request{Method: "POST", Path: "/api/v2/SyncRuns", Token: acc.Token, Header: Datawallet1, Want: http.StatusCreated,
		Body: map[string]any{"type": "DatawalletVersionUpgrade"}}, &run); err != nil {
		return acc, err
	}
	return acc, w.Do(ctx, Request{Method: "PUT", Path: "/api/v2/SyncRuns/" + run.SyncRun.ID + "/FinalizeDatawalletVersionUpgrade",
		Route: "PUT /api/v2/SyncRuns/{id}/FinalizeDatawalletVersionUpgrade", Token: acc.Token,
		Header: Datawallet1, Want: http.StatusOK, Body: map[string]any{"newDatawalletVersion": 1, "datawalletModifications": []any{}}}, nil)
}

// Round is one pass of a new client pair through the API: Pair, then
// Exchange. n tells the round's data apart. It stops at the first step
// that fails or whose outcome is unknown; what was accepted until then is
// recorded.
func (w *Workload) Round(ctx context.Context, n int) error {
	a, b, err := w.Pair(ctx)
	if err != nil {
		return err
	}
	return w.Exchange(ctx, a, b, n)
}

// Pair onboards two accounts and relates them: a offers a template, b
// asks for the relationship and a accepts it.
func (w *Workload) Pair(ctx context.Context) (a, b Account, err error) {
	if a, err = w.CreateAccount(ctx); err != nil {
		return a, b, err
	}
	if b, err = w.CreateAccount(ctx); err != nil {
		return a, b, err
	}
	return a, b, w.relate(ctx, a, b)
}

func (w *Workload) relate(ctx context.Context, a, b Account) error {
	var tmpl struct {
		ID string `json:"id"`
	}
	if err := w.Do(ctx, Request{Method: "POST", Path: "/api/v2/RelationshipTemplates", Token: a.Token, Want: http.StatusCreated,
		Body: map[string]any{"content": b64("template")}}, &tmpl); err != nil {
		return err
	}
	if err := w.Do(ctx, Request{Method: "GET", Path: "/api/v2/RelationshipTemplates/" + tmpl.ID, Route: "GET /api/v2/RelationshipTemplates/{id}",
		Token: b.Token, Want: http.StatusOK}, nil); err != nil {
		return err
	}
	var rel struct {
		ID string `json:"id"`
	}
	if err := w.Do(ctx, Request{Method: "POST", Path: "/api/v2/Relationships", Token: b.Token, Want: http.StatusCreated,
		Body: map[string]any{"relationshipTemplateId": tmpl.ID, "creationContent": b64("hello")}}, &rel); err != nil {
		return err
	}
	var relIndex int
	w.record(func(acc *Accepted) {
		relIndex = len(acc.Relationships)
		acc.Relationships = append(acc.Relationships, Relationship{ID: rel.ID, From: b.Address, To: a.Address, Status: "Pending"})
		acc.Events[a.Address] = append(acc.Events[a.Address], "RelationshipStatusChanged/"+rel.ID)
	})
	if err := w.Do(ctx, Request{Method: "PUT", Path: "/api/v2/Relationships/" + rel.ID + "/Accept", Route: "PUT /api/v2/Relationships/{id}/Accept",
		Token: a.Token, Want: http.StatusOK, Body: map[string]any{}}, nil); err != nil {
		if errors.Is(err, ErrUnknown) {
			w.record(func(acc *Accepted) { acc.Relationships[relIndex].Status = "" }) // Pending or Active
		}
		return err
	}
	w.record(func(acc *Accepted) {
		acc.Relationships[relIndex].Status = "Active"
		acc.Events[b.Address] = append(acc.Events[b.Address], "RelationshipStatusChanged/"+rel.ID)
	})
	return nil
}

// Exchange is what a related pair does day to day: a creates a token and
// sends b two messages, b lists its messages, writes a datawallet
// modification and syncs. It can be repeated with the same pair; n tells
// the data of each call apart.
func (w *Workload) Exchange(ctx context.Context, a, b Account, n int) error {
	var tok struct {
		ID string `json:"id"`
	}
	content := b64(fmt.Sprintf("token %d of %s", n, a.Address))
	if err := w.Do(ctx, Request{Method: "POST", Path: "/api/v2/Tokens", Token: a.Token, Want: http.StatusCreated,
		Body: map[string]any{"content": content, "expiresAt": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}}, &tok); err != nil {
		return err
	}
	w.record(func(acc *Accepted) { acc.Tokens[tok.ID] = content })

	sent := url.Values{}
	for i := range 2 {
		var msg struct {
			ID string `json:"id"`
		}
		if err := w.Do(ctx, Request{Method: "POST", Path: "/api/v2/Messages", Token: a.Token, Want: http.StatusCreated, Body: map[string]any{
			"recipients": []any{map[string]any{"address": b.Address, "encryptedKey": b64(strings.Repeat("k", 32))}},
			"body":       b64(fmt.Sprintf("message %d of %d", i, n)), "attachments": []any{},
		}}, &msg); err != nil {
			return err
		}
		sent.Add("ids", msg.ID)
		w.record(func(acc *Accepted) {
			acc.Messages[b.Address] = append(acc.Messages[b.Address], msg.ID)
			acc.Events[b.Address] = append(acc.Events[b.Address], "MessageReceived/"+msg.ID)
		})
	}
	// The recipient fetches the new messages by ID, as a client does after
	// the sync told it of them, which also marks them received.
	var got []struct {
		ID string `json:"id"`
	}
	if err := w.Do(ctx, Request{Method: "GET", Path: "/api/v2/Messages?" + sent.Encode(), Token: b.Token, Want: http.StatusOK}, &got); err != nil {
		return err
	}
	if len(got) != len(sent["ids"]) {
		return w.fail("GET /api/v2/Messages?%s: %d messages, want %d", sent.Encode(), len(got), len(sent["ids"]))
	}

	object := fmt.Sprintf("object-%d", n)
	push := map[string]any{"modifications": []any{map[string]any{"type": "Create", "objectIdentifier": object, "collection": "Relationships",
		"datawalletVersion": 1, "encryptedPayload": b64("cipher")}}}
	// A device that has pushed before says how far it is, as the server
	// refuses pushes of a device that missed modifications.
	w.mu.Lock()
	if i, ok := w.datawalletIndex[b.Address]; ok {
		push["localIndex"] = i
	}
	w.mu.Unlock()
	var pushed struct {
		NewIndex int64 `json:"newIndex"`
	}
	if err := w.Do(ctx, Request{Method: "POST", Path: "/api/v2/Datawallet/Modifications", Token: b.Token, Header: Datawallet1, Want: http.StatusCreated,
		Body: push}, &pushed); err != nil {
		return err
	}
	w.record(func(acc *Accepted) { acc.Modifications[b.Address] = append(acc.Modifications[b.Address], object) })
	w.mu.Lock()
	w.datawalletIndex[b.Address] = pushed.NewIndex
	w.mu.Unlock()

	// The peer syncs as a client would; whatever the run holds is fine
	// here, a reader of Accepted waits for everything.
	_, err := w.Sync(ctx, b)
	return err
}

// Sync runs one external-event sync for the account's device and records
// the events it held as seen. It reports whether there were any.
func (w *Workload) Sync(ctx context.Context, acc Account) (bool, error) {
	var started struct {
		Status  string `json:"status"`
		SyncRun *struct {
			ID string `json:"id"`
		} `json:"syncRun"`
	}
	a := &attempt{}
	r := Request{Method: "POST", Path: "/api/v2/SyncRuns", Token: acc.Token, Header: Datawallet1, Body: map[string]any{"type": "ExternalEventSync"}}
	status, raw, err := w.send(withAttempt(ctx, a), r)
	switch {
	case err != nil && ctx.Err() != nil:
		return false, ctx.Err()
	case err != nil:
		return false, w.fail("POST /api/v2/SyncRuns: %v", err)
	case status == http.StatusOK:
		return false, nil // no new events
	case status == http.StatusBadRequest && a.maybeApplied:
		return false, w.unknownOutcome()
	case status == http.StatusBadRequest && bytes.Contains(raw, []byte("cannotStartSyncRunWhenAnotherSyncRunIsRunning")) && w.Unknown() > 0:
		// Only a start whose answer was lost leaves a run open; it
		// expires, and a later sync gets a new one.
		return false, ErrUnknown
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
	if err := w.Do(ctx, Request{Method: "GET", Path: "/api/v2/SyncRuns/" + started.SyncRun.ID + "/ExternalEvents?pageSize=200",
		Route: "GET /api/v2/SyncRuns/{id}/ExternalEvents", Token: acc.Token, Want: http.StatusOK}, &events); err != nil {
		return false, err
	}
	results := make([]any, 0, len(events))
	w.mu.Lock()
	if w.seen[acc.Address] == nil {
		w.seen[acc.Address] = map[string]bool{}
	}
	for _, e := range events {
		results = append(results, map[string]any{"externalEventId": e.ID})
		id, _ := e.Payload["id"].(string)
		if rel, ok := e.Payload["relationshipId"].(string); ok {
			id = rel
		}
		w.seen[acc.Address][e.Type+"/"+id] = true
	}
	w.mu.Unlock()
	return true, w.Do(ctx, Request{Method: "PUT", Path: "/api/v2/SyncRuns/" + started.SyncRun.ID + "/FinalizeExternalEventSync",
		Route: "PUT /api/v2/SyncRuns/{id}/FinalizeExternalEventSync", Token: acc.Token,
		Header: Datawallet1, Want: http.StatusOK, Body: map[string]any{"externalEventResults": results}}, nil)
}
