package httpapi_test

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var key32 = base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))

// related makes an active relationship between a and b.
func (s *server) related(a, b account) string {
	s.t.Helper()
	id := s.requestRelationship(b, s.createTemplate(a, nil))["id"].(string)
	require.Equal(s.t, http.StatusOK, s.do("PUT", "/api/v2/Relationships/"+id+"/Accept", a.Token, map[string]any{}).Status)
	return id
}

func (s *server) send(from account, to ...account) response {
	var recipients []any
	for _, r := range to {
		recipients = append(recipients, map[string]any{"address": r.Address, "encryptedKey": key32})
	}
	return s.do("POST", "/api/v2/Messages", from.Token, map[string]any{
		"recipients": recipients, "body": base64.RawURLEncoding.EncodeToString([]byte("hi")), "attachments": []any{map[string]any{"id": "FILaaaaaaaaaaaaaaaaa"}},
	})
}

func TestMessages(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		a, b, c := s.createIdentity(), s.createIdentity(), s.createIdentity()
		s.withDatawallet(a)
		s.withDatawallet(b)
		expectError(t, s.send(a, b), 400, "error.platform.validation.message.noRelationshipToRecipientExists")
		s.related(a, b)
		s.related(a, c)

		r := s.send(a, b, c)
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Raw)
		id := r.result()["id"].(string)
		assert.Regexp(t, `^MSG[A-Za-z0-9]{17}$`, id)

		// The sender sees every recipient; nothing is received yet.
		got := s.do("GET", "/api/v2/Messages/"+id, a.Token, nil).result()
		assert.Equal(t, a.Address, got["createdBy"])
		assert.Equal(t, a.DeviceID, got["createdByDevice"])
		assert.Equal(t, base64.RawURLEncoding.EncodeToString([]byte("hi")), got["body"])
		assert.Equal(t, []any{map[string]any{"id": "FILaaaaaaaaaaaaaaaaa"}}, got["attachments"])
		require.Len(t, got["recipients"], 2)
		assert.Nil(t, got["recipients"].([]any)[0].(map[string]any)["receivedAt"])

		s.waitForEvent(b.Address, "MessageReceived")
		evs := s.syncEvents(b)
		require.NotEmpty(t, evs)
		var received map[string]any
		for _, e := range evs {
			if e["type"] == "MessageReceived" {
				received = e
			}
		}
		require.NotNil(t, received)
		assert.Equal(t, map[string]any{"id": id}, received["payload"])

		// A recipient sees only itself; its first read marks the message received.
		list := s.do("GET", "/api/v2/Messages?ids="+id, b.Token, nil)
		require.Equal(t, http.StatusOK, list.Status, "%s", list.Raw)
		mine := list.JSON["result"].([]any)[0].(map[string]any)["recipients"].([]any)
		require.Len(t, mine, 1)
		assert.Equal(t, b.Address, mine[0].(map[string]any)["address"])
		assert.Regexp(t, wireTime, mine[0].(map[string]any)["receivedAt"])
		assert.Equal(t, b.DeviceID, mine[0].(map[string]any)["receivedByDevice"])
		first := mine[0].(map[string]any)["receivedAt"]
		again := s.do("GET", "/api/v2/Messages/"+id, b.Token, nil).result()["recipients"].([]any)[0].(map[string]any)["receivedAt"]
		assert.Equal(t, first, again, "received once, never changed")
		s.waitForEvent(a.Address, "MessageDelivered")

		// A stranger sees nothing.
		d := s.createIdentity()
		expectError(t, s.do("GET", "/api/v2/Messages/"+id, d.Token, nil), 404, "error.platform.recordNotFound")
		assert.Len(t, s.do("GET", "/api/v2/Messages", d.Token, nil).JSON["result"], 0)
		assert.Len(t, s.do("GET", "/api/v2/Messages", a.Token, nil).JSON["result"], 1)

		for _, bad := range []map[string]any{
			{"recipients": []any{map[string]any{"address": b.Address, "encryptedKey": key32}}},
			{"recipients": []any{}, "body": "aGk"},
			{"recipients": []any{map[string]any{"address": b.Address, "encryptedKey": "AAAA"}}, "body": "aGk"},
			{"recipients": []any{map[string]any{"address": "nope", "encryptedKey": key32}}, "body": "aGk"},
			{"recipients": []any{map[string]any{"address": b.Address, "encryptedKey": key32}, map[string]any{"address": b.Address, "encryptedKey": key32}}, "body": "aGk"},
			{"recipients": []any{map[string]any{"address": b.Address, "encryptedKey": key32}}, "body": "aGk", "attachments": []any{map[string]any{"id": "x"}}},
			{"recipients": []any{map[string]any{"address": b.Address, "encryptedKey": key32}}, "body": "!!"},
		} {
			r := s.do("POST", "/api/v2/Messages", a.Token, bad)
			assert.Equal(t, http.StatusBadRequest, r.Status, "%v: %s", bad, r.Raw)
		}
		expectError(t, s.do("GET", "/api/v2/Messages/nope", a.Token, nil), 400, "error.platform.validation.invalidPropertyValue")
		assert.Equal(t, http.StatusUnauthorized, s.do("GET", "/api/v2/Messages", "", nil).Status)
	})
}

func TestMessagesNeedAUsableRelationshipAndRespectTheUnreceivedLimit(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		a, b := s.createIdentity(), s.createIdentity()
		id := s.requestRelationship(b, s.createTemplate(a, nil))["id"].(string)
		require.Equal(t, http.StatusCreated, s.send(b, a).Status, "a pending relationship allows messages")
		require.Equal(t, http.StatusOK, s.do("PUT", "/api/v2/Relationships/"+id+"/Reject", a.Token, map[string]any{}).Status)
		expectError(t, s.send(b, a), 400, "error.platform.validation.message.relationshipToRecipientNotActive")

		c := s.createIdentity()
		s.related(a, c)
		for range 20 {
			require.Equal(t, http.StatusCreated, s.send(a, c).Status)
		}
		expectError(t, s.send(a, c), 400, "error.platform.validation.message.maxNumberOfUnreceivedMessagesReached")
		s.do("GET", "/api/v2/Messages", c.Token, nil) // reads (and receives) the first page
		assert.Equal(t, http.StatusCreated, s.send(a, c).Status, "received messages no longer count")
	})
}
