package apitest

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"testing"
)

var key32 = base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))

func (c *client) createTemplate(t testing.TB, a account) string {
	t.Helper()
	r := c.do(t, "POST", "/api/v2/RelationshipTemplates", a.Token, map[string]any{"content": b64("template content")})
	expectStatus(t, r, http.StatusCreated)
	id, _ := r.result()["id"].(string)
	if id == "" {
		t.Fatalf("template without id: %s", r)
	}
	return id
}

func (c *client) requestRelationship(t testing.TB, b account, templateID string) string {
	t.Helper()
	expectStatus(t, c.do(t, "GET", "/api/v2/RelationshipTemplates/"+templateID, b.Token, nil), http.StatusOK)
	r := c.do(t, "POST", "/api/v2/Relationships", b.Token, map[string]any{"relationshipTemplateId": templateID, "creationContent": b64("hello")})
	expectStatus(t, r, http.StatusCreated)
	id, _ := r.result()["id"].(string)
	return id
}

// related makes an active relationship between a and b.
func (c *client) related(t testing.TB, a, b account) string {
	t.Helper()
	id := c.requestRelationship(t, b, c.createTemplate(t, a))
	expectStatus(t, c.do(t, "PUT", "/api/v2/Relationships/"+id+"/Accept", a.Token, map[string]any{}), http.StatusOK)
	return id
}

// testRelationships covers templates, relationships, messages and
// notifications, which all hang on a relationship.
func testRelationships(t *testing.T, c *client) {
	a, b := c.createAccount(t), c.createAccount(t)
	c.withDatawallet(t, a)
	c.withDatawallet(t, b)

	t.Run("TemplateCreateGetListDelete", func(t *testing.T) {
		id := c.createTemplate(t, a)
		g := c.do(t, "GET", "/api/v2/RelationshipTemplates/"+id, b.Token, nil)
		expectStatus(t, g, http.StatusOK)
		if g.result()["content"] != b64("template content") || g.result()["createdBy"] != a.Address {
			t.Errorf("template as the peer sees it: %s", g)
		}
		l := c.do(t, "GET", "/api/v2/RelationshipTemplates?ids="+id, a.Token, nil)
		expectStatus(t, l, http.StatusOK)
		if len(l.list()) != 1 {
			t.Errorf("want one template, got %s", l)
		}
		expectStatus(t, c.do(t, "DELETE", "/api/v2/RelationshipTemplates/"+id, a.Token, nil), http.StatusNoContent)
		expectError(t, c.do(t, "GET", "/api/v2/RelationshipTemplates/"+id, a.Token, nil), http.StatusNotFound, "error.platform.recordNotFound")
	})

	t.Run("TemplateWithoutContentIsRefused", func(t *testing.T) {
		r := c.do(t, "POST", "/api/v2/RelationshipTemplates", a.Token, map[string]any{})
		if r.Status != http.StatusBadRequest || r.JSON["error"] == nil {
			t.Fatalf("want 400 with an error envelope, got %s", r)
		}
	})

	t.Run("RelationshipRequestAndAccept", func(t *testing.T) {
		x, y := c.createAccount(t), c.createAccount(t)
		c.withDatawallet(t, x)
		c.withDatawallet(t, y)
		can := c.do(t, "GET", "/api/v2/Relationships/CanCreate?peer="+x.Address, y.Token, nil)
		expectStatus(t, can, http.StatusOK)
		if can.result()["canCreate"] != true {
			t.Errorf("CanCreate: %s", can)
		}
		id := c.requestRelationship(t, y, c.createTemplate(t, x))
		g := c.do(t, "GET", "/api/v2/Relationships/"+id, x.Token, nil)
		expectStatus(t, g, http.StatusOK)
		if g.result()["status"] != "Pending" || g.result()["from"] != y.Address || g.result()["to"] != x.Address {
			t.Errorf("pending relationship: %s", g)
		}
		expectError(t, c.do(t, "PUT", "/api/v2/Relationships/"+id+"/Accept", y.Token, map[string]any{}), http.StatusBadRequest,
			"error.platform.validation.relationship.cannotAcceptOrRejectRelationshipAddressedToSomeoneElse")
		acc := c.do(t, "PUT", "/api/v2/Relationships/"+id+"/Accept", x.Token, map[string]any{})
		expectStatus(t, acc, http.StatusOK)
		if acc.result()["status"] != "Active" {
			t.Errorf("accepted relationship: %s", acc)
		}
		l := c.do(t, "GET", "/api/v2/Relationships?ids="+id, y.Token, nil)
		expectStatus(t, l, http.StatusOK)
		if len(l.list()) != 1 {
			t.Errorf("want one relationship, got %s", l)
		}
	})

	t.Run("RelationshipRejectAndTerminate", func(t *testing.T) {
		x, y := c.createAccount(t), c.createAccount(t)
		c.withDatawallet(t, x)
		c.withDatawallet(t, y)
		id := c.requestRelationship(t, y, c.createTemplate(t, x))
		expectError(t, c.do(t, "PUT", "/api/v2/Relationships/"+id+"/Terminate", x.Token, map[string]any{}), http.StatusBadRequest,
			"error.platform.validation.relationship.relationshipIsNotInCorrectStatus")
		rej := c.do(t, "PUT", "/api/v2/Relationships/"+id+"/Reject", x.Token, map[string]any{"creationResponseContent": nil})
		expectStatus(t, rej, http.StatusOK)
		if rej.result()["status"] != "Rejected" {
			t.Errorf("rejected relationship: %s", rej)
		}
		id = c.related(t, x, y)
		term := c.do(t, "PUT", "/api/v2/Relationships/"+id+"/Terminate", y.Token, map[string]any{})
		expectStatus(t, term, http.StatusOK)
		if term.result()["status"] != "Terminated" {
			t.Errorf("terminated relationship: %s", term)
		}
	})

	t.Run("UnknownRelationshipIsRecordNotFound", func(t *testing.T) {
		expectError(t, c.do(t, "GET", "/api/v2/Relationships/RELaaaaaaaaaaaaaaaaa", a.Token, nil), http.StatusNotFound, "error.platform.recordNotFound")
	})

	t.Run("MessageToUnrelatedIdentityIsRefused", func(t *testing.T) {
		r := c.do(t, "POST", "/api/v2/Messages", a.Token, map[string]any{
			"recipients": []any{map[string]any{"address": b.Address, "encryptedKey": key32}}, "body": b64("hi"), "attachments": []any{},
		})
		if r.Status != http.StatusBadRequest || r.JSON["error"] == nil {
			t.Fatalf("want 400 with an error envelope, got %s", r)
		}
	})

	t.Run("MessageSendAndReceive", func(t *testing.T) {
		c.related(t, a, b)
		r := c.do(t, "POST", "/api/v2/Messages", a.Token, map[string]any{
			"recipients": []any{map[string]any{"address": b.Address, "encryptedKey": key32}}, "body": b64("hi"), "attachments": []any{},
		})
		expectStatus(t, r, http.StatusCreated)
		id, _ := r.result()["id"].(string)
		g := c.do(t, "GET", "/api/v2/Messages/"+id, b.Token, nil)
		expectStatus(t, g, http.StatusOK)
		if g.result()["body"] != b64("hi") || g.result()["createdBy"] != a.Address {
			t.Errorf("received message: %s", g)
		}
		l := c.do(t, "GET", "/api/v2/Messages", b.Token, nil)
		expectStatus(t, l, http.StatusOK)
		if len(l.list()) != 1 {
			t.Errorf("want one message, got %s", l)
		}
		expectError(t, c.do(t, "GET", "/api/v2/Messages/nope", b.Token, nil), http.StatusBadRequest, "error.platform.validation.invalidPropertyValue")
	})

	t.Run("NotificationToPeer", func(t *testing.T) {
		x, y := c.createAccount(t), c.createAccount(t)
		expectError(t, c.do(t, "POST", "/api/v2/Notifications", x.Token, map[string]any{"recipients": []string{y.Address}, "code": "TestCode"}),
			http.StatusBadRequest, "error.platform.validation.notification.noRelationshipToOneOrMoreRecipientsExists")
		expectError(t, c.do(t, "POST", "/api/v2/Notifications", x.Token, map[string]any{"recipients": []string{y.Address}, "code": "Nope"}),
			http.StatusBadRequest, "error.platform.validation.notification.codeDoesNotExist")
		c.withDatawallet(t, x)
		c.withDatawallet(t, y)
		c.related(t, x, y)
		expectStatus(t, c.do(t, "POST", "/api/v2/Notifications", x.Token, map[string]any{"recipients": []string{y.Address}, "code": "TestCode"}), http.StatusNoContent)
	})
}
