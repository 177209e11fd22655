package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/httpapi"
	"github.com/openbackbone/openbackbone/internal/backbonetest"
)

// adminOperations lists "METHOD path" of every Admin API operation in its
// OpenAPI document.
func (s *server) adminOperations() []string {
	s.t.Helper()
	doc := s.do("GET", httpapi.AdminOpenAPIPath+".json", "", nil)
	require.Equal(s.t, http.StatusOK, doc.Status, "%s", doc.Raw)
	var parsed struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	require.NoError(s.t, json.Unmarshal(doc.Raw, &parsed))
	var out []string
	for path, item := range parsed.Paths {
		for method := range item {
			out = append(out, strings.ToUpper(method)+" "+path)
		}
	}
	return out
}

var adminAnonymous = map[string]bool{"POST /api/v1/ValidateApiKey": true, "GET /api/v1/xsrf": true}

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// Every Admin API operation but the two anonymous ones answers 401 without
// the key or with a wrong one, also when the XSRF pair is right.
func TestEveryAdminOperationAnswers401WithoutAPIKey(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		cookie, token := s.xsrf()
		checked := 0
		for _, op := range s.adminOperations() {
			if adminAnonymous[op] {
				continue
			}
			method, path, _ := strings.Cut(op, " ")
			path = pathParam.ReplaceAllString(path, "XYZaaaaaaaaaaaaaaaaa")
			for _, key := range []string{"", "wrong-key", testAdminKey + "x", strings.ToUpper(testAdminKey)} {
				h := []string{"X-XSRF-TOKEN", token, "Cookie", cookie}
				if key != "" {
					h = append(h, "X-API-KEY", key)
				}
				r := s.do(method, path, "", map[string]any{}, h...)
				assert.Equal(t, http.StatusUnauthorized, r.Status, "%s with key %q: %s", op, key, r.Raw)
				assert.Empty(t, r.Raw, "%s: a 401 has no body", op)
			}
			checked++
		}
		assert.GreaterOrEqual(t, checked, 20, "the walk must see the Admin API's operations")
	})
}

// An empty configured key locks the Admin API instead of opening it.
func TestAdminAPIWithEmptyKeyRefusesEveryone(t *testing.T) {
	env := backbonetest.New(t, "sqlite", nil)
	ts := httptest.NewServer(httpapi.NewAdmin(env.Backbone, httpapi.AdminOptions{}))
	defer ts.Close()
	s := &server{t: t, env: env, url: ts.URL}
	ops := s.adminOperations()
	require.NotEmpty(t, ops)
	for _, op := range ops {
		if adminAnonymous[op] {
			continue
		}
		method, path, _ := strings.Cut(op, " ")
		path = pathParam.ReplaceAllString(path, "XYZaaaaaaaaaaaaaaaaa")
		for _, h := range [][]string{nil, {"X-API-KEY", ""}, {"X-API-KEY", "test"}} {
			r := s.do(method, path, "", nil, h...)
			assert.Equal(t, http.StatusUnauthorized, r.Status, "%s %v", op, h)
		}
	}
	for _, key := range []any{"", "test", nil} {
		r := s.do("POST", "/api/v1/ValidateApiKey", "", map[string]any{"apiKey": key})
		require.Equal(t, http.StatusOK, r.Status)
		assert.Equal(t, false, r.JSON["isValid"], "no key is valid when none is configured")
	}
}

func TestValidateApiKey(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		for body, want := range map[string]bool{
			`{"apiKey":"` + testAdminKey + `"}`: true, `{"ApiKey":"` + testAdminKey + `"}`: true,
			`{"apiKey":"nope"}`: false, `{"apiKey":""}`: false, `{}`: false, `{"apiKey":null}`: false,
		} {
			r := s.do("POST", "/api/v1/ValidateApiKey", "", body)
			require.Equal(t, http.StatusOK, r.Status, "%s: %s", body, r.Raw)
			assert.Equal(t, map[string]any{"isValid": want}, r.JSON, "%s: the answer is not wrapped", body)
		}
		expectError(t, s.do("POST", "/api/v1/ValidateApiKey", "", `{"apiKey":`), 400, "error.platform.inputCannotBeParsed")
	})
}

func TestAdminXSRF(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		r := s.do("GET", "/api/v1/xsrf", "", nil)
		require.Equal(t, http.StatusOK, r.Status)
		assert.True(t, strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain"), r.Header.Get("Content-Type"))
		var cookie *http.Cookie
		for _, c := range (&http.Response{Header: r.Header}).Cookies() {
			if c.Name == "X-XSRF-COOKIE" {
				cookie = c
			}
		}
		require.NotNil(t, cookie, "GET /api/v1/xsrf sets the cookie")
		assert.False(t, cookie.HttpOnly, "the Admin UI reads the cookie")
		assert.Equal(t, "/", cookie.Path)

		body := map[string]any{"name": "XSRF tier"}
		key := []string{"X-API-KEY", testAdminKey}
		c1, t1 := s.xsrf()
		c2, t2 := s.xsrf()
		tampered := c1[:len(c1)-2] + "AA"
		for name, h := range map[string][]string{
			"no token, no cookie": nil,
			"token only":          {"X-XSRF-TOKEN", t1},
			"cookie only":         {"Cookie", c1},
			"pair of two tokens":  {"X-XSRF-TOKEN", t1, "Cookie", c2},
			"tampered cookie":     {"X-XSRF-TOKEN", t1, "Cookie", tampered},
			"cookie as token":     {"X-XSRF-TOKEN", strings.TrimPrefix(c1, "X-XSRF-COOKIE="), "Cookie", c1},
			"garbage":             {"X-XSRF-TOKEN", "%%%", "Cookie", "X-XSRF-COOKIE=%%%"},
		} {
			r := s.do("POST", "/api/v1/Tiers", "", body, append(key, h...)...)
			expectError(t, r, http.StatusBadRequest, codeXSRFTokenInvalid)
			assert.Equal(t, "xsrf-token-may-be-invalid", r.JSON["error"].(map[string]any)["message"], name)
		}
		tiers := s.admin("GET", "/api/v1/Tiers", nil)
		require.Equal(t, http.StatusOK, tiers.Status, "safe methods need no XSRF pair")
		for _, tr := range tiers.JSON["result"].([]any) {
			assert.NotEqual(t, "XSRF tier", tr.(map[string]any)["name"], "a refused request must change nothing")
		}
		r = s.do("POST", "/api/v1/Tiers", "", body, append(key, "X-XSRF-TOKEN", t2, "Cookie", c2)...)
		require.Equal(t, http.StatusCreated, r.Status, "a matching pair passes: %s", r.Raw)

		// A pair is bound to the key that signed it: another process
		// with another key refuses it.
		other := httptest.NewServer(httpapi.NewAdmin(s.env.Backbone, httpapi.AdminOptions{APIKey: testAdminKey}))
		defer other.Close()
		o := &server{t: t, env: s.env, url: other.URL}
		expectError(t, o.do("POST", "/api/v1/Tiers", "", map[string]any{"name": "Other tier"}, append(key, "X-XSRF-TOKEN", t1, "Cookie", c1)...), 400, codeXSRFTokenInvalid)
		shared := []byte("0123456789abcdef0123456789abcdef")
		r1 := httptest.NewServer(httpapi.NewAdmin(s.env.Backbone, httpapi.AdminOptions{APIKey: testAdminKey, XSRFKey: shared}))
		defer r1.Close()
		r2 := httptest.NewServer(httpapi.NewAdmin(s.env.Backbone, httpapi.AdminOptions{APIKey: testAdminKey, XSRFKey: shared}))
		defer r2.Close()
		c, tok := (&server{t: t, env: s.env, url: r1.URL}).xsrf()
		r = (&server{t: t, env: s.env, url: r2.URL}).do("POST", "/api/v1/Tiers", "", map[string]any{"name": "Replica tier"}, append(key, "X-XSRF-TOKEN", tok, "Cookie", c)...)
		assert.Equal(t, http.StatusCreated, r.Status, "replicas sharing XSRFKey accept each other's pairs: %s", r.Raw)
	})
}

// Malformed bodies and parameters on every Admin API operation are 4xx
// in the error envelope, never a 500.
func TestAdminBadInputIsNever500(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		bodies := []any{`{`, `[]`, `"x"`, `{"name":5,"defaultTier":[],"tierId":{},"maxIdentities":"many","clientId":7,"newSecret":false}`, strings.Repeat("x", 1000)}
		params := []string{"XYZaaaaaaaaaaaaaaaaa", "%20", "did:e:localhost:dids:0000000000000000000000", "TIR00000000000000001", strings.Repeat("a", 300)}
		for _, op := range s.adminOperations() {
			method, path, _ := strings.Cut(op, " ")
			for _, p := range params {
				concrete := pathParam.ReplaceAllString(path, p)
				for _, q := range []string{"", "?pageSize=-1", "?pageNumber=x", "?pageSize=100000", "?type=Sideways&participant=", "?createdAtFrom=yesterday", "?orderBy=password", "?orderBy=address%20sideways", "?tierId=" + strings.Repeat("a,", 60)} {
					for _, b := range bodies {
						r := s.admin(method, concrete+q, b)
						require.Less(t, r.Status, 500, "%s %s%s %v: %s", method, concrete, q, b, r.Raw)
						if r.Status >= 400 && r.Status != 404 && r.Status != 405 {
							assert.NotEmpty(t, r.errorCode(), "%s %s%s: %s", method, concrete, q, r.Raw)
						}
					}
					if method == "GET" || method == "DELETE" {
						break // the body does not matter
					}
				}
			}
		}
	})
}

// The Consumer API's own /api/v1/sse keeps working on the shared listener.
func TestConsumerSSEv1StaysOnTheSharedListener(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		a := s.createIdentity()
		assert.Equal(t, http.StatusUnauthorized, s.do("GET", "/api/v1/sse", "", nil).Status)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, "GET", s.url+"/api/v1/sse", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+a.Token)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		assert.Equal(t, http.StatusOK, res.StatusCode)
		assert.Equal(t, "text/event-stream", res.Header.Get("Content-Type"))
	})
}

func TestAdminClients(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		s.createIdentity() // one identity of the seeded client "test"

		r := s.admin("POST", "/api/v1/Clients", map[string]any{"defaultTier": backbone.BasicTierName})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Raw)
		gen := r.result()
		assert.Regexp(t, `^CLT[A-Za-z0-9]{17}$`, gen["clientId"])
		assert.Regexp(t, `^[A-Za-z0-9]{30}$`, gen["clientSecret"])
		assert.Equal(t, gen["clientId"], gen["displayName"], "the display name defaults to the client ID")
		assert.Regexp(t, `^TIR[A-Za-z0-9]{17}$`, gen["defaultTier"], "the tier name is answered as its ID")
		assert.Nil(t, gen["maxIdentities"])
		assert.Regexp(t, wireTime, gen["createdAt"])
		basicID := gen["defaultTier"].(string)

		r = s.admin("POST", "/api/v1/Clients", map[string]any{"clientId": "my-app", "displayName": "My App", "clientSecret": "s3cret", "defaultTier": basicID, "maxIdentities": 1})
		require.Equal(t, http.StatusCreated, r.Status, "a tier ID is accepted too: %s", r.Raw)
		assert.Equal(t, map[string]any{"clientId": "my-app", "displayName": "My App", "clientSecret": "s3cret", "defaultTier": basicID, "maxIdentities": float64(1), "createdAt": r.result()["createdAt"]}, r.result())

		expectError(t, s.admin("POST", "/api/v1/Clients", map[string]any{"clientId": "my-app", "defaultTier": basicID}), 400, backbone.CodeClientIDAlreadyExists)
		expectError(t, s.admin("POST", "/api/v1/Clients", map[string]any{"defaultTier": "No such tier"}), 400, backbone.CodeRecordNotFound)
		expectError(t, s.admin("POST", "/api/v1/Clients", map[string]any{"defaultTier": ""}), 400, backbone.CodeInvalidPropertyValue)
		expectError(t, s.admin("POST", "/api/v1/Clients", map[string]any{}), 400, backbone.CodeInvalidPropertyValue)
		expectError(t, s.admin("POST", "/api/v1/Clients", map[string]any{"defaultTier": backbone.QueuedForDeletionTierID}), 400, backbone.CodeInvalidPropertyValue)
		expectError(t, s.admin("POST", "/api/v1/Clients", map[string]any{"defaultTier": basicID, "maxIdentities": -1}), 400, backbone.CodeInvalidPropertyValue)

		// The secret works for creating identities, and a changed one
		// replaces it.
		body, _ := s.identityBody()
		body["clientId"], body["clientSecret"] = "my-app", "s3cret"
		require.Equal(t, http.StatusCreated, s.do("POST", "/api/v2/Identities", "", body).Status)
		r = s.admin("PATCH", "/api/v1/Clients/my-app/ChangeSecret", map[string]any{"newSecret": "n3w"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Raw)
		assert.Equal(t, "n3w", r.result()["clientSecret"])
		body, _ = s.identityBody()
		body["clientId"], body["clientSecret"] = "my-app", "s3cret"
		expectError(t, s.do("POST", "/api/v2/Identities", "", body), 400, backbone.CodeUnauthorized)
		r = s.admin("PATCH", "/api/v1/Clients/my-app/ChangeSecret", map[string]any{})
		require.Equal(t, http.StatusOK, r.Status)
		assert.Regexp(t, `^[A-Za-z0-9]{30}$`, r.result()["clientSecret"], "an absent secret is generated")
		expectError(t, s.admin("PATCH", "/api/v1/Clients/nobody/ChangeSecret", map[string]any{}), 404, backbone.CodeRecordNotFound)

		r = s.admin("GET", "/api/v1/Clients", nil)
		require.Equal(t, http.StatusOK, r.Status)
		byID := map[string]map[string]any{}
		for _, c := range r.JSON["result"].([]any) {
			byID[c.(map[string]any)["clientId"].(string)] = c.(map[string]any)
		}
		require.Contains(t, byID, "test")
		assert.Equal(t, float64(1), byID["test"]["numberOfIdentities"])
		assert.Equal(t, map[string]any{"id": basicID, "name": backbone.BasicTierName}, byID["test"]["defaultTier"])
		assert.Equal(t, float64(1), byID["my-app"]["numberOfIdentities"])
		assert.Equal(t, float64(1), byID["my-app"]["maxIdentities"])
		assert.Equal(t, float64(0), byID[gen["clientId"].(string)]["numberOfIdentities"])

		r = s.admin("GET", "/api/v1/Clients/my-app", nil)
		require.Equal(t, http.StatusOK, r.Status)
		assert.Equal(t, "My App", r.result()["displayName"])
		assert.Equal(t, basicID, r.result()["defaultTier"])
		assert.Equal(t, float64(1), r.result()["numberOfIdentities"])
		assert.NotContains(t, r.result(), "clientSecret")
		expectError(t, s.admin("GET", "/api/v1/Clients/nobody", nil), 404, backbone.CodeRecordNotFound)

		gold := s.admin("POST", "/api/v1/Tiers", map[string]any{"name": "Gold"}).result()["id"].(string)
		expectError(t, s.admin("PUT", "/api/v1/Clients/my-app", map[string]any{"defaultTier": "Gold"}), 400, backbone.CodeTierIDInvalidOrDoesNotExist)
		expectError(t, s.admin("PUT", "/api/v1/Clients/my-app", map[string]any{"defaultTier": backbone.QueuedForDeletionTierID}), 400, backbone.CodeTierIDInvalidOrDoesNotExist)
		expectError(t, s.admin("PUT", "/api/v1/Clients/my-app", map[string]any{"defaultTier": gold, "maxIdentities": 0}), 400, backbone.CodeMaxIdentitiesLessThanCurrentIdentities)
		expectError(t, s.admin("PUT", "/api/v1/Clients/nobody", map[string]any{"defaultTier": gold}), 404, backbone.CodeRecordNotFound)
		r = s.admin("PUT", "/api/v1/Clients/my-app", map[string]any{"defaultTier": gold, "maxIdentities": 1})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Raw)
		assert.Equal(t, gold, r.result()["defaultTier"])
		r = s.admin("PUT", "/api/v1/Clients/my-app", map[string]any{"defaultTier": gold, "maxIdentities": nil})
		require.Equal(t, http.StatusOK, r.Status)
		assert.Nil(t, r.result()["maxIdentities"], "null removes the limit")
		assert.Nil(t, s.admin("GET", "/api/v1/Clients/my-app", nil).result()["maxIdentities"])

		require.Equal(t, http.StatusNoContent, s.admin("DELETE", "/api/v1/Clients/my-app", nil).Status)
		expectError(t, s.admin("GET", "/api/v1/Clients/my-app", nil), 404, backbone.CodeRecordNotFound)
		expectError(t, s.admin("DELETE", "/api/v1/Clients/my-app", nil), 404, backbone.CodeRecordNotFound)
	})
}

func TestAdminTiers(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		r := s.admin("POST", "/api/v1/Tiers", map[string]any{"name": "Gold"})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Raw)
		gold := r.result()["id"].(string)
		assert.Regexp(t, `^TIR[A-Za-z0-9]{17}$`, gold)
		assert.Equal(t, map[string]any{"id": gold, "name": "Gold"}, r.result())
		expectError(t, s.admin("POST", "/api/v1/Tiers", map[string]any{"name": "Gold"}), 400, backbone.CodeTierNameAlreadyExists)
		for _, name := range []any{"ab", strings.Repeat("x", 31), "", nil} {
			expectError(t, s.admin("POST", "/api/v1/Tiers", map[string]any{"name": name}), 400, backbone.CodeInvalidTierName)
		}

		a := s.createIdentity()
		r = s.admin("GET", "/api/v1/Tiers", nil)
		require.Equal(t, http.StatusOK, r.Status)
		byName := map[string]map[string]any{}
		for _, t := range r.JSON["result"].([]any) {
			byName[t.(map[string]any)["name"].(string)] = t.(map[string]any)
		}
		assert.Equal(t, map[string]any{"id": backbone.QueuedForDeletionTierID, "name": backbone.QueuedForDeletionTierName, "canBeUsedAsDefaultForClient": false, "canBeManuallyAssigned": false, "numberOfIdentities": float64(0)}, byName[backbone.QueuedForDeletionTierName])
		assert.Equal(t, float64(1), byName[backbone.BasicTierName]["numberOfIdentities"])
		assert.Equal(t, true, byName["Gold"]["canBeManuallyAssigned"])
		assert.Equal(t, float64(0), byName["Gold"]["numberOfIdentities"])
		basic := byName[backbone.BasicTierName]["id"].(string)

		r = s.admin("GET", "/api/v1/Tiers/"+gold, nil)
		require.Equal(t, http.StatusOK, r.Status)
		assert.Equal(t, map[string]any{"id": gold, "name": "Gold", "quotas": []any{}}, r.result())
		expectError(t, s.admin("GET", "/api/v1/Tiers/nonsense", nil), 400, backbone.CodeInvalidPropertyValue)
		expectError(t, s.admin("GET", "/api/v1/Tiers/TIRaaaaaaaaaaaaaaaaa", nil), 404, backbone.CodeRecordNotFound)

		expectError(t, s.admin("DELETE", "/api/v1/Tiers/"+basic, nil), 400, backbone.CodeBasicTierCannotBeDeleted)
		expectError(t, s.admin("DELETE", "/api/v1/Tiers/"+backbone.QueuedForDeletionTierID, nil), 400, backbone.CodeQueuedForDeletionTierCannotBeDeleted)
		expectError(t, s.admin("DELETE", "/api/v1/Tiers/TIRaaaaaaaaaaaaaaaaa", nil), 404, backbone.CodeRecordNotFound)
		expectError(t, s.admin("DELETE", "/api/v1/Tiers/nonsense", nil), 400, backbone.CodeInvalidPropertyValue)

		// In use by an identity, then by a client, then by nobody.
		require.Equal(t, http.StatusNoContent, s.admin("PUT", "/api/v1/Identities/"+a.Address, map[string]any{"tierId": gold}).Status)
		expectError(t, s.admin("DELETE", "/api/v1/Tiers/"+gold, nil), 400, backbone.CodeUsedTierCannotBeDeleted)
		require.Equal(t, http.StatusNoContent, s.admin("PUT", "/api/v1/Identities/"+a.Address, map[string]any{"tierId": basic}).Status)
		require.Equal(t, http.StatusCreated, s.admin("POST", "/api/v1/Clients", map[string]any{"clientId": "gold-app", "defaultTier": "Gold"}).Status)
		expectError(t, s.admin("DELETE", "/api/v1/Tiers/"+gold, nil), 400, backbone.CodeUsedTierCannotBeDeleted)
		require.Equal(t, http.StatusNoContent, s.admin("DELETE", "/api/v1/Clients/gold-app", nil).Status)
		require.Equal(t, http.StatusNoContent, s.admin("DELETE", "/api/v1/Tiers/"+gold, nil).Status)
		expectError(t, s.admin("GET", "/api/v1/Tiers/"+gold, nil), 404, backbone.CodeRecordNotFound)
		require.Equal(t, http.StatusCreated, s.admin("POST", "/api/v1/Tiers", map[string]any{"name": "Gold"}).Status, "the name is free again")
	})
}

func TestAdminIdentities(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		a, b, c := s.createIdentity(), s.createIdentity(), s.createIdentity()
		gold := s.admin("POST", "/api/v1/Tiers", map[string]any{"name": "Gold"}).result()["id"].(string)

		r := s.admin("PUT", "/api/v1/Identities/"+b.Address, map[string]any{"tierId": gold})
		require.Equal(t, http.StatusNoContent, r.Status, "%s", r.Raw)
		expectError(t, s.admin("PUT", "/api/v1/Identities/"+b.Address, map[string]any{"tierId": gold}), 400, backbone.CodeNewAndOldMatch)
		expectError(t, s.admin("PUT", "/api/v1/Identities/"+b.Address, map[string]any{"tierId": backbone.QueuedForDeletionTierID}), 400, backbone.CodeQueuedForDeletionTierCannotBeManuallyAssignedOrUnassigned)
		expectError(t, s.admin("PUT", "/api/v1/Identities/"+b.Address, map[string]any{"tierId": "TIRaaaaaaaaaaaaaaaaa"}), 404, backbone.CodeRecordNotFound)
		expectError(t, s.admin("PUT", "/api/v1/Identities/"+b.Address, map[string]any{}), 400, backbone.CodeInputCannotBeParsed)
		expectError(t, s.admin("PUT", "/api/v1/Identities/did:e:localhost:dids:0000000000000000000000", map[string]any{"tierId": gold}), 404, backbone.CodeRecordNotFound)

		// Details.
		r = s.admin("GET", "/api/v1/Identities/"+a.Address, nil)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Raw)
		d := r.result()
		assert.Equal(t, a.Address, d["address"])
		assert.Equal(t, "test", d["clientId"])
		assert.Equal(t, a.Key.WrapperBase64(), d["publicKey"])
		assert.Equal(t, float64(1), d["identityVersion"])
		assert.Equal(t, float64(1), d["numberOfDevices"])
		assert.Equal(t, []any{}, d["quotas"])
		dev := d["devices"].([]any)[0].(map[string]any)
		assert.Equal(t, a.DeviceID, dev["id"])
		assert.Equal(t, a.Username, dev["username"])
		assert.Equal(t, "en", dev["communicationLanguage"])
		assert.Equal(t, false, dev["isBackupDevice"])
		assert.Regexp(t, wireTime, dev["lastLogin"].(map[string]any)["time"], "the device logged in")
		assert.Equal(t, gold, s.admin("GET", "/api/v1/Identities/"+b.Address, nil).result()["tierId"])
		expectError(t, s.admin("GET", "/api/v1/Identities/did:e:localhost:dids:0000000000000000000000", nil), 404, backbone.CodeRecordNotFound)
		expectError(t, s.admin("GET", "/api/v1/Identities/nonsense", nil), 404, backbone.CodeRecordNotFound)

		// The list: filters, order, paging.
		list := func(q string) []string {
			t.Helper()
			r := s.admin("GET", "/api/v1/Identities"+q, nil)
			require.Equal(t, http.StatusOK, r.Status, "%s: %s", q, r.Raw)
			var out []string
			for _, i := range r.JSON["result"].([]any) {
				out = append(out, i.(map[string]any)["address"].(string))
			}
			return out
		}
		assert.Equal(t, []string{a.Address, b.Address, c.Address}, list(""), "oldest first by default")
		assert.Equal(t, []string{c.Address, b.Address, a.Address}, list("?orderBy=createdAt%20desc"))
		assert.Equal(t, []string{b.Address}, list("?tierId="+gold))
		assert.Equal(t, []string{a.Address}, list("?address="+a.Address))
		assert.Equal(t, []string{a.Address, b.Address, c.Address}, list("?clientId=test&clientId=other"))
		assert.Empty(t, list("?clientId=other"))
		assert.Empty(t, list("?createdAtFrom=2999-01-01T00:00:00Z"))
		assert.Len(t, list("?createdAtTo=2999-01-01T00:00:00Z&createdAtFrom=2000-01-01T00:00:00Z"), 3)
		byAddress := list("?orderBy=address")
		assert.ElementsMatch(t, []string{a.Address, b.Address, c.Address}, byAddress)
		assert.True(t, byAddress[0] < byAddress[1] && byAddress[1] < byAddress[2], "ordered by address: %v", byAddress)

		r = s.admin("GET", "/api/v1/Identities?pageSize=2&pageNumber=2", nil)
		require.Equal(t, http.StatusOK, r.Status)
		assert.Len(t, r.JSON["result"], 1)
		assert.Equal(t, map[string]any{"pageNumber": float64(2), "pageSize": float64(2), "totalPages": float64(2), "totalRecords": float64(3)}, r.JSON["pagination"])
		row := s.admin("GET", "/api/v1/Identities?address="+b.Address, nil).JSON["result"].([]any)[0].(map[string]any)
		assert.Equal(t, map[string]any{"id": gold, "name": "Gold"}, row["tier"])
		assert.Equal(t, "test", row["createdWithClient"])
		assert.Equal(t, float64(1), row["numberOfDevices"])
		assert.Regexp(t, wireTime, row["lastLoginAt"])
		assert.Nil(t, row["datawalletVersion"])

		expectError(t, s.admin("GET", "/api/v1/Identities?orderBy=password", nil), 400, backbone.CodeInvalidPropertyValue)
		expectError(t, s.admin("GET", "/api/v1/Identities?orderBy=address%20sideways", nil), 400, backbone.CodeInvalidPropertyValue)
		expectError(t, s.admin("GET", "/api/v1/Identities?createdAtFrom=yesterday", nil), 400, backbone.CodeInvalidPropertyValue)
		expectError(t, s.admin("GET", "/api/v1/Identities?pageSize=201", nil), 400, backbone.CodeInvalidPageSize)
		expectError(t, s.admin("GET", "/api/v1/Identities?tierId="+strings.Repeat("TIRaaaaaaaaaaaaaaaaa,", 51), nil), 400, backbone.CodeInvalidPropertyValue)
		assert.Empty(t, list("?address='%20OR%201=1%20--"), "values are parameters, never SQL")
	})
}

func TestAdminCreatesIdentityWithAChallengeOfItsOwn(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		ch := s.admin("POST", "/api/v1/Challenges", nil)
		require.Equal(t, http.StatusCreated, ch.Status, "%s", ch.Raw)
		assert.Regexp(t, `^CHL[A-Za-z0-9]{17}$`, ch.result()["id"])
		assert.Nil(t, ch.result()["createdBy"])
		assert.Nil(t, ch.result()["createdByDevice"])

		key := backbonetest.NewKey()
		expires, err := time.Parse(time.RFC3339, ch.result()["expiresAt"].(string))
		require.NoError(t, err)
		challenge := backbonetest.ChallengeJSON(ch.result()["id"].(string), expires, "", "")
		body := map[string]any{
			"clientId": "test", "identityPublicKey": key.WrapperBase64(), "devicePassword": "pw", "identityVersion": 1,
			"signedChallenge": map[string]any{"challenge": challenge, "signature": key.SignBase64(challenge)},
		}
		r := s.admin("POST", "/api/v1/Identities", body)
		require.Equal(t, http.StatusCreated, r.Status, "no client secret is needed: %s", r.Raw)
		address := r.result()["address"].(string)
		assert.Equal(t, backbone.AddressFromPublicKey(key.Public, "localhost"), address)
		assert.Equal(t, http.StatusOK, s.admin("GET", "/api/v1/Identities/"+address, nil).Status)
		expectError(t, s.admin("POST", "/api/v1/Identities", body), 400, backbone.CodeAddressAlreadyExists)

		body, _ = s.identityBody()
		body["clientId"] = "nobody"
		expectError(t, s.admin("POST", "/api/v1/Identities", body), 400, backbone.CodeRecordNotFound)
		body, _ = s.identityBody()
		delete(body, "devicePassword")
		expectError(t, s.admin("POST", "/api/v1/Identities", body), 400, backbone.CodeInputCannotBeParsed)
	})
}

func TestAdminListsOfMessagesRelationshipsAndTokens(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		a, b := s.createIdentity(), s.createIdentity()
		relID := s.related(a, b)
		sent := s.send(a, b)
		require.Equal(t, http.StatusCreated, sent.Status, "%s", sent.Raw)

		r := s.admin("GET", "/api/v1/Messages?participant="+a.Address+"&type=Outgoing", nil)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Raw)
		msgs := r.JSON["result"].([]any)
		require.Len(t, msgs, 1)
		m := msgs[0].(map[string]any)
		assert.Equal(t, sent.result()["id"], m["messageId"])
		assert.Equal(t, a.Address, m["senderAddress"])
		assert.Equal(t, a.DeviceID, m["senderDevice"])
		assert.Equal(t, float64(1), m["numberOfAttachments"])
		assert.Equal(t, []any{map[string]any{"id": float64(1), "messageId": m["messageId"], "relationshipId": relID, "address": b.Address, "receivedAt": nil}}, m["recipients"])
		assert.NotContains(t, m, "body", "the operator does not see contents")
		assert.Len(t, s.admin("GET", "/api/v1/Messages?participant="+b.Address+"&type=incoming", nil).JSON["result"], 1)
		assert.Empty(t, s.admin("GET", "/api/v1/Messages?participant="+a.Address+"&type=Incoming", nil).JSON["result"])
		expectError(t, s.admin("GET", "/api/v1/Messages?participant="+a.Address+"&type=Sideways", nil), 400, backbone.CodeInvalidPropertyValue)
		expectError(t, s.admin("GET", "/api/v1/Messages?participant="+a.Address, nil), 400, backbone.CodeInvalidPropertyValue)
		expectError(t, s.admin("GET", "/api/v1/Messages?type=Incoming", nil), 400, backbone.CodeInvalidPropertyValue)
		expectError(t, s.admin("GET", "/api/v1/Messages?participant="+a.Address+"&type=Incoming&pageSize=500", nil), 400, backbone.CodeInvalidPageSize)

		r = s.admin("GET", "/api/v1/Relationships?participant="+a.Address, nil)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Raw)
		rels := r.JSON["result"].([]any)
		require.Len(t, rels, 1)
		rel := rels[0].(map[string]any)
		assert.Equal(t, b.Address, rel["peer"])
		assert.Equal(t, "Peer", rel["requestedBy"], "b asked for the relationship with a's template")
		assert.Equal(t, "Active", rel["status"])
		assert.Equal(t, b.DeviceID, rel["createdByDevice"])
		assert.Equal(t, a.DeviceID, rel["answeredByDevice"])
		assert.Regexp(t, wireTime, rel["answeredAt"])
		assert.NotNil(t, rel["templateId"])
		rel = s.admin("GET", "/api/v1/Relationships?participant="+b.Address, nil).JSON["result"].([]any)[0].(map[string]any)
		assert.Equal(t, "Self", rel["requestedBy"])
		assert.Equal(t, a.Address, rel["peer"])
		expectError(t, s.admin("GET", "/api/v1/Relationships", nil), 400, backbone.CodeInvalidPropertyValue)

		password := "cGFzc3dvcmQ" // base64 of "password"
		tok := s.do("POST", "/api/v2/Tokens", a.Token, map[string]any{"content": "AAEC", "expiresAt": "2999-01-01T00:00:00.000Z", "password": password})
		require.Equal(t, http.StatusCreated, tok.Status, "%s", tok.Raw)
		tokID := tok.result()["id"].(string)
		r = s.admin("GET", "/api/v1/Tokens?createdBy="+a.Address, nil)
		require.Equal(t, http.StatusOK, r.Status)
		toks := r.JSON["result"].([]any)
		require.Len(t, toks, 1)
		assert.Equal(t, tokID, toks[0].(map[string]any)["id"])
		assert.Equal(t, true, toks[0].(map[string]any)["isPasswordProtected"])
		assert.Empty(t, s.admin("GET", "/api/v1/Tokens?createdBy="+b.Address, nil).JSON["result"])
		expectError(t, s.admin("GET", "/api/v1/Tokens", nil), 400, backbone.CodeInvalidPropertyValue)

		// Lock the token with wrong passwords, then unlock it.
		for range 100 {
			s.do("GET", "/api/v2/Tokens/"+tokID+"?password=d3Jvbmc", "", nil)
		}
		expectError(t, s.do("GET", "/api/v2/Tokens/"+tokID+"?password="+password, "", nil), 400, backbone.CodeTokenTooManyFailedPasswordAttempts)
		require.Equal(t, http.StatusNoContent, s.admin("PATCH", "/api/v1/Tokens/"+tokID+"/ResetAccessFailedCount", nil).Status)
		assert.Equal(t, http.StatusOK, s.do("GET", "/api/v2/Tokens/"+tokID+"?password="+password, "", nil).Status, "the token is unlocked")
		expectError(t, s.admin("PATCH", "/api/v1/Tokens/TOKaaaaaaaaaaaaaaaaa/ResetAccessFailedCount", nil), 404, backbone.CodeRecordNotFound)
		expectError(t, s.admin("PATCH", "/api/v1/Tokens/nonsense/ResetAccessFailedCount", nil), 404, backbone.CodeRecordNotFound)
	})
}

// Over TLS the XSRF cookie is marked Secure; over plain HTTP (local
// development) it cannot be.
func TestXSRFCookieIsSecureOverTLS(t *testing.T) {
	env := backbonetest.New(t, "sqlite", nil)
	ts := httptest.NewTLSServer(httpapi.NewAdmin(env.Backbone, httpapi.AdminOptions{APIKey: testAdminKey}))
	defer ts.Close()
	res, err := ts.Client().Get(ts.URL + "/api/v1/xsrf")
	require.NoError(t, err)
	res.Body.Close()
	require.Len(t, res.Cookies(), 1)
	assert.True(t, res.Cookies()[0].Secure)
	assert.Equal(t, http.SameSiteStrictMode, res.Cookies()[0].SameSite)
}
