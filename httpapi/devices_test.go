package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func (s *server) registerDevice(a account, extra map[string]any) response {
	body := map[string]any{"devicePassword": "second", "signedChallenge": s.authChallenge(a)}
	for k, v := range extra {
		body[k] = v
	}
	return s.do("POST", "/api/v2/Devices", a.Token, body)
}

func TestDevices(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		t.Run("RegisterLoginAndList", func(t *testing.T) {
			a := s.createIdentity()
			r := s.registerDevice(a, nil)
			require.Equal(t, http.StatusCreated, r.Status, "%s", r.Raw)
			d := r.result()
			assert.Equal(t, a.DeviceID, d["createdByDevice"])
			assert.Equal(t, false, d["isBackupDevice"])
			assert.Regexp(t, wireTime, d["createdAt"])

			list := s.do("GET", "/api/v2/Devices", a.Token, nil)
			require.Equal(t, http.StatusOK, list.Status)
			assert.NotContains(t, list.JSON, "pagination", "a single page has no pagination object")
			items := list.JSON["result"].([]any)
			require.Len(t, items, 2)
			first := items[0].(map[string]any)
			assert.Equal(t, a.DeviceID, first["id"], "oldest first")
			assert.Equal(t, a.DeviceID, first["createdByDevice"], "the first device creates itself")
			assert.Regexp(t, wireTime, first["lastLogin"].(map[string]any)["time"])
			assert.Equal(t, "en", first["communicationLanguage"])
			assert.Nil(t, items[1].(map[string]any)["lastLogin"], "not logged in yet")

			token := s.login(d["username"].(string), "second")
			self := s.do("GET", "/api/v2/Devices/Self", token, nil)
			require.Equal(t, http.StatusOK, self.Status)
			assert.Equal(t, d["id"], self.result()["id"])
			assert.NotNil(t, self.result()["lastLogin"])

			paged := s.do("GET", "/api/v2/Devices?PAGESIZE=1&pageNumber=2", a.Token, nil)
			require.Equal(t, http.StatusOK, paged.Status, "%s", paged.Raw)
			assert.Equal(t, map[string]any{"pageNumber": 2.0, "pageSize": 1.0, "totalPages": 2.0, "totalRecords": 2.0}, paged.JSON["pagination"])
			assert.Equal(t, d["id"], paged.JSON["result"].([]any)[0].(map[string]any)["id"])

			byID := s.do("GET", "/api/v2/Devices?ids="+a.DeviceID+"&ids=DVCaaaaaaaaaaaaaaaaa", a.Token, nil)
			require.Len(t, byID.JSON["result"], 1)

			expectError(t, s.do("GET", "/api/v2/Devices?pageSize=201", a.Token, nil), 400, "error.platform.validation.pagination.invalidPageSize")
			expectError(t, s.do("GET", "/api/v2/Devices?pageSize=-1", a.Token, nil), 400, "error.platform.validation.pagination.invalidPageSize")
			expectError(t, s.do("GET", "/api/v2/Devices?pageSize=abc", a.Token, nil), 400, "error.platform.inputCannotBeParsed")
			expectError(t, s.do("GET", "/api/v2/Devices?ids=nope", a.Token, nil), 400, "error.platform.validation.invalidPropertyValue")

			other := s.createIdentity()
			assert.Len(t, s.do("GET", "/api/v2/Devices", other.Token, nil).JSON["result"], 1, "devices of other identities are invisible")
		})
		t.Run("RegisterRejectsBadInput", func(t *testing.T) {
			a := s.createIdentity()
			expectError(t, s.do("POST", "/api/v2/Devices", a.Token, map[string]any{"signedChallenge": s.authChallenge(a)}), 400, "error.platform.inputCannotBeParsed")
			expectError(t, s.do("POST", "/api/v2/Devices", a.Token, map[string]any{"devicePassword": "x"}), 400, "error.platform.inputCannotBeParsed")
			expectError(t, s.registerDevice(a, map[string]any{"devicePassword": ""}), 400, "error.platform.validation.invalidPropertyValue")
			expectError(t, s.registerDevice(a, map[string]any{"communicationLanguage": "xx"}), 400, "error.platform.validation.invalidDeviceCommunicationLanguage")
			other := s.createIdentity()
			sc := s.authChallenge(a)
			sc["signature"] = other.Key.SignBase64(sc["challenge"].(string))
			expectError(t, s.do("POST", "/api/v2/Devices", a.Token, map[string]any{"devicePassword": "x", "signedChallenge": sc}), 400, "error.platform.validation.device.invalidSignature")
			assert.Len(t, s.do("GET", "/api/v2/Devices", a.Token, nil).JSON["result"], 1, "no device was added")
		})
		t.Run("OnlyOneBackupDeviceAndLoginClearsTheFlag", func(t *testing.T) {
			a := s.createIdentity()
			r := s.registerDevice(a, map[string]any{"isBackupDevice": true})
			require.Equal(t, http.StatusCreated, r.Status)
			assert.Equal(t, true, r.result()["isBackupDevice"])
			expectError(t, s.registerDevice(a, map[string]any{"isBackupDevice": true}), 400, "error.platform.validation.device.onlyOneBackupDeviceCanExist")
			token := s.login(r.result()["username"].(string), "second")
			assert.Equal(t, false, s.do("GET", "/api/v2/Devices/Self", token, nil).result()["isBackupDevice"])
			assert.Equal(t, http.StatusCreated, s.registerDevice(a, map[string]any{"isBackupDevice": true}).Status, "the used backup device no longer counts")
		})
		t.Run("UpdateLanguage", func(t *testing.T) {
			a := s.createIdentity()
			r := s.do("PUT", "/api/v2/Devices/Self", a.Token, map[string]any{"communicationLanguage": "de"})
			require.Equal(t, http.StatusNoContent, r.Status, "%s", r.Raw)
			assert.Equal(t, "de", s.do("GET", "/api/v2/Devices/Self", a.Token, nil).result()["communicationLanguage"])
			expectError(t, s.do("PUT", "/api/v2/Devices/Self", a.Token, map[string]any{"communicationLanguage": "fra"}), 400, "error.platform.validation.invalidDeviceCommunicationLanguage")
			expectError(t, s.do("PUT", "/api/v2/Devices/Self", a.Token, map[string]any{}), 400, "error.platform.inputCannotBeParsed")
			assert.Equal(t, "de", s.do("GET", "/api/v2/Devices/Self", a.Token, nil).result()["communicationLanguage"])
		})
		t.Run("ChangePassword", func(t *testing.T) {
			a := s.createIdentity()
			expectError(t, s.do("PUT", "/api/v2/Devices/Self/Password", a.Token, map[string]any{"oldPassword": "wrong", "newPassword": "new"}), 400, "error.platform.validation.device.changePasswordFailed")
			expectError(t, s.do("PUT", "/api/v2/Devices/Self/Password", a.Token, map[string]any{"oldPassword": a.Password}), 400, "error.platform.inputCannotBeParsed")
			expectError(t, s.do("PUT", "/api/v2/Devices/Self/Password", a.Token, map[string]any{"oldPassword": a.Password, "newPassword": ""}), 400, "error.platform.validation.invalidPropertyValue")
			assert.Equal(t, http.StatusOK, s.token(a.Username, a.Password).Status, "failed changes keep the password")
			r := s.do("PUT", "/api/v2/Devices/Self/Password", a.Token, map[string]any{"oldPassword": a.Password, "newPassword": "new"})
			require.Equal(t, http.StatusNoContent, r.Status, "%s", r.Raw)
			assert.Equal(t, http.StatusBadRequest, s.token(a.Username, a.Password).Status)
			assert.Equal(t, http.StatusOK, s.token(a.Username, "new").Status)
		})
		t.Run("DeleteOnlyNotOnboardedOwnDevices", func(t *testing.T) {
			a := s.createIdentity()
			fresh := s.registerDevice(a, nil).result()["id"].(string)
			used := s.registerDevice(a, nil).result()
			s.login(used["username"].(string), "second")
			other := s.createIdentity()
			expectError(t, s.do("DELETE", "/api/v2/Devices/"+fresh, other.Token, nil), 400, "error.platform.validation.device.deviceCannotBeDeleted")
			expectError(t, s.do("DELETE", "/api/v2/Devices/"+used["id"].(string), a.Token, nil), 400, "error.platform.validation.device.deviceCannotBeDeleted")
			expectError(t, s.do("DELETE", "/api/v2/Devices/"+a.DeviceID, a.Token, nil), 400, "error.platform.validation.device.deviceCannotBeDeleted")
			expectError(t, s.do("DELETE", "/api/v2/Devices/DVCaaaaaaaaaaaaaaaaa", a.Token, nil), 404, "error.platform.recordNotFound")
			expectError(t, s.do("DELETE", "/api/v2/Devices/nope", a.Token, nil), 400, "error.platform.validation.invalidPropertyValue")
			r := s.do("DELETE", "/api/v2/devices/"+fresh, a.Token, nil)
			require.Equal(t, http.StatusNoContent, r.Status, "%s", r.Raw)
			assert.Len(t, s.do("GET", "/api/v2/Devices", a.Token, nil).JSON["result"], 2)
		})
	})
}
