package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const dwHeader = "X-Supported-Datawallet-Version"

// withDatawallet runs the upgrade every new account of the official client
// runs, so the account has a datawallet of version 1.
func (s *server) withDatawallet(a account) {
	s.t.Helper()
	r := s.do("POST", "/api/v2/SyncRuns", a.Token, map[string]any{"type": "DatawalletVersionUpgrade"}, dwHeader, "1")
	require.Equal(s.t, http.StatusCreated, r.Status, "%s", r.Raw)
	id := r.result()["syncRun"].(map[string]any)["id"].(string)
	f := s.do("PUT", "/api/v2/SyncRuns/"+id+"/FinalizeDatawalletVersionUpgrade", a.Token, map[string]any{"newDatawalletVersion": 1, "datawalletModifications": []any{}}, dwHeader, "1")
	require.Equal(s.t, http.StatusOK, f.Status, "%s", f.Raw)
}

func TestSyncRuns(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		t.Run("NewAccountUpgradesItsDatawallet", func(t *testing.T) {
			a := s.createIdentity()
			expectError(t, s.do("POST", "/api/v2/SyncRuns", a.Token, map[string]any{"type": "ExternalEventSync"}, dwHeader, "1"), 404, "error.platform.recordNotFound")
			expectError(t, s.do("GET", "/api/v2/Datawallet", a.Token, nil), 404, "error.platform.recordNotFound")

			r := s.do("POST", "/api/v2/SyncRuns", a.Token, map[string]any{"type": 1}, dwHeader, "1")
			require.Equal(t, http.StatusCreated, r.Status, "%s", r.Raw)
			assert.Equal(t, "Created", r.result()["status"])
			run := r.result()["syncRun"].(map[string]any)
			assert.Regexp(t, `^SYR[A-Za-z0-9]{17}$`, run["id"])
			assert.Equal(t, "DatawalletVersionUpgrade", run["type"])
			assert.Equal(t, 0.0, run["index"])
			assert.Equal(t, 0.0, run["eventCount"])
			assert.Equal(t, a.Address, run["createdBy"])
			assert.Equal(t, a.DeviceID, run["createdByDevice"])
			assert.Regexp(t, wireTime, run["expiresAt"])

			expectError(t, s.do("POST", "/api/v2/SyncRuns", a.Token, map[string]any{"type": "DatawalletVersionUpgrade"}, dwHeader, "1"), 400, "error.platform.validation.syncRun.cannotStartSyncRunWhenAnotherSyncRunIsRunning")
			expectError(t, s.do("PUT", "/api/v2/SyncRuns/"+run["id"].(string)+"/FinalizeExternalEventSync", a.Token, map[string]any{}), 400, "error.platform.validation.syncRun.unexpectedSyncRunType")
			expectError(t, s.do("PUT", "/api/v2/SyncRuns/"+run["id"].(string)+"/FinalizeDatawalletVersionUpgrade", a.Token, map[string]any{"newDatawalletVersion": 0}), 400, "error.platform.validation.invalidPropertyValue")

			f := s.do("PUT", "/api/v2/SyncRuns/"+run["id"].(string)+"/FinalizeDatawalletVersionUpgrade", a.Token, map[string]any{"newDatawalletVersion": 1})
			require.Equal(t, http.StatusOK, f.Status, "%s", f.Raw)
			assert.JSONEq(t, `{"result":{"newDatawalletModificationIndex":null,"datawalletModifications":[]}}`, string(f.Raw))
			expectError(t, s.do("PUT", "/api/v2/SyncRuns/"+run["id"].(string)+"/FinalizeDatawalletVersionUpgrade", a.Token, map[string]any{"newDatawalletVersion": 1}), 400, "error.platform.validation.syncRun.syncRunAlreadyFinalized")
			assert.JSONEq(t, `{"result":{"version":1}}`, string(s.do("GET", "/api/v2/Datawallet", a.Token, nil).Raw))

			r = s.do("POST", "/api/v2/SyncRuns", a.Token, map[string]any{}, dwHeader, "1")
			require.Equal(t, http.StatusOK, r.Status, "%s", r.Raw)
			assert.JSONEq(t, `{"result":{"status":"NoNewEvents","syncRun":null}}`, string(r.Raw))
			expectError(t, s.do("POST", "/api/v2/SyncRuns", a.Token, map[string]any{}), 400, "error.platform.validation.datawallet.insufficientSupportedDatawalletVersion")

			up := s.do("POST", "/api/v2/SyncRuns", a.Token, map[string]any{"type": "datawalletversionupgrade"}, dwHeader, "2")
			require.Equal(t, http.StatusCreated, up.Status)
			assert.Equal(t, 1.0, up.result()["syncRun"].(map[string]any)["index"], "indexes count runs of both types")
			upID := up.result()["syncRun"].(map[string]any)["id"].(string)
			f = s.do("PUT", "/api/v2/SyncRuns/"+upID+"/FinalizeDatawalletVersionUpgrade", a.Token, map[string]any{"newDatawalletVersion": 0.5})
			expectError(t, f, 400, "error.platform.inputCannotBeParsed")
			f = s.do("PUT", "/api/v2/SyncRuns/"+upID+"/FinalizeDatawalletVersionUpgrade", a.Token, map[string]any{"newDatawalletVersion": 2})
			require.Equal(t, http.StatusOK, f.Status)
			expectError(t, s.do("POST", "/api/v2/SyncRuns", a.Token, map[string]any{}, dwHeader, "1"), 400, "error.platform.validation.datawallet.insufficientSupportedDatawalletVersion")
		})

		t.Run("EventsAreDeliveredFinalizedAndRetriedOnError", func(t *testing.T) {
			a := s.createIdentity()
			s.withDatawallet(a)
			ids := []string{
				s.env.AddExternalEvent(t, a.Address, "MessageReceived", `{"id":"MSGaaaaaaaaaaaaaaaaa"}`),
				s.env.AddExternalEvent(t, a.Address, "RelationshipStatusChanged", `{"relationshipId":"RELaaaaaaaaaaaaaaaaa"}`),
				s.env.AddExternalEvent(t, a.Address, "MessageReceived", `{"id":"MSGbbbbbbbbbbbbbbbbb"}`),
			}
			other := s.createIdentity()
			s.withDatawallet(other)
			s.env.AddExternalEvent(t, other.Address, "MessageReceived", `{"id":"MSGccccccccccccccccc"}`)

			r := s.do("POST", "/api/v2/SyncRuns", a.Token, map[string]any{"type": "ExternalEventSync", "duration": "30"}, dwHeader, "1")
			require.Equal(t, http.StatusCreated, r.Status, "%s", r.Raw)
			run := r.result()["syncRun"].(map[string]any)
			assert.Equal(t, 3.0, run["eventCount"])
			runID := run["id"].(string)

			page := s.do("GET", "/api/v2/SyncRuns/"+runID+"/ExternalEvents?pageSize=2", a.Token, nil)
			require.Equal(t, http.StatusOK, page.Status, "%s", page.Raw)
			assert.Equal(t, 2.0, page.JSON["pagination"].(map[string]any)["totalPages"])
			first := page.JSON["result"].([]any)[0].(map[string]any)
			assert.Equal(t, ids[0], first["id"])
			assert.Equal(t, "MessageReceived", first["type"])
			assert.Equal(t, 0.0, first["index"])
			assert.Equal(t, 0.0, first["syncErrorCount"])
			assert.Equal(t, map[string]any{"id": "MSGaaaaaaaaaaaaaaaaa"}, first["payload"])
			assert.Len(t, s.do("GET", "/api/v2/SyncRuns/"+runID+"/ExternalEvents?pageNumber=2&pageSize=2", a.Token, nil).JSON["result"], 1)

			expectError(t, s.do("GET", "/api/v2/SyncRuns/"+runID, other.Token, nil), 404, "error.platform.recordNotFound")
			expectError(t, s.do("GET", "/api/v2/SyncRuns/nope", a.Token, nil), 400, "error.platform.validation.invalidPropertyValue")
			assert.Equal(t, runID, s.do("GET", "/api/v2/SyncRuns/"+runID, a.Token, nil).result()["id"])

			expectError(t, s.do("PUT", "/api/v2/SyncRuns/"+runID+"/FinalizeExternalEventSync", a.Token, map[string]any{
				"externalEventResults": []any{map[string]any{"externalEventId": "bad"}},
			}), 400, "error.platform.validation.invalidPropertyValue")
			f := s.do("PUT", "/api/v2/SyncRuns/"+runID+"/FinalizeExternalEventSync", a.Token, map[string]any{
				"externalEventResults": []any{
					map[string]any{"externalEventId": ids[0]},
					map[string]any{"externalEventId": ids[1], "errorCode": "error.transport.unknown"},
					map[string]any{"externalEventId": "SYIaaaaaaaaaaaaaaaaa"},
				},
			})
			require.Equal(t, http.StatusOK, f.Status, "%s", f.Raw)
			assert.JSONEq(t, `{"result":{"newDatawalletModificationIndex":null,"datawalletModifications":[],"newUnsyncedExternalEventsExist":false}}`, string(f.Raw),
				"events that just failed do not count as new")
			expectError(t, s.do("GET", "/api/v2/SyncRuns/"+runID+"/ExternalEvents", a.Token, nil), 400, "error.platform.validation.syncRun.syncRunAlreadyFinalized")

			r = s.do("POST", "/api/v2/SyncRuns", a.Token, map[string]any{"type": 0}, dwHeader, "1")
			require.Equal(t, http.StatusCreated, r.Status)
			assert.Equal(t, 2.0, r.result()["syncRun"].(map[string]any)["eventCount"], "failed and unanswered events come again")
			runID = r.result()["syncRun"].(map[string]any)["id"].(string)
			events := s.do("GET", "/api/v2/SyncRuns/"+runID+"/ExternalEvents", a.Token, nil).JSON["result"].([]any)
			assert.Equal(t, ids[1], events[0].(map[string]any)["id"])
			assert.Equal(t, 1.0, events[0].(map[string]any)["syncErrorCount"])

			// A device that did not start the run may not use it.
			second := s.registerDevice(a, nil).result()
			token2 := s.login(second["username"].(string), "second")
			expectError(t, s.do("GET", "/api/v2/SyncRuns/"+runID+"/ExternalEvents", token2, nil), 400, "error.platform.validation.syncRun.cannotReadExternalEventsOfASyncRunStartedByAnotherDevice")
			expectError(t, s.do("PUT", "/api/v2/SyncRuns/"+runID+"/FinalizeExternalEventSync", token2, map[string]any{}), 400, "error.platform.validation.syncRun.cannotFinalizeSyncRunStartedByAnotherDevice")
			expectError(t, s.do("PUT", "/api/v2/SyncRuns/"+runID+"/RefreshExpirationTime", token2, nil), 400, "error.platform.validation.syncRun.cannotRefreshExpirationTimeOfSyncRunStartedByAnotherDevice")
			expectError(t, s.do("POST", "/api/v2/SyncRuns", token2, map[string]any{}, dwHeader, "1"), 400, "error.platform.validation.syncRun.cannotStartSyncRunWhenAnotherSyncRunIsRunning")

			// An expired run is cancelled by the next start; its events count an error.
			s.env.Clock.Advance(11 * time.Second)
			r = s.do("POST", "/api/v2/SyncRuns", token2, map[string]any{}, dwHeader, "1")
			require.Equal(t, http.StatusCreated, r.Status, "%s", r.Raw)
			runID = r.result()["syncRun"].(map[string]any)["id"].(string)
			events = s.do("GET", "/api/v2/SyncRuns/"+runID+"/ExternalEvents", token2, nil).JSON["result"].([]any)
			require.Len(t, events, 2)
			assert.Equal(t, 2.0, events[0].(map[string]any)["syncErrorCount"])

			refreshed := s.do("PUT", "/api/v2/SyncRuns/"+runID+"/RefreshExpirationTime", token2, nil)
			require.Equal(t, http.StatusOK, refreshed.Status)
			assert.Regexp(t, wireTime, refreshed.result()["expiresAt"])

			// The third failure is the last: the event is not delivered again.
			f = s.do("PUT", "/api/v2/SyncRuns/"+runID+"/FinalizeExternalEventSync", token2, map[string]any{
				"externalEventResults": []any{map[string]any{"externalEventId": ids[2]}},
			})
			require.Equal(t, http.StatusOK, f.Status, "%s", f.Raw)
			r = s.do("POST", "/api/v2/SyncRuns", token2, map[string]any{}, dwHeader, "1")
			assert.Equal(t, http.StatusOK, r.Status)
			assert.Equal(t, "NoNewEvents", r.result()["status"])
		})

		t.Run("IdentityToBeDeletedCannotStartRuns", func(t *testing.T) {
			a := s.createIdentity()
			s.withDatawallet(a)
			i, err := s.env.Backbone.Identities.Self(t.Context(), callerOf(a))
			require.NoError(t, err)
			i.Status = 1
			require.NoError(t, s.env.Store.Identities().Update(t.Context(), i))
			expectError(t, s.do("POST", "/api/v2/SyncRuns", a.Token, map[string]any{}, dwHeader, "1"), 400, "error.platform.validation.syncRun.cannotStartSyncRunWhileIdentityIsToBeDeleted")
		})
	})
}
