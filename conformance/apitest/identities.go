package apitest

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/openbackbone/openbackbone/internal/identitykey"
)

var (
	addressPattern = regexp.MustCompile(`^did:e:[^:]+:dids:[0-9a-f]{22}$`)
	devicePattern  = regexp.MustCompile(`^DVC[A-Za-z0-9]{17}$`)
	idpPattern     = regexp.MustCompile(`^IDP[A-Za-z0-9]{17}$`)
)

// testAuth covers /connect/token and challenges.
func testAuth(t *testing.T, c *client) {
	a := c.createAccount(t)

	t.Run("TokenIsOAuthJSONWithoutEnvelope", func(t *testing.T) {
		r := c.tokenRequest(t, a.Username, a.Password)
		expectStatus(t, r, http.StatusOK)
		if _, ok := r.JSON["result"]; ok {
			t.Errorf("the token response is wrapped in a result envelope: %s", r)
		}
		if r.JSON["token_type"] != "Bearer" || r.JSON["access_token"] == nil || r.JSON["expires_in"] == nil {
			t.Errorf("want access_token, token_type Bearer and expires_in, got %s", r)
		}
	})

	t.Run("TokenWithWrongPasswordIsRefused", func(t *testing.T) {
		r := c.tokenRequest(t, a.Username, "wrong")
		if r.Status != http.StatusBadRequest || r.JSON["error"] != "invalid_grant" {
			t.Fatalf("want 400 {\"error\":\"invalid_grant\"}, got %s", r)
		}
	})

	t.Run("TokenWithWrongClientIsRefused", func(t *testing.T) {
		r := c.do(t, "POST", "/connect/token", "", url.Values{
			"grant_type": {"password"}, "client_id": {c.cfg.ClientID}, "client_secret": {c.cfg.ClientSecret + "-wrong"},
			"username": {a.Username}, "password": {a.Password},
		})
		if r.Status != http.StatusBadRequest && r.Status != http.StatusUnauthorized {
			t.Fatalf("want 400 or 401, got %s", r)
		}
		if r.JSON["access_token"] != nil {
			t.Fatalf("a wrong client secret got a token: %s", r)
		}
	})

	t.Run("ChallengeCreatedAnonymouslyWithLocation", func(t *testing.T) {
		r := c.do(t, "POST", "/api/v2/Challenges", "", nil)
		expectStatus(t, r, http.StatusCreated)
		id, _ := r.result()["id"].(string)
		if !regexp.MustCompile(`^CHL[A-Za-z0-9]{17}$`).MatchString(id) {
			t.Errorf("challenge id %q is not CHL + 17 characters", id)
		}
		if r.Header.Get("Location") == "" {
			t.Errorf("no Location header")
		}
		if s, _ := r.result()["expiresAt"].(string); !datePattern.MatchString(s) {
			t.Errorf("expiresAt %q", s)
		}
		g := c.do(t, "GET", "/api/v2/Challenges/"+id, a.Token, nil)
		expectStatus(t, g, http.StatusOK)
		if g.result()["id"] != id {
			t.Errorf("GET returned another challenge: %s", g)
		}
	})

	t.Run("ChallengeGetNeedsToken", func(t *testing.T) {
		id, _ := c.challenge(t, "")
		expectStatus(t, c.do(t, "GET", "/api/v2/Challenges/"+id, "", nil), http.StatusUnauthorized)
	})

	t.Run("UnknownChallengeIsRecordNotFound", func(t *testing.T) {
		expectError(t, c.do(t, "GET", "/api/v2/Challenges/CHLaaaaaaaaaaaaaaaaa", a.Token, nil), http.StatusNotFound, "error.platform.recordNotFound")
	})
}

// testIdentities covers identity creation, Self, IsDeleted and feature flags.
func testIdentities(t *testing.T, c *client) {
	a := c.createAccount(t)

	t.Run("CreateIdentityReturnsAddressAndDevice", func(t *testing.T) {
		if !addressPattern.MatchString(a.Address) {
			t.Errorf("address %q is not did:e:<domain>:dids:<22 hex>", a.Address)
		}
		if !devicePattern.MatchString(a.DeviceID) {
			t.Errorf("device id %q", a.DeviceID)
		}
	})

	t.Run("CreateIdentityWithWrongClientSecretIsRefused", func(t *testing.T) {
		body := c.createIdentityBody(t, identitykey.New(), "pw")
		body["clientSecret"] = "wrong-" + c.cfg.ClientSecret
		r := c.do(t, "POST", "/api/v2/Identities", "", body)
		if r.Status != http.StatusBadRequest {
			t.Fatalf("want 400, got %s", r)
		}
		if e, _ := r.JSON["error"].(map[string]any); e == nil || e["code"] == nil {
			t.Fatalf("want an error envelope, got %s", r)
		}
	})

	t.Run("CreateIdentityWithBadSignatureIsRefused", func(t *testing.T) {
		body := c.createIdentityBody(t, identitykey.New(), "pw")
		sc := body["signedChallenge"].(map[string]any)
		sc["signature"] = identitykey.New().SignBase64(sc["challenge"].(string))
		r := c.do(t, "POST", "/api/v2/Identities", "", body)
		if r.Status != http.StatusBadRequest || r.JSON["error"] == nil {
			t.Fatalf("want 400 with an error envelope, got %s", r)
		}
	})

	t.Run("GetSelf", func(t *testing.T) {
		r := c.do(t, "GET", "/api/v2/Identities/Self", a.Token, nil)
		expectStatus(t, r, http.StatusOK)
		if r.result()["address"] != a.Address {
			t.Errorf("Self is %v, want %s", r.result()["address"], a.Address)
		}
	})

	t.Run("IsDeletedIsFalseForALiveIdentity", func(t *testing.T) {
		r := c.do(t, "GET", "/api/v2/Identities/IsDeleted?username="+a.Username, "", nil)
		expectStatus(t, r, http.StatusOK)
		res := r.result()
		if res["isDeleted"] != false {
			t.Errorf("isDeleted = %v, want false", res["isDeleted"])
		}
		if v, ok := res["deletionDate"]; !ok || v != nil {
			t.Errorf("deletionDate must be present and null: %s", r)
		}
	})

	t.Run("IsDeletedNeedsUsername", func(t *testing.T) {
		r := c.do(t, "GET", "/api/v2/Identities/IsDeleted", "", nil)
		if r.Status != http.StatusBadRequest || r.JSON["error"] == nil {
			t.Fatalf("want 400 with an error envelope, got %s", r)
		}
	})

	t.Run("FeatureFlagsSetAndRead", func(t *testing.T) {
		r := c.do(t, "PATCH", "/api/v2/Identities/Self/FeatureFlags", a.Token, map[string]bool{"feature1": true, "feature2": false})
		expectStatus(t, r, http.StatusNoContent)
		if len(r.Raw) != 0 {
			t.Errorf("204 with a body: %s", r)
		}
		g := c.do(t, "GET", "/api/v2/Identities/"+a.Address+"/FeatureFlags", a.Token, nil)
		expectStatus(t, g, http.StatusOK)
		// Lower-case names, as clients use: the reference camel-cases
		// keys on output, implementations may return them as stored
		// (docs/differences.md), and both agree on these.
		if g.result()["feature1"] != true || g.result()["feature2"] != false {
			t.Errorf("want {feature1: true, feature2: false}, got %s", g)
		}
	})

	t.Run("FeatureFlagsOfUnrelatedIdentityAreRecordNotFound", func(t *testing.T) {
		b := c.createAccount(t)
		expectError(t, c.do(t, "GET", "/api/v2/Identities/"+a.Address+"/FeatureFlags", b.Token, nil), http.StatusNotFound, "error.platform.recordNotFound")
	})

	t.Run("FeatureFlagsOfMalformedAddressAreInvalid", func(t *testing.T) {
		expectError(t, c.do(t, "GET", "/api/v2/Identities/nope/FeatureFlags", a.Token, nil), http.StatusBadRequest, "error.platform.validation.invalidPropertyValue")
	})
}

// testDevices covers devices and push registration.
func testDevices(t *testing.T, c *client) {
	a := c.createAccount(t)

	t.Run("RegisterListDeleteUnonboardedAndLogin", func(t *testing.T) {
		r := c.do(t, "POST", "/api/v2/Devices", a.Token, map[string]any{"devicePassword": "second", "signedChallenge": c.signedChallenge(t, a)})
		expectStatus(t, r, http.StatusCreated)
		id, _ := r.result()["id"].(string)
		user, _ := r.result()["username"].(string)
		if !devicePattern.MatchString(id) || user == "" {
			t.Fatalf("want a device id and username, got %s", r)
		}
		l := c.do(t, "GET", "/api/v2/Devices", a.Token, nil)
		expectStatus(t, l, http.StatusOK)
		if len(l.list()) != 2 {
			t.Errorf("want 2 devices, got %s", l)
		}
		// Only a device that has never logged in may be deleted.
		expectStatus(t, c.do(t, "DELETE", "/api/v2/Devices/"+id, a.Token, nil), http.StatusNoContent)
		if r := c.tokenRequest(t, user, "second"); r.Status == http.StatusOK {
			t.Errorf("a deleted device still logs in: %s", r)
		}
		r = c.do(t, "POST", "/api/v2/Devices", a.Token, map[string]any{"devicePassword": "third", "signedChallenge": c.signedChallenge(t, a)})
		expectStatus(t, r, http.StatusCreated)
		id, _ = r.result()["id"].(string)
		user, _ = r.result()["username"].(string)
		c.login(t, user, "third")
		expectError(t, c.do(t, "DELETE", "/api/v2/Devices/"+id, a.Token, nil), http.StatusBadRequest, "error.platform.validation.device.deviceCannotBeDeleted")
	})

	t.Run("RegisterDeviceWithoutPasswordIsInputCannotBeParsed", func(t *testing.T) {
		expectError(t, c.do(t, "POST", "/api/v2/Devices", a.Token, map[string]any{"signedChallenge": c.signedChallenge(t, a)}), http.StatusBadRequest, "error.platform.inputCannotBeParsed")
	})

	t.Run("RegisterDeviceWithForeignSignatureIsInvalidSignature", func(t *testing.T) {
		sc := c.signedChallenge(t, a)
		sc["signature"] = identitykey.New().SignBase64(sc["challenge"].(string))
		expectError(t, c.do(t, "POST", "/api/v2/Devices", a.Token, map[string]any{"devicePassword": "x", "signedChallenge": sc}), http.StatusBadRequest, "error.platform.validation.device.invalidSignature")
	})

	t.Run("GetAndUpdateSelf", func(t *testing.T) {
		expectStatus(t, c.do(t, "PUT", "/api/v2/Devices/Self", a.Token, map[string]any{"communicationLanguage": "de"}), http.StatusNoContent)
		r := c.do(t, "GET", "/api/v2/Devices/Self", a.Token, nil)
		expectStatus(t, r, http.StatusOK)
		if r.result()["id"] != a.DeviceID || r.result()["communicationLanguage"] != "de" {
			t.Errorf("want own device with language de, got %s", r)
		}
		expectError(t, c.do(t, "PUT", "/api/v2/Devices/Self", a.Token, map[string]any{"communicationLanguage": "xx"}), http.StatusBadRequest, "error.platform.validation.invalidDeviceCommunicationLanguage")
	})

	t.Run("ChangePassword", func(t *testing.T) {
		p := c.createAccount(t)
		expectError(t, c.do(t, "PUT", "/api/v2/Devices/Self/Password", p.Token, map[string]any{"oldPassword": "wrong", "newPassword": "new"}), http.StatusBadRequest, "error.platform.validation.device.changePasswordFailed")
		expectStatus(t, c.do(t, "PUT", "/api/v2/Devices/Self/Password", p.Token, map[string]any{"oldPassword": p.Password, "newPassword": "new"}), http.StatusNoContent)
		c.login(t, p.Username, "new")
	})

	t.Run("DeleteUnknownDeviceIsRefused", func(t *testing.T) {
		r := c.do(t, "DELETE", "/api/v2/Devices/DVCaaaaaaaaaaaaaaaaa", a.Token, nil)
		if r.Status != http.StatusNotFound && r.Status != http.StatusBadRequest {
			t.Fatalf("want 404 or 400, got %s", r)
		}
	})

	t.Run("PushRegistrationMalformedIsInputCannotBeParsed", func(t *testing.T) {
		expectError(t, c.do(t, "PUT", "/api/v2/Devices/Self/PushNotifications", a.Token, `{"handle":"0123456789","appId":"a"}`), http.StatusBadRequest, "error.platform.inputCannotBeParsed")
	})

	t.Run("PushRegistrationWithShortHandleIsInvalid", func(t *testing.T) {
		expectError(t, c.do(t, "PUT", "/api/v2/Devices/Self/PushNotifications", a.Token, `{"platform":"sse","handle":"012345678","appId":"a"}`), http.StatusBadRequest, "error.platform.validation.invalidPropertyValue")
	})

	t.Run("PushRegistrationOnSSEAndDeregistration", func(t *testing.T) {
		r := c.do(t, "PUT", "/api/v2/Devices/Self/PushNotifications", a.Token, map[string]any{"platform": "sse", "handle": "0123456789", "appId": "apitest"})
		expectStatus(t, r, http.StatusOK)
		if r.result()["devicePushIdentifier"] == nil {
			t.Errorf("no devicePushIdentifier: %s", r)
		}
		expectStatus(t, c.do(t, "POST", "/api/v2/Devices/Self/PushNotifications/SendTestNotification", a.Token, `{}`), http.StatusNoContent)
		expectStatus(t, c.do(t, "DELETE", "/api/v2/Devices/Self/PushNotifications", a.Token, nil), http.StatusNoContent)
	})
}

// testDeletionProcesses covers the identity's own deletion processes.
func testDeletionProcesses(t *testing.T, c *client) {
	const path = "/api/v2/Identities/Self/DeletionProcesses"
	a := c.createAccount(t)

	t.Run("StartListGetCancel", func(t *testing.T) {
		r := c.do(t, "POST", path, a.Token, nil)
		expectStatus(t, r, http.StatusCreated)
		p := r.result()
		id, _ := p["id"].(string)
		if !idpPattern.MatchString(id) || p["status"] != "Active" {
			t.Fatalf("want an Active IDP process, got %s", r)
		}
		l := c.do(t, "GET", path, a.Token, nil)
		expectStatus(t, l, http.StatusOK)
		if _, ok := l.JSON["pagination"]; ok || len(l.list()) != 1 {
			t.Errorf("want a plain list of one process, got %s", l)
		}
		g := c.do(t, "GET", path+"/"+id, a.Token, nil)
		expectStatus(t, g, http.StatusOK)
		if g.result()["id"] != id {
			t.Errorf("GET returned %s", g)
		}
		x := c.do(t, "PUT", path+"/"+id+"/Cancel", a.Token, nil)
		expectStatus(t, x, http.StatusOK)
		if x.result()["status"] != "Cancelled" {
			t.Errorf("cancelled process: %s", x)
		}
	})

	t.Run("SecondActiveProcessIsRefused", func(t *testing.T) {
		p := c.createAccount(t)
		expectStatus(t, c.do(t, "POST", path, p.Token, nil), http.StatusCreated)
		r := c.do(t, "POST", path, p.Token, nil)
		if r.Status != http.StatusBadRequest || r.JSON["error"] == nil {
			t.Fatalf("want 400 with an error envelope, got %s", r)
		}
		d := c.do(t, "GET", "/api/v2/Identities/IsDeleted?username="+p.Username, "", nil)
		expectStatus(t, d, http.StatusOK)
		if d.result()["isDeleted"] != false {
			t.Errorf("an identity in its grace period is not deleted yet: %s", d)
		}
	})

	t.Run("UnknownProcessIsRecordNotFound", func(t *testing.T) {
		expectError(t, c.do(t, "GET", path+"/IDPaaaaaaaaaaaaaaaaa", a.Token, nil), http.StatusNotFound, "error.platform.recordNotFound")
	})
}
