package httpapi_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func (s *server) createTemplate(a account, body map[string]any) string {
	s.t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	if _, ok := body["content"]; !ok {
		body["content"] = base64.RawURLEncoding.EncodeToString([]byte("template content"))
	}
	r := s.do("POST", "/api/v2/RelationshipTemplates", a.Token, body)
	require.Equal(s.t, http.StatusCreated, r.Status, "%s", r.Raw)
	return r.result()["id"].(string)
}

func (s *server) requestRelationship(b account, templateID string) map[string]any {
	s.t.Helper()
	require.Equal(s.t, http.StatusOK, s.do("GET", "/api/v2/RelationshipTemplates/"+templateID, b.Token, nil).Status)
	r := s.do("POST", "/api/v2/Relationships", b.Token, map[string]any{
		"relationshipTemplateId": templateID, "creationContent": base64.RawURLEncoding.EncodeToString([]byte("hello")),
	})
	require.Equal(s.t, http.StatusCreated, r.Status, "%s", r.Raw)
	return r.result()
}

func statuses(r response) (status string, reasons []string) {
	res := r.result()
	for _, e := range res["auditLog"].([]any) {
		reasons = append(reasons, e.(map[string]any)["reason"].(string))
	}
	return res["status"].(string), reasons
}

func TestRelationshipLifecycle(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		a, b := s.createIdentity(), s.createIdentity()
		s.withDatawallet(a)
		s.withDatawallet(b)
		tmpl := s.createTemplate(a, map[string]any{"maxNumberOfAllocations": 1, "expiresAt": time.Now().Add(5 * time.Minute).UTC().Format(time.RFC3339)})

		can := s.do("GET", "/api/v2/Relationships/CanCreate?peer="+a.Address, b.Token, nil)
		require.Equal(t, http.StatusOK, can.Status, "%s", can.Raw)
		assert.JSONEq(t, `{"result":{"canCreate":true,"code":null}}`, string(can.Raw))

		rel := s.requestRelationship(b, tmpl)
		id := rel["id"].(string)
		assert.Regexp(t, `^REL[A-Za-z0-9]{17}$`, id)
		assert.Equal(t, tmpl, rel["relationshipTemplateId"])
		assert.Equal(t, b.Address, rel["from"])
		assert.Equal(t, a.Address, rel["to"])
		assert.Equal(t, "Pending", rel["status"])
		assert.NotContains(t, rel, "creationContent", "transitions answer without contents")
		entry := rel["auditLog"].([]any)[0].(map[string]any)
		assert.Equal(t, map[string]any{"createdAt": entry["createdAt"], "createdBy": b.Address, "createdByDevice": b.DeviceID, "reason": "Creation", "oldStatus": nil, "newStatus": "Pending"}, entry)

		s.waitForEvent(a.Address, "RelationshipStatusChanged")
		s.waitForEvent(a.Address, "RelationshipTemplateAllocationsExhausted")
		payloads := map[string]any{}
		for _, e := range s.syncEvents(a) {
			payloads[e["type"].(string)] = e["payload"]
		}
		assert.Equal(t, map[string]any{
			"RelationshipStatusChanged":                map[string]any{"relationshipId": id},
			"RelationshipTemplateAllocationsExhausted": map[string]any{"relationshipTemplateId": tmpl},
		}, payloads)

		can = s.do("GET", "/api/v2/Relationships/CanCreate?peer="+a.Address, b.Token, nil)
		assert.JSONEq(t, `{"result":{"canCreate":false,"code":"error.platform.validation.relationship.relationshipToTargetAlreadyExists"}}`, string(can.Raw))
		expectError(t, s.do("PUT", "/api/v2/Relationships/"+id+"/Accept", b.Token, map[string]any{}), 400, "error.platform.validation.relationship.cannotAcceptOrRejectRelationshipAddressedToSomeoneElse")
		expectError(t, s.do("PUT", "/api/v2/Relationships/"+id+"/Revoke", a.Token, map[string]any{}), 400, "error.platform.validation.relationship.cannotRevokeRelationshipNotCreatedByYourself")
		expectError(t, s.do("PUT", "/api/v2/Relationships/"+id+"/Accept", a.Token, nil), 400, "error.platform.inputCannotBeParsed")
		expectError(t, s.do("PUT", "/api/v2/Relationships/"+id+"/Terminate", a.Token, nil), 400, "error.platform.validation.relationship.relationshipIsNotInCorrectStatus")

		acc := s.do("PUT", "/api/v2/Relationships/"+id+"/Accept", a.Token, map[string]any{})
		require.Equal(t, http.StatusOK, acc.Status, "%s", acc.Raw)
		st, reasons := statuses(acc)
		assert.Equal(t, "Active", st)
		assert.Equal(t, []string{"Creation", "AcceptanceOfCreation"}, reasons)

		got := s.do("GET", "/api/v2/Relationships/"+id, b.Token, nil)
		require.Equal(t, http.StatusOK, got.Status)
		assert.Equal(t, base64.RawURLEncoding.EncodeToString([]byte("hello")), got.result()["creationContent"])
		assert.Equal(t, "", got.result()["creationResponseContent"], "accepting without content stores an empty value")
		list := s.do("GET", "/api/v2/Relationships?ids="+id+"&ids=RELaaaaaaaaaaaaaaaaa", a.Token, nil)
		require.Len(t, list.JSON["result"], 1)
		s.waitForEvent(b.Address, "RelationshipStatusChanged")

		for _, step := range []struct {
			who    account
			path   string
			status string
		}{
			{b, "Terminate", "Terminated"},
			{a, "Reactivate", "Terminated"},
			{b, "Reactivate/Accept", "Active"},
			{a, "Terminate", "Terminated"},
			{b, "Reactivate", "Terminated"},
			{b, "Reactivate/Revoke", "Terminated"},
			{a, "Reactivate", "Terminated"},
			{b, "Reactivate/Reject", "Terminated"},
			{a, "Decompose", "DeletionProposed"},
			{b, "Decompose", "ReadyForDeletion"},
		} {
			r := s.do("PUT", "/api/v2/Relationships/"+id+"/"+step.path, step.who.Token, nil)
			require.Equal(t, http.StatusOK, r.Status, "%s: %s", step.path, r.Raw)
			st, _ := statuses(r)
			assert.Equal(t, step.status, st, step.path)
		}
		expectError(t, s.do("GET", "/api/v2/Relationships/"+id, a.Token, nil), 400, "error.platform.validation.relationship.relationshipAlreadyDecomposed")
		expectError(t, s.do("PUT", "/api/v2/Relationships/"+id+"/Decompose", a.Token, nil), 400, "error.platform.validation.relationship.relationshipAlreadyDecomposed")
		assert.Len(t, s.do("GET", "/api/v2/Relationships?ids="+id, a.Token, nil).JSON["result"], 1, "the list still shows decomposed relationships")

		s.waitForEvent(b.Address, "RelationshipReactivationRequested")
		s.waitForEvent(a.Address, "RelationshipReactivationCompleted")
		var types []string
		for _, e := range s.syncEvents(b) {
			types = append(types, e["type"].(string))
		}
		assert.Contains(t, types, "RelationshipReactivationRequested")
		assert.Contains(t, types, "RelationshipStatusChanged")
	})
}

func TestReactivationAndTransitionRules(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		a, b := s.createIdentity(), s.createIdentity()
		id := s.requestRelationship(b, s.createTemplate(a, nil))["id"].(string)
		expectError(t, s.do("PUT", "/api/v2/Relationships/"+id+"/Decompose", a.Token, nil), 400, "error.platform.validation.relationship.relationshipIsNotInCorrectStatus")
		expectError(t, s.do("PUT", "/api/v2/Relationships/"+id+"/Reactivate", a.Token, nil), 400, "error.platform.validation.relationship.relationshipIsNotInCorrectStatus")
		rej := s.do("PUT", "/api/v2/Relationships/"+id+"/Reject", a.Token, map[string]any{"creationResponseContent": nil})
		require.Equal(t, http.StatusOK, rej.Status, "%s", rej.Raw)
		assert.Nil(t, s.do("GET", "/api/v2/Relationships/"+id, a.Token, nil).result()["creationResponseContent"], "an explicit null is stored as null")
		expectError(t, s.do("PUT", "/api/v2/Relationships/"+id+"/Accept", a.Token, map[string]any{}), 400, "error.platform.validation.relationship.relationshipIsNotInCorrectStatus")
		expectError(t, s.do("PUT", "/api/v2/Relationships/"+id+"/Reactivate/Accept", a.Token, nil), 400, "error.platform.validation.relationship.noAcceptableRelationshipReactivationRequestExists")

		// A rejected relationship does not block a new one.
		id2 := s.requestRelationship(b, s.createTemplate(a, nil))["id"].(string)
		require.Equal(t, http.StatusOK, s.do("PUT", "/api/v2/Relationships/"+id2+"/Accept", a.Token, map[string]any{}).Status)
		require.Equal(t, http.StatusOK, s.do("PUT", "/api/v2/Relationships/"+id2+"/Terminate", a.Token, nil).Status)
		require.Equal(t, http.StatusOK, s.do("PUT", "/api/v2/Relationships/"+id2+"/Reactivate", a.Token, nil).Status)
		expectError(t, s.do("PUT", "/api/v2/Relationships/"+id2+"/Reactivate", b.Token, nil), 400, "error.platform.validation.relationship.cannotRequestReactivationWhenThereIsAnOpenReactivationRequest")
		expectError(t, s.do("PUT", "/api/v2/Relationships/"+id2+"/Reactivate/Accept", a.Token, nil), 400, "error.platform.validation.relationship.noAcceptableRelationshipReactivationRequestExists")
		expectError(t, s.do("PUT", "/api/v2/Relationships/"+id2+"/Reactivate/Reject", a.Token, nil), 400, "error.platform.validation.relationship.noRejectableReactivationRequestExists")
		expectError(t, s.do("PUT", "/api/v2/Relationships/"+id2+"/Reactivate/Revoke", b.Token, nil), 400, "error.platform.validation.relationship.noRevocableReactivationRequestExists")

		// A terminated relationship blocks a new one.
		tmpl := s.createTemplate(a, nil)
		require.Equal(t, http.StatusOK, s.do("GET", "/api/v2/RelationshipTemplates/"+tmpl, b.Token, nil).Status)
		expectError(t, s.do("POST", "/api/v2/Relationships", b.Token, map[string]any{"relationshipTemplateId": tmpl}), 400, "error.platform.validation.relationship.relationshipToTargetAlreadyExists")
		expectError(t, s.do("POST", "/api/v2/Relationships", a.Token, map[string]any{"relationshipTemplateId": tmpl}), 400, "error.platform.validation.relationship.cannotCreateRelationshipWithYourself")
		expectError(t, s.do("POST", "/api/v2/Relationships", b.Token, map[string]any{}), 400, "error.platform.inputCannotBeParsed")
		expectError(t, s.do("POST", "/api/v2/Relationships", b.Token, map[string]any{"relationshipTemplateId": "RLTaaaaaaaaaaaaaaaaa"}), 404, "error.platform.recordNotFound")
		expectError(t, s.do("POST", "/api/v2/Relationships", b.Token, map[string]any{"relationshipTemplateId": "nope"}), 400, "error.platform.validation.invalidPropertyValue")
		expectError(t, s.do("GET", "/api/v2/Relationships", a.Token, nil), 400, "error.platform.validation.invalidPropertyValue")
		expectError(t, s.do("GET", "/api/v2/Relationships/CanCreate?peer=did:e:localhost:dids:00", a.Token, nil), 400, "error.platform.validation.invalidPropertyValue")
		expectError(t, s.do("GET", "/api/v2/Relationships/CanCreate?peer=did:e:localhost:dids:5d7f1254ca138362318ad1", a.Token, nil), 404, "error.platform.recordNotFound")
	})
}

func TestTemplates(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		a, b, c := s.createIdentity(), s.createIdentity(), s.createIdentity()
		pw := []byte("0123456789abcdef0123456789abcdef")
		stdPW := base64.StdEncoding.EncodeToString(pw)
		tmpl := s.createTemplate(a, map[string]any{"maxNumberOfAllocations": 1, "password": stdPW})

		own := s.do("GET", "/api/v2/RelationshipTemplates/"+tmpl, a.Token, nil)
		require.Equal(t, http.StatusOK, own.Status, "the creator needs no password")
		res := own.result()
		assert.Equal(t, a.Address, res["createdBy"])
		assert.Equal(t, a.DeviceID, res["createdByDevice"])
		assert.Equal(t, 1.0, res["maxNumberOfAllocations"])
		assert.Nil(t, res["expiresAt"])
		assert.Nil(t, res["forIdentity"])
		assert.Equal(t, base64.RawURLEncoding.EncodeToString([]byte("template content")), res["content"])
		assert.NotContains(t, res, "password")

		expectError(t, s.do("GET", "/api/v2/RelationshipTemplates/"+tmpl, b.Token, nil), 404, "error.platform.recordNotFound")
		expectError(t, s.do("GET", "/api/v2/RelationshipTemplates/"+tmpl+"?password="+url.QueryEscape(base64.StdEncoding.EncodeToString([]byte("wrong"))), b.Token, nil), 404, "error.platform.recordNotFound")
		require.Equal(t, http.StatusOK, s.do("GET", "/api/v2/RelationshipTemplates/"+tmpl+"?password="+url.QueryEscape(stdPW), b.Token, nil).Status)
		assert.Equal(t, http.StatusOK, s.do("GET", "/api/v2/RelationshipTemplates/"+tmpl, b.Token, nil).Status, "an allocation replaces the password")
		expectError(t, s.do("GET", "/api/v2/RelationshipTemplates/"+tmpl+"?password="+url.QueryEscape(stdPW), c.Token, nil), 400, "error.platform.validation.relationshipTemplate.maxNumberOfAllocationsExhausted")
		s.waitForEvent(a.Address, "RelationshipTemplateAllocationsExhausted")

		list := s.do("GET", "/api/v2/RelationshipTemplates?templates.0.id="+tmpl+"&TEMPLATES.0.PASSWORD="+url.QueryEscape(stdPW)+"&templates.1.id=RLTaaaaaaaaaaaaaaaaa", c.Token, nil)
		require.Equal(t, http.StatusOK, list.Status, "%s", list.Raw)
		assert.Len(t, list.JSON["result"], 1, "listing does not allocate and exhausted templates are still listed")
		assert.Len(t, s.do("GET", "/api/v2/RelationshipTemplates?templates.0.id="+tmpl, c.Token, nil).JSON["result"], 0, "no password, no template")
		assert.Len(t, s.do("GET", "/api/v2/RelationshipTemplates?ids="+tmpl, a.Token, nil).JSON["result"], 1)
		expectError(t, s.do("GET", "/api/v2/RelationshipTemplates", a.Token, nil), 400, "error.platform.validation.invalidPropertyValue")

		personal := s.createTemplate(a, map[string]any{"forIdentity": b.Address})
		expectError(t, s.do("GET", "/api/v2/RelationshipTemplates/"+personal, c.Token, nil), 404, "error.platform.recordNotFound")
		assert.Equal(t, http.StatusOK, s.do("GET", "/api/v2/RelationshipTemplates/"+personal, b.Token, nil).Status)

		for _, bad := range []map[string]any{
			{"content": "!!", "x": 1},
			{"content": "", "expiresAt": "2001-01-01T00:00:00Z"},
			{"content": "", "maxNumberOfAllocations": 0},
			{"content": "", "forIdentity": "nope"},
			{"content": "", "password": ""},
		} {
			r := s.do("POST", "/api/v2/RelationshipTemplates", a.Token, bad)
			assert.Equal(t, http.StatusBadRequest, r.Status, "%v: %s", bad, r.Raw)
		}
		expectError(t, s.do("POST", "/api/v2/RelationshipTemplates", a.Token, map[string]any{}), 400, "error.platform.inputCannotBeParsed")

		// Only the creator deletes; relationships made from it stay.
		tmpl2 := s.createTemplate(a, nil)
		rel := s.requestRelationship(b, tmpl2)
		expectError(t, s.do("DELETE", "/api/v2/RelationshipTemplates/"+tmpl2, b.Token, nil), 403, "error.platform.forbidden")
		require.Equal(t, http.StatusNoContent, s.do("DELETE", "/api/v2/RelationshipTemplates/"+tmpl2, a.Token, nil).Status)
		expectError(t, s.do("GET", "/api/v2/RelationshipTemplates/"+tmpl2, a.Token, nil), 404, "error.platform.recordNotFound")
		assert.Nil(t, s.do("GET", "/api/v2/Relationships/"+rel["id"].(string), a.Token, nil).result()["relationshipTemplateId"])

		// The public references come from configuration.
		r := s.do("GET", "/api/poc/PublicRelationshipTemplateReferences", a.Token, nil)
		require.Equal(t, http.StatusOK, r.Status)
		assert.JSONEq(t, `{"result":[]}`, string(r.Raw))
	})
}

// A third identity sees nothing of a relationship or template it is not
// part of, whichever endpoint it tries.
func TestThirdIdentityCannotSeeOrChangeOthersRelationships(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		a, b, c := s.createIdentity(), s.createIdentity(), s.createIdentity()
		tmpl := s.createTemplate(a, map[string]any{"forIdentity": b.Address})
		id := s.requestRelationship(b, tmpl)["id"].(string)
		for _, path := range []string{"Accept", "Reject", "Revoke"} {
			expectError(t, s.do("PUT", "/api/v2/Relationships/"+id+"/"+path, c.Token, map[string]any{}), 404, "error.platform.recordNotFound")
		}
		for _, path := range []string{"Terminate", "Reactivate", "Reactivate/Accept", "Reactivate/Reject", "Reactivate/Revoke", "Decompose"} {
			expectError(t, s.do("PUT", "/api/v2/Relationships/"+id+"/"+path, c.Token, nil), 404, "error.platform.recordNotFound")
		}
		expectError(t, s.do("GET", "/api/v2/Relationships/"+id, c.Token, nil), 404, "error.platform.recordNotFound")
		assert.Len(t, s.do("GET", "/api/v2/Relationships?ids="+id, c.Token, nil).JSON["result"], 0)
		expectError(t, s.do("GET", "/api/v2/RelationshipTemplates/"+tmpl, c.Token, nil), 404, "error.platform.recordNotFound")
		assert.Len(t, s.do("GET", "/api/v2/RelationshipTemplates?ids="+tmpl, c.Token, nil).JSON["result"], 0)
		expectError(t, s.do("DELETE", "/api/v2/RelationshipTemplates/"+tmpl, c.Token, nil), 404, "error.platform.recordNotFound")
		expectError(t, s.do("POST", "/api/v2/Relationships", c.Token, map[string]any{"relationshipTemplateId": tmpl}), 404, "error.platform.recordNotFound")
		expectError(t, s.do("GET", "/api/v2/Identities/"+a.Address+"/FeatureFlags", c.Token, nil), 404, "error.platform.recordNotFound")
		assert.Equal(t, http.StatusOK, s.do("GET", "/api/v2/Identities/"+a.Address+"/FeatureFlags", b.Token, nil).Status, "a peer may read feature flags")
		for _, p := range []string{"/api/v2/Relationships/" + id, "/api/v2/RelationshipTemplates/" + tmpl, "/api/v2/Relationships/CanCreate?peer=" + a.Address} {
			assert.Equal(t, http.StatusUnauthorized, s.do("GET", p, "", nil).Status, p)
		}
		// Nothing changed for the parties.
		st, reasons := statuses(s.do("GET", "/api/v2/Relationships/"+id, a.Token, nil))
		assert.Equal(t, "Pending", st)
		assert.Equal(t, []string{"Creation"}, reasons)
	})
}
