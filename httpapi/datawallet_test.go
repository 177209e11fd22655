package httpapi_test

import (
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone"
)

func callerOf(a account) backbone.Caller {
	return backbone.Caller{Address: a.Address, DeviceID: a.DeviceID, Username: a.Username, ClientID: "test"}
}

func mod(object string, typ any, category string) map[string]any {
	m := map[string]any{"type": typ, "objectIdentifier": object, "collection": "Relationships", "datawalletVersion": 1,
		"encryptedPayload": base64.RawURLEncoding.EncodeToString([]byte("cipher-" + object))}
	if category != "" {
		m["payloadCategory"] = category
	}
	return m
}

func TestDatawallet(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		a := s.createIdentity()
		push := func(body map[string]any) response {
			return s.do("POST", "/api/v2/Datawallet/Modifications", a.Token, body, dwHeader, "1")
		}
		expectError(t, push(map[string]any{"modifications": []any{mod("o1", "Create", "")}}), 404, "error.platform.recordNotFound")
		s.withDatawallet(a)

		r := push(map[string]any{"modifications": []any{mod("o1", "Create", "Userdata"), mod("o2", "Create", "")}})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Raw)
		assert.Equal(t, 1.0, r.result()["newIndex"], "a first push without localIndex is numbered from 0")
		created := r.result()["modifications"].([]any)
		assert.Equal(t, 0.0, created[0].(map[string]any)["index"])
		assert.Regexp(t, `^DWM[A-Za-z0-9]{17}$`, created[0].(map[string]any)["id"])

		expectError(t, push(map[string]any{"modifications": []any{mod("o3", "Create", "")}}), 400, "error.platform.validation.datawallet.datawalletNotUpToDate")
		expectError(t, push(map[string]any{"localIndex": 0, "modifications": []any{mod("o3", "Create", "")}}), 400, "error.platform.validation.datawallet.datawalletNotUpToDate")
		r = push(map[string]any{"localIndex": 1, "modifications": []any{mod("o1", 1, "Userdata"), mod("o1", "update", "Userdata"), mod("o2", "Delete", "")}})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Raw)
		assert.Equal(t, 4.0, r.result()["newIndex"])

		bad := []struct {
			body map[string]any
			code string
		}{
			{map[string]any{"localIndex": 4, "modifications": []any{}}, "error.platform.validation.invalidPropertyValue"},
			{map[string]any{"localIndex": 4}, "error.platform.inputCannotBeParsed"},
			{map[string]any{"localIndex": 4, "modifications": []any{mod("o", "Explode", "")}}, "error.platform.inputCannotBeParsed"},
			{map[string]any{"localIndex": 4, "modifications": []any{map[string]any{"type": "Create", "collection": "c", "datawalletVersion": 1}}}, "error.platform.inputCannotBeParsed"},
			{map[string]any{"localIndex": 4, "modifications": []any{map[string]any{"type": "Create", "objectIdentifier": "o", "collection": "", "datawalletVersion": 1}}}, "error.platform.validation.invalidPropertyValue"},
			{map[string]any{"localIndex": 4, "modifications": []any{map[string]any{"type": "Create", "objectIdentifier": "o", "collection": "c", "datawalletVersion": 2}}}, "error.platform.datawallet.datawalletVersionOfModificationTooHigh"},
			{map[string]any{"localIndex": 4, "modifications": []any{map[string]any{"type": "Create", "objectIdentifier": "o", "collection": "c", "datawalletVersion": 1, "encryptedPayload": "%%%"}}}, "error.platform.inputCannotBeParsed"},
		}
		for _, tc := range bad {
			expectError(t, push(tc.body), 400, tc.code)
		}
		expectError(t, s.do("POST", "/api/v2/Datawallet/Modifications", a.Token, map[string]any{"localIndex": 4, "modifications": []any{mod("o", "Create", "")}}), 400, "error.platform.validation.invalidPropertyValue")

		list := s.do("GET", "/api/v2/Datawallet/Modifications", a.Token, nil, dwHeader, "1")
		require.Equal(t, http.StatusOK, list.Status, "%s", list.Raw)
		items := list.JSON["result"].([]any)
		var got []string
		for _, it := range items {
			m := it.(map[string]any)
			got = append(got, m["objectIdentifier"].(string)+"/"+m["type"].(string))
		}
		assert.Equal(t, []string{"o1/Create", "o2/Create", "o1/Update", "o2/Delete"}, got,
			"the older of the two o1 updates is left out; a Create with a category and one without both stay")
		first := items[0].(map[string]any)
		assert.Equal(t, "Userdata", first["payloadCategory"])
		assert.Nil(t, items[1].(map[string]any)["payloadCategory"])
		assert.Equal(t, base64.RawURLEncoding.EncodeToString([]byte("cipher-o1")), first["encryptedPayload"])
		assert.Equal(t, a.DeviceID, first["createdByDevice"])
		assert.Equal(t, 1.0, first["datawalletVersion"])

		after := s.do("GET", "/api/v2/Datawallet/Modifications?localIndex=2", a.Token, nil, dwHeader, "1")
		assert.Len(t, after.JSON["result"], 2)
		expectError(t, s.do("GET", "/api/v2/Datawallet/Modifications", a.Token, nil), 400, "error.platform.validation.datawallet.insufficientSupportedDatawalletVersion")
		expectError(t, s.do("GET", "/api/v2/Datawallet/Modifications?pageSize=500", a.Token, nil, dwHeader, "1"), 400, "error.platform.validation.pagination.invalidPageSize")

		run := s.do("POST", "/api/v2/SyncRuns", a.Token, map[string]any{"type": "DatawalletVersionUpgrade"}, dwHeader, "1")
		require.Equal(t, http.StatusCreated, run.Status)
		expectError(t, push(map[string]any{"localIndex": 4, "modifications": []any{mod("o9", "Create", "")}}), 400, "error.platform.validation.datawallet.cannotPushDatawalletModificationsDuringActiveSyncRun")
		runID := run.result()["syncRun"].(map[string]any)["id"].(string)
		f := s.do("PUT", "/api/v2/SyncRuns/"+runID+"/FinalizeDatawalletVersionUpgrade", a.Token, map[string]any{
			"newDatawalletVersion": 1, "datawalletModifications": []any{mod("o9", "Create", "")},
		})
		require.Equal(t, http.StatusOK, f.Status, "%s", f.Raw)
		assert.Equal(t, 5.0, f.result()["newDatawalletModificationIndex"])
		assert.Equal(t, 5.0, f.result()["datawalletModifications"].([]any)[0].(map[string]any)["index"])
	})
}
