package httpapi_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const deletionProcesses = "/api/v2/Identities/Self/DeletionProcesses"

func TestDeletionProcesses(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		t.Run("StartWithoutBodyTakesFourteenDays", func(t *testing.T) {
			a := s.createIdentity()
			peer := s.createIdentity()
			s.related(a, peer)
			tplA := s.createTemplate(a, nil)
			r := s.do("POST", deletionProcesses, a.Token, nil)
			require.Equal(t, http.StatusCreated, r.Status, "%s", r.Raw)
			p := r.result()
			assert.Regexp(t, `^IDP[A-Za-z0-9]{17}$`, p["id"])
			assert.Equal(t, "Active", p["status"])
			assert.Equal(t, a.DeviceID, p["createdByDevice"])
			assert.Equal(t, p["createdAt"], p["approvedAt"], "approvedAt repeats createdAt")
			assert.Equal(t, p["createdByDevice"], p["approvedByDevice"])
			for _, k := range []string{"gracePeriodReminder1SentAt", "gracePeriodReminder2SentAt", "gracePeriodReminder3SentAt"} {
				v, ok := p[k]
				assert.True(t, ok, "%s is always present", k)
				assert.Nil(t, v)
			}
			created, err := time.Parse(time.RFC3339, p["createdAt"].(string))
			require.NoError(t, err)
			ends, err := time.Parse(time.RFC3339, p["gracePeriodEndsAt"].(string))
			require.NoError(t, err)
			assert.Equal(t, 14*24*time.Hour, ends.Sub(created))

			self := s.do("GET", "/api/v2/Identities/Self", a.Token, nil)
			assert.Equal(t, "ToBeDeleted", self.result()["status"])
			assert.Equal(t, "TIR00000000000000001", self.result()["tierId"])
			s.waitForEvent(peer.Address, "PeerToBeDeleted")

			expectError(t, s.do("POST", deletionProcesses, a.Token, nil), 400, "error.platform.validation.device.onlyOneActiveDeletionProcessAllowed")
			expectError(t, s.do("POST", "/api/v2/SyncRuns", a.Token, map[string]any{}, "X-Supported-Datawallet-Version", "1"),
				400, "error.platform.validation.syncRun.cannotStartSyncRunWhileIdentityIsToBeDeleted")
			expectError(t, s.do("POST", "/api/v2/Relationships", s.createIdentity().Token, map[string]any{"relationshipTemplateId": tplA}),
				400, "error.platform.validation.relationship.peerIsToBeDeleted")

			list := s.do("GET", deletionProcesses, a.Token, nil)
			require.Equal(t, http.StatusOK, list.Status)
			require.Len(t, list.JSON["result"], 1)
			got := s.do("GET", deletionProcesses+"/"+p["id"].(string), a.Token, nil)
			require.Equal(t, http.StatusOK, got.Status)
			assert.Equal(t, p, got.result())

			cancelled := s.do("PUT", deletionProcesses+"/"+p["id"].(string)+"/Cancel", a.Token, nil)
			require.Equal(t, http.StatusOK, cancelled.Status, "%s", cancelled.Raw)
			assert.Equal(t, "Cancelled", cancelled.result()["status"])
			assert.Nil(t, cancelled.result()["gracePeriodEndsAt"])
			assert.NotContains(t, cancelled.result(), "cancelledAt")
			self = s.do("GET", "/api/v2/Identities/Self", a.Token, nil)
			assert.Equal(t, "Active", self.result()["status"])
			assert.NotEqual(t, "TIR00000000000000001", self.result()["tierId"])
			s.waitForEvent(peer.Address, "PeerDeletionCancelled")
			expectError(t, s.do("PUT", deletionProcesses+"/"+p["id"].(string)+"/Cancel", a.Token, nil),
				400, "error.platform.validation.device.deletionProcessIsNotInRequiredStatus")

			// The operator's view.
			admin := s.admin("GET", "/api/v1/Identities/"+a.Address+"/DeletionProcesses", nil)
			require.Equal(t, http.StatusOK, admin.Status, "%s", admin.Raw)
			require.Len(t, admin.JSON["result"], 1)
			details := s.admin("GET", "/api/v1/Identities/"+a.Address+"/DeletionProcesses/"+p["id"].(string), nil)
			require.Equal(t, http.StatusOK, details.Status, "%s", details.Raw)
			log := details.result()["auditLog"].([]any)
			require.Len(t, log, 2)
			assert.Equal(t, "StartedByOwner", log[0].(map[string]any)["messageKey"])
			assert.Nil(t, log[0].(map[string]any)["oldStatus"])
			assert.Equal(t, "Active", log[0].(map[string]any)["newStatus"])
			assert.Equal(t, "CancelledByOwner", log[1].(map[string]any)["messageKey"])
			assert.Equal(t, "Cancelled", log[1].(map[string]any)["newStatus"])
			audit := s.admin("GET", "/api/v1/Identities/"+a.Address+"/DeletionProcesses/AuditLogs", nil)
			require.Equal(t, http.StatusOK, audit.Status, "%s", audit.Raw)
			require.Len(t, audit.JSON["result"], 2)
			expectError(t, s.admin("GET", "/api/v1/Identities/"+peer.Address+"/DeletionProcesses/"+p["id"].(string), nil), 404, "error.platform.recordNotFound")
			expectError(t, s.admin("GET", "/api/v1/Identities/nope/DeletionProcesses", nil), 400, "error.platform.validation.invalidPropertyValue")
			assert.Equal(t, http.StatusUnauthorized, s.do("GET", "/api/v1/Identities/"+a.Address+"/DeletionProcesses", "", nil).Status, "the API key is required")
		})

		t.Run("GracePeriodIsValidated", func(t *testing.T) {
			a := s.createIdentity()
			expectError(t, s.do("POST", deletionProcesses, a.Token, map[string]any{"lengthOfGracePeriodInDays": -1}), 400, "error.platform.validation.invalidPropertyValue")
			expectError(t, s.do("POST", deletionProcesses, a.Token, map[string]any{"lengthOfGracePeriodInDays": 1e9}), 400, "error.platform.validation.invalidPropertyValue")
			expectError(t, s.do("POST", deletionProcesses, a.Token, `{"lengthOfGracePeriodInDays":"soon"}`), 400, "error.platform.inputCannotBeParsed")
			expectError(t, s.do("POST", deletionProcesses, a.Token, `{`), 400, "error.platform.inputCannotBeParsed")
			r := s.do("POST", deletionProcesses, a.Token, map[string]any{"lengthOfGracePeriodInDays": 0.5})
			require.Equal(t, http.StatusCreated, r.Status, "%s", r.Raw)
		})

		t.Run("IDsAreChecked", func(t *testing.T) {
			a, b := s.createIdentity(), s.createIdentity()
			p := s.do("POST", deletionProcesses, a.Token, map[string]any{})
			require.Equal(t, http.StatusCreated, p.Status, "%s", p.Raw)
			id := p.result()["id"].(string)
			expectError(t, s.do("GET", deletionProcesses+"/nope", a.Token, nil), 400, "error.platform.validation.invalidPropertyValue")
			expectError(t, s.do("GET", deletionProcesses+"/IDPaaaaaaaaaaaaaaaaa", a.Token, nil), 404, "error.platform.recordNotFound")
			expectError(t, s.do("GET", deletionProcesses+"/"+id, b.Token, nil), 404, "error.platform.recordNotFound")
			expectError(t, s.do("PUT", deletionProcesses+"/"+id+"/Cancel", b.Token, nil), 404, "error.platform.recordNotFound")
			expectError(t, s.do("PUT", deletionProcesses+"/nope/Cancel", a.Token, nil), 400, "error.platform.validation.invalidPropertyValue")
			assert.Equal(t, http.StatusUnauthorized, s.do("GET", deletionProcesses, "", nil).Status)
		})

		t.Run("AfterTheGracePeriodLoginIsRefusedAndTheJobDeletes", func(t *testing.T) {
			a := s.createIdentity()
			p := s.do("POST", deletionProcesses, a.Token, map[string]any{"lengthOfGracePeriodInDays": 0})
			require.Equal(t, http.StatusCreated, p.Status, "%s", p.Raw)
			s.env.Clock.Advance(time.Second)
			expectError(t, s.do("PUT", deletionProcesses+"/"+p.result()["id"].(string)+"/Cancel", a.Token, nil),
				400, "error.platform.validation.device.gracePeriodHasAlreadyExpired")
			r := s.token(a.Username, a.Password)
			assert.Equal(t, http.StatusBadRequest, r.Status)
			assert.Equal(t, "invalid_grant", r.JSON["error"])
			deleted := s.do("GET", "/api/v2/Identities/IsDeleted?username="+a.Username, "", nil)
			assert.Equal(t, true, deleted.result()["isDeleted"])

			_, err := s.env.Backbone.Jobs.ActualDeletion(context.Background())
			require.NoError(t, err)
			deleted = s.do("GET", "/api/v2/Identities/IsDeleted?username="+a.Username, "", nil)
			assert.Equal(t, true, deleted.result()["isDeleted"], "still deleted once the data is gone")
			assert.NotNil(t, deleted.result()["deletionDate"])
			audit := s.admin("GET", "/api/v1/Identities/"+a.Address+"/DeletionProcesses/AuditLogs", nil)
			require.Equal(t, http.StatusOK, audit.Status)
			entries := audit.JSON["result"].([]any)
			assert.Equal(t, "DeletionCompleted", entries[len(entries)-1].(map[string]any)["messageKey"])
			list := s.admin("GET", "/api/v1/Identities/"+a.Address+"/DeletionProcesses", nil)
			assert.Empty(t, list.JSON["result"], "the processes went with the identity")
		})
	})
}
