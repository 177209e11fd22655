package apitest

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/openbackbone/openbackbone/internal/identitykey"
)

var (
	errorIDPattern = regexp.MustCompile(`^ERR[ABCDEFGHJKLMNPQRSTUVWXYZ123456789]{17}$`)
	datePattern    = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
	hex32Pattern   = regexp.MustCompile(`^[0-9a-f]{32}$`)
)

// testConventions checks the cross-cutting rules of spec §1.
func testConventions(t *testing.T, c *client) {
	a := c.createAccount(t)

	t.Run("ResultEnvelopeAndJSONContentType", func(t *testing.T) {
		r := c.do(t, "GET", "/api/v2/Identities/Self", a.Token, nil)
		expectStatus(t, r, http.StatusOK)
		if r.result() == nil || len(r.JSON) != 1 {
			t.Fatalf("want exactly {\"result\": {...}}, got %s", r)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("Content-Type is %q, want application/json; charset=utf-8", ct)
		}
	})

	t.Run("ErrorEnvelopeHasSixFields", func(t *testing.T) {
		r := c.do(t, "GET", "/api/v2/Challenges/CHLaaaaaaaaaaaaaaaaa", a.Token, nil)
		expectError(t, r, http.StatusNotFound, "error.platform.recordNotFound")
		if len(r.JSON) != 1 {
			t.Errorf("the error envelope has members beside \"error\": %s", r)
		}
		e := r.JSON["error"].(map[string]any)
		for _, k := range []string{"id", "code", "message", "docs", "time", "data"} {
			if _, ok := e[k]; !ok {
				t.Errorf("error lacks %q: %s", k, r)
			}
		}
		if len(e) != 6 {
			t.Errorf("error has %d members, want 6: %s", len(e), r)
		}
		if id, _ := e["id"].(string); !errorIDPattern.MatchString(id) {
			t.Errorf("error id %q is not ERR + 17 characters of the ID alphabet", id)
		}
		if e["docs"] != "" {
			t.Errorf("docs is %v, want the empty string", e["docs"])
		}
		if s, _ := e["time"].(string); !parsesAsTime(s) {
			t.Errorf("error time %q is not ISO-8601", s)
		}
		if e["data"] != nil {
			t.Errorf("data is %v, want null", e["data"])
		}
		if m, _ := e["message"].(string); m == "" {
			t.Errorf("message is empty")
		}
	})

	t.Run("MalformedJSONIsInputCannotBeParsed", func(t *testing.T) {
		expectError(t, c.do(t, "POST", "/api/v2/Tokens", a.Token, `{"content":`), http.StatusBadRequest, "error.platform.inputCannotBeParsed")
	})

	t.Run("PaginationOnlyWithMoreThanOnePage", func(t *testing.T) {
		p := c.createAccount(t)
		r := c.do(t, "GET", "/api/v2/Devices", p.Token, nil)
		expectStatus(t, r, http.StatusOK)
		if _, ok := r.JSON["pagination"]; ok || len(r.list()) != 1 {
			t.Fatalf("one device, one page: want a one-element result and no pagination, got %s", r)
		}
		expectStatus(t, c.do(t, "POST", "/api/v2/Devices", p.Token, map[string]any{"devicePassword": "second", "signedChallenge": c.signedChallenge(t, p)}), http.StatusCreated)
		r = c.do(t, "GET", "/api/v2/Devices?pageSize=1", p.Token, nil)
		expectStatus(t, r, http.StatusOK)
		pg, _ := r.JSON["pagination"].(map[string]any)
		if pg == nil || len(r.list()) != 1 {
			t.Fatalf("two devices, pageSize 1: want one result and a pagination object, got %s", r)
		}
		want := map[string]float64{"pageNumber": 1, "pageSize": 1, "totalPages": 2, "totalRecords": 2}
		for k, v := range want {
			if pg[k] != v {
				t.Errorf("pagination.%s = %v, want %v", k, pg[k], v)
			}
		}
		r = c.do(t, "GET", "/api/v2/Devices?pageSize=1&pageNumber=2", p.Token, nil)
		expectStatus(t, r, http.StatusOK)
		if len(r.list()) != 1 {
			t.Errorf("page 2 of 2 has %d items, want 1", len(r.list()))
		}
		expectError(t, c.do(t, "GET", "/api/v2/Devices?pageSize=201", p.Token, nil), http.StatusBadRequest, "error.platform.validation.pagination.invalidPageSize")
	})

	t.Run("PathsAndQueryNamesAreCaseInsensitive", func(t *testing.T) {
		r := c.do(t, "GET", "/API/V2/identities/self", a.Token, nil)
		expectStatus(t, r, http.StatusOK)
		if r.result()["address"] != a.Address {
			t.Errorf("lower-case path answered another identity: %s", r)
		}
		r = c.do(t, "GET", "/api/v2/identities/isdeleted?USERNAME="+a.Username, "", nil)
		expectStatus(t, r, http.StatusOK)
		if r.result()["isDeleted"] != false {
			t.Errorf("upper-case query name: %s", r)
		}
	})

	t.Run("UnknownRouteIs404WithEmptyBody", func(t *testing.T) {
		r := c.do(t, "GET", "/api/v2/Nothing", a.Token, nil)
		if r.Status != http.StatusNotFound || len(r.Raw) != 0 {
			t.Fatalf("want 404 and an empty body, got %s", r)
		}
		r = c.do(t, "GET", "/api/v3/Version", "", nil)
		if r.Status != http.StatusNotFound {
			t.Fatalf("an unsupported API version: want 404, got %s", r)
		}
	})

	t.Run("WrongMethodIs405WithEmptyBody", func(t *testing.T) {
		r := c.do(t, "DELETE", "/api/v2/Version", "", nil)
		if r.Status != http.StatusMethodNotAllowed || len(r.Raw) != 0 {
			t.Fatalf("want 405 and an empty body, got %s", r)
		}
	})

	t.Run("BytesAreBase64URLOutAndEitherAlphabetIn", func(t *testing.T) {
		// These bytes differ between the alphabets: "++//AQ==" vs "--__AQ".
		raw := []byte{0xfb, 0xef, 0xff, 0x01}
		want := base64.RawURLEncoding.EncodeToString(raw)
		exp := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		for _, in := range []string{base64.StdEncoding.EncodeToString(raw), want, base64.URLEncoding.EncodeToString(raw)} {
			r := c.do(t, "POST", "/api/v2/Tokens", a.Token, map[string]any{"content": in, "expiresAt": exp})
			expectStatus(t, r, http.StatusCreated)
			id, _ := r.result()["id"].(string)
			g := c.do(t, "GET", "/api/v2/Tokens/"+id, a.Token, nil)
			expectStatus(t, g, http.StatusOK)
			if got := g.result()["content"]; got != want {
				t.Errorf("content sent as %q comes back as %v, want %q", in, got, want)
			}
		}
	})

	t.Run("InputNamesAreCaseInsensitiveAndNumbersMayBeStrings", func(t *testing.T) {
		// The C# SDK sends PascalCase names, standard base64 and numbers
		// as strings; unknown properties are ignored.
		k := identitykey.New()
		body := c.createIdentityBody(t, k, "pw")
		sc := body["signedChallenge"].(map[string]any)
		sig, _ := base64.RawURLEncoding.DecodeString(sc["signature"].(string))
		pk, _ := base64.RawURLEncoding.DecodeString(body["identityPublicKey"].(string))
		r := c.do(t, "POST", "/api/v2/Identities", "", map[string]any{
			"ClientId": c.cfg.ClientID, "ClientSecret": c.cfg.ClientSecret, "IdentityPublicKey": base64.StdEncoding.EncodeToString(pk),
			"DevicePassword": "pw", "IdentityVersion": "1", "unknownProperty": true,
			"SignedChallenge": map[string]any{"Challenge": sc["challenge"], "Signature": base64.StdEncoding.EncodeToString(sig)},
		})
		expectStatus(t, r, http.StatusCreated)
	})

	t.Run("EnumsAreNamesOutAndNameOrIntegerIn", func(t *testing.T) {
		for _, typ := range []any{1, "datawalletVersionUpgrade"} {
			p := c.createAccount(t)
			r := c.do(t, "POST", "/api/v2/SyncRuns", p.Token, map[string]any{"type": typ}, datawalletHeader, "1")
			expectStatus(t, r, http.StatusCreated)
			run, _ := r.result()["syncRun"].(map[string]any)
			if r.result()["status"] != "Created" || run["type"] != "DatawalletVersionUpgrade" {
				t.Errorf("type %v: want status Created and type DatawalletVersionUpgrade, got %s", typ, r)
			}
		}
	})

	t.Run("NullsAreEmitted", func(t *testing.T) {
		r := c.do(t, "GET", "/api/v2/Identities/IsDeleted?username="+a.Username, "", nil)
		expectStatus(t, r, http.StatusOK)
		if v, ok := r.result()["deletionDate"]; !ok || v != nil {
			t.Errorf("want deletionDate present as null, got %s", r)
		}
	})

	t.Run("InvalidTokenOnAnonymousEndpointIsIgnored", func(t *testing.T) {
		r := c.do(t, "POST", "/api/v2/Challenges", "not-a-token", nil)
		expectStatus(t, r, http.StatusCreated)
	})

	t.Run("DatesHaveMillisecondsAndZ", func(t *testing.T) {
		r := c.do(t, "GET", "/api/v2/Identities/Self", a.Token, nil)
		expectStatus(t, r, http.StatusOK)
		d := c.do(t, "GET", "/api/v2/Devices/Self", a.Token, nil)
		expectStatus(t, d, http.StatusOK)
		for _, v := range []any{r.result()["createdAt"], d.result()["createdAt"]} {
			if s, _ := v.(string); !datePattern.MatchString(s) {
				t.Errorf("date %v is not yyyy-MM-ddTHH:mm:ss.fffZ", v)
			}
		}
	})

	t.Run("MissingOrInvalidTokenIs401WithEmptyBodyAndWWWAuthenticate", func(t *testing.T) {
		for _, tok := range []string{"", "not-a-token"} {
			r := c.do(t, "GET", "/api/v2/Identities/Self", tok, nil)
			if r.Status != http.StatusUnauthorized || len(r.Raw) != 0 {
				t.Errorf("token %q: want 401 and an empty body, got %s", tok, r)
			}
			if h := r.Header.Get("WWW-Authenticate"); !strings.HasPrefix(h, "Bearer") {
				t.Errorf("token %q: WWW-Authenticate is %q, want a Bearer challenge", tok, h)
			}
		}
	})

	t.Run("BodyOver20MiBIsRequestBodyTooLarge", func(t *testing.T) {
		big := append([]byte(`{"content":"`), bytes.Repeat([]byte("A"), 21<<20)...)
		big = append(big, `","expiresAt":"2999-01-01T00:00:00.000Z"}`...)
		expectError(t, c.do(t, "POST", "/api/v2/Tokens", a.Token, big), http.StatusBadRequest, "error.platform.requestBodyTooLarge")
	})

	t.Run("CorrelationIDIsEchoedTrimmedTruncatedOrGenerated", func(t *testing.T) {
		r := c.do(t, "GET", "/api/v2/Version", "", nil, "X-Correlation-ID", "  apitest-correlation-1  ")
		if got := r.Header.Get("X-Correlation-ID"); got != "apitest-correlation-1" {
			t.Errorf("X-Correlation-ID %q echoed as %q, want it trimmed", "  apitest-correlation-1  ", got)
		}
		r = c.do(t, "GET", "/api/v2/Version", "", nil, "X-Correlation-ID", strings.Repeat("x", 150))
		if got := r.Header.Get("X-Correlation-ID"); got != strings.Repeat("x", 100) {
			t.Errorf("a 150-character X-Correlation-ID came back with %d characters, want the first 100", len(got))
		}
		r = c.do(t, "GET", "/api/v2/Version", "", nil)
		if got := r.Header.Get("X-Correlation-ID"); !hex32Pattern.MatchString(got) {
			t.Errorf("generated X-Correlation-ID %q is not 32 hex digits", got)
		}
	})

	t.Run("SecurityHeadersAndNoServerHeader", func(t *testing.T) {
		r := c.do(t, "GET", "/api/v2/Version", "", nil)
		want := map[string]string{
			"X-Content-Type-Options":     "nosniff",
			"X-Frame-Options":            "Deny",
			"Cross-Origin-Opener-Policy": "same-origin",
			"Strict-Transport-Security":  "max-age=5184000; includeSubDomains",
		}
		for k, v := range want {
			if got := r.Header.Get(k); !strings.EqualFold(got, v) {
				t.Errorf("%s is %q, want %q", k, got, v)
			}
		}
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("Content-Security-Policy %q lacks frame-ancestors 'none'", csp)
		}
		if s := r.Header.Get("Server"); s != "" {
			t.Errorf("Server header %q is sent", s)
		}
	})
}

func parsesAsTime(s string) bool {
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}
