package apitest

import (
	"net/http"
	"testing"
	"time"
)

func modification(object, typ string) map[string]any {
	return map[string]any{"type": typ, "objectIdentifier": object, "collection": "Relationships", "datawalletVersion": 1,
		"encryptedPayload": b64("cipher-" + object)}
}

// testSync covers sync runs, external events and the datawallet.
func testSync(t *testing.T, c *client) {
	t.Run("DatawalletIsRecordNotFoundBeforeTheUpgrade", func(t *testing.T) {
		a := c.createAccount(t)
		expectError(t, c.do(t, "GET", "/api/v2/Datawallet", a.Token, nil), http.StatusNotFound, "error.platform.recordNotFound")
	})

	t.Run("DatawalletUpgradeAndModifications", func(t *testing.T) {
		a := c.createAccount(t)
		c.withDatawallet(t, a)
		d := c.do(t, "GET", "/api/v2/Datawallet", a.Token, nil)
		expectStatus(t, d, http.StatusOK)
		if d.result()["version"] != 1.0 {
			t.Errorf("want version 1, got %s", d)
		}
		r := c.do(t, "POST", "/api/v2/Datawallet/Modifications", a.Token, map[string]any{"modifications": []any{modification("o1", "Create"), modification("o2", "Create")}}, datawalletHeader, "1")
		expectStatus(t, r, http.StatusCreated)
		if r.result()["newIndex"] != 1.0 {
			t.Errorf("want newIndex 1, got %s", r)
		}
		expectError(t, c.do(t, "POST", "/api/v2/Datawallet/Modifications", a.Token, map[string]any{"localIndex": 0, "modifications": []any{modification("o3", "Create")}}, datawalletHeader, "1"),
			http.StatusBadRequest, "error.platform.validation.datawallet.datawalletNotUpToDate")
		l := c.do(t, "GET", "/api/v2/Datawallet/Modifications", a.Token, nil, datawalletHeader, "1")
		expectStatus(t, l, http.StatusOK)
		if len(l.list()) != 2 {
			t.Fatalf("want 2 modifications, got %s", l)
		}
		m, _ := l.list()[0].(map[string]any)
		if m["encryptedPayload"] != b64("cipher-o1") || m["type"] != "Create" {
			t.Errorf("first modification: %v", m)
		}
	})

	t.Run("SyncRunWithoutEventsReturnsNoRun", func(t *testing.T) {
		a := c.createAccount(t)
		c.withDatawallet(t, a)
		r := c.do(t, "POST", "/api/v2/SyncRuns", a.Token, map[string]any{}, datawalletHeader, "1")
		expectStatus(t, r, http.StatusOK)
		if v, ok := r.result()["status"]; !ok || v != "NoNewEvents" {
			t.Errorf("want status NoNewEvents, got %s", r)
		}
	})

	t.Run("ExternalEventSyncDeliversARelationshipEvent", func(t *testing.T) {
		a, b := c.createAccount(t), c.createAccount(t)
		c.withDatawallet(t, a)
		c.withDatawallet(t, b)
		c.requestRelationship(t, b, c.createTemplate(t, a))
		// Events travel through the outbox after commit; poll (bounded)
		// until the run has one.
		var run map[string]any
		for deadline := time.Now().Add(15 * time.Second); run == nil && time.Now().Before(deadline); {
			r := c.do(t, "POST", "/api/v2/SyncRuns", a.Token, map[string]any{"type": "ExternalEventSync"}, datawalletHeader, "1")
			if r.Status == http.StatusCreated {
				run, _ = r.result()["syncRun"].(map[string]any)
				break
			}
			expectStatus(t, r, http.StatusOK)
			time.Sleep(50 * time.Millisecond)
		}
		if run == nil {
			t.Fatal("no sync run with the RelationshipStatusChanged event was created")
		}
		id, _ := run["id"].(string)
		g := c.do(t, "GET", "/api/v2/SyncRuns/"+id, a.Token, nil)
		expectStatus(t, g, http.StatusOK)
		evs := c.do(t, "GET", "/api/v2/SyncRuns/"+id+"/ExternalEvents", a.Token, nil)
		expectStatus(t, evs, http.StatusOK)
		var results []any
		for _, e := range evs.list() {
			ev, _ := e.(map[string]any)
			results = append(results, map[string]any{"externalEventId": ev["id"]})
		}
		if len(results) == 0 {
			t.Fatalf("a created run has no events: %s", evs)
		}
		expectError(t, c.do(t, "POST", "/api/v2/SyncRuns", a.Token, map[string]any{}, datawalletHeader, "1"), http.StatusBadRequest, "error.platform.validation.syncRun.cannotStartSyncRunWhenAnotherSyncRunIsRunning")
		ref := c.do(t, "PUT", "/api/v2/SyncRuns/"+id+"/RefreshExpirationTime", a.Token, nil)
		expectStatus(t, ref, http.StatusOK)
		if s, _ := ref.result()["expiresAt"].(string); !datePattern.MatchString(s) {
			t.Errorf("refreshed run: want expiresAt, got %s", ref)
		}
		f := c.do(t, "PUT", "/api/v2/SyncRuns/"+id+"/FinalizeExternalEventSync", a.Token, map[string]any{"externalEventResults": results})
		expectStatus(t, f, http.StatusOK)
		expectError(t, c.do(t, "PUT", "/api/v2/SyncRuns/"+id+"/FinalizeExternalEventSync", a.Token, map[string]any{"externalEventResults": results}),
			http.StatusBadRequest, "error.platform.validation.syncRun.syncRunAlreadyFinalized")
	})

	t.Run("UnknownSyncRunIsRefused", func(t *testing.T) {
		a := c.createAccount(t)
		r := c.do(t, "GET", "/api/v2/SyncRuns/SYRaaaaaaaaaaaaaaaaa", a.Token, nil)
		expectError(t, r, http.StatusNotFound, "error.platform.recordNotFound")
		r = c.do(t, "GET", "/api/v2/SyncRuns/nope", a.Token, nil)
		if r.Status != http.StatusBadRequest || r.JSON["error"] == nil {
			t.Errorf("malformed id: want 400 with an error envelope, got %s", r)
		}
	})
}
