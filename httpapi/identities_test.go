package httpapi_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/internal/backbonetest"
)

// identityBody returns a valid creation body for a fresh key and challenge.
func (s *server) identityBody() (map[string]any, backbonetest.Key) {
	key := backbonetest.NewKey()
	ch := s.do("POST", "/api/v2/Challenges", "", nil).result()
	expires, _ := time.Parse(time.RFC3339, ch["expiresAt"].(string))
	challenge := backbonetest.ChallengeJSON(ch["id"].(string), expires, "", "")
	return map[string]any{
		"clientId": "test", "clientSecret": "test", "identityPublicKey": key.WrapperBase64(),
		"devicePassword": "pw", "identityVersion": 1,
		"signedChallenge": map[string]any{"challenge": challenge, "signature": key.SignBase64(challenge)},
	}, key
}

func TestCreateIdentity(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		t.Run("ReturnsTheAddressTheClientDerives", func(t *testing.T) {
			body, key := s.identityBody()
			r := s.do("POST", "/api/v2/Identities", "", body)
			require.Equal(t, http.StatusCreated, r.Status, "%s", r.Raw)
			res := r.result()
			assert.Equal(t, backbone.AddressFromPublicKey(key.Public, "localhost"), res["address"])
			assert.Regexp(t, wireTime, res["createdAt"])
			dev := res["device"].(map[string]any)
			assert.Regexp(t, `^DVC[A-Za-z0-9]{17}$`, dev["id"])
			assert.Regexp(t, `^USR[A-Za-z0-9]{17}$`, dev["username"])
			assert.Equal(t, res["createdAt"], dev["createdAt"])
			assert.Empty(t, r.Header.Get("Location"))
		})
		t.Run("AcceptsPascalCaseNamesStandardBase64AndNumbersAsStrings", func(t *testing.T) {
			body, _ := s.identityBody()
			sc := body["signedChallenge"].(map[string]any)
			raw, _ := base64.RawURLEncoding.DecodeString(sc["signature"].(string))
			pk, _ := base64.RawURLEncoding.DecodeString(body["identityPublicKey"].(string))
			r := s.do("POST", "/api/v2/Identities", "", map[string]any{
				"ClientId": "test", "ClientSecret": "test", "IdentityPublicKey": base64.StdEncoding.EncodeToString(pk),
				"DevicePassword": "pw", "IdentityVersion": "1", "unknownProperty": true,
				"SignedChallenge": map[string]any{"Challenge": sc["challenge"], "Signature": base64.StdEncoding.EncodeToString(raw)},
			})
			assert.Equal(t, http.StatusCreated, r.Status, "%s", r.Raw)
		})
		t.Run("SelfShowsTheIdentity", func(t *testing.T) {
			a := s.createIdentity()
			r := s.do("GET", "/api/v2/Identities/Self", a.Token, nil)
			require.Equal(t, http.StatusOK, r.Status)
			res := r.result()
			assert.Equal(t, a.Address, res["address"])
			assert.Equal(t, float64(1), res["identityVersion"])
			assert.Equal(t, "Active", res["status"])
			assert.Regexp(t, `^TIR[A-Za-z0-9]{17}$`, res["tierId"])
			assert.Contains(t, res, "deletionGracePeriodEndsAt")
			assert.Nil(t, res["deletionGracePeriodEndsAt"])
		})

		bad := []struct {
			name   string
			mutate func(b map[string]any)
			status int
			code   string
		}{
			{"UnknownClient", func(b map[string]any) { b["clientId"] = "nope" }, 400, "error.platform.unauthorized"},
			{"WrongSecret", func(b map[string]any) { b["clientSecret"] = "wrong" }, 400, "error.platform.unauthorized"},
			{"MissingClientID", func(b map[string]any) { delete(b, "clientId") }, 400, "error.platform.inputCannotBeParsed"},
			{"MissingPublicKey", func(b map[string]any) { delete(b, "identityPublicKey") }, 400, "error.platform.inputCannotBeParsed"},
			{"MissingSignedChallenge", func(b map[string]any) { delete(b, "signedChallenge") }, 400, "error.platform.inputCannotBeParsed"},
			{"NullIdentityVersion", func(b map[string]any) { b["identityVersion"] = nil }, 400, "error.platform.inputCannotBeParsed"},
			{"WrongTypeIdentityVersion", func(b map[string]any) { b["identityVersion"] = map[string]any{} }, 400, "error.platform.inputCannotBeParsed"},
			{"IdentityVersionOutOfRange", func(b map[string]any) { b["identityVersion"] = 256 }, 400, "error.platform.validation.invalidPropertyValue"},
			{"WrongTypePassword", func(b map[string]any) { b["devicePassword"] = 5 }, 400, "error.platform.inputCannotBeParsed"},
			{"EmptyPassword", func(b map[string]any) { b["devicePassword"] = "" }, 400, "error.platform.validation.invalidPropertyValue"},
			{"BadBase64PublicKey", func(b map[string]any) { b["identityPublicKey"] = "!!not base64!!" }, 400, "error.platform.inputCannotBeParsed"},
			{"PublicKeyNotJSON", func(b map[string]any) { b["identityPublicKey"] = base64.RawURLEncoding.EncodeToString([]byte("nope")) }, 400, "error.platform.validation.invalidPropertyValue"},
			{"PublicKeyAlgNotNumber", func(b map[string]any) {
				b["identityPublicKey"] = base64.RawURLEncoding.EncodeToString([]byte(`{"pub":"75-Xsd6VIUFd0M5FB3-2gaVfCqWIh0zMJ16NG8cXprc","alg":"x"}`))
			}, 400, "error.platform.validation.invalidPropertyValue"},
			{"PublicKeyNot32Bytes", func(b map[string]any) {
				b["identityPublicKey"] = base64.RawURLEncoding.EncodeToString([]byte(`{"pub":"AAAA","alg":3}`))
			}, 400, "error.platform.validation.invalidPropertyValue"},
			{"SignatureNotJSON", func(b map[string]any) {
				b["signedChallenge"].(map[string]any)["signature"] = base64.RawURLEncoding.EncodeToString([]byte("x"))
			}, 400, "error.platform.validation.device.invalidSignature"},
			{"WrongSignature", func(b map[string]any) {
				other := backbonetest.NewKey()
				sc := b["signedChallenge"].(map[string]any)
				sc["signature"] = other.SignBase64(sc["challenge"].(string))
			}, 400, "error.platform.validation.device.invalidSignature"},
			{"UnknownChallenge", func(b map[string]any) {
				key := backbonetest.NewKey()
				c := backbonetest.ChallengeJSON("CHLaaaaaaaaaaaaaaaaa", time.Now().Add(time.Hour), "", "")
				b["identityPublicKey"] = key.WrapperBase64()
				b["signedChallenge"] = map[string]any{"challenge": c, "signature": key.SignBase64(c)}
			}, 404, "error.platform.recordNotFound"},
			{"ChallengeWithoutExpiresAt", func(b map[string]any) {
				key := backbonetest.NewKey()
				c := `{"id":"CHLaaaaaaaaaaaaaaaaa"}`
				b["identityPublicKey"] = key.WrapperBase64()
				b["signedChallenge"] = map[string]any{"challenge": c, "signature": key.SignBase64(c)}
			}, 400, "error.platform.validation.invalidPropertyValue"},
			{"InvalidLanguage", func(b map[string]any) { b["deviceCommunicationLanguage"] = "fra" }, 400, "error.platform.validation.invalidDeviceCommunicationLanguage"},
		}
		for _, tc := range bad {
			t.Run("BadInput/"+tc.name, func(t *testing.T) {
				body, _ := s.identityBody()
				tc.mutate(body)
				expectError(t, s.do("POST", "/api/v2/Identities", "", body), tc.status, tc.code)
			})
		}
		t.Run("BadInput/MalformedJSON", func(t *testing.T) {
			for _, raw := range []string{`{`, `[]`, `"x"`, `{"clientId": }`, ``} {
				expectError(t, s.do("POST", "/api/v2/Identities", "", raw), 400, "error.platform.inputCannotBeParsed")
			}
		})
		t.Run("BadInput/ExpiredChallenge", func(t *testing.T) {
			body, _ := s.identityBody()
			s.env.Clock.Advance(11 * time.Minute)
			expectError(t, s.do("POST", "/api/v2/Identities", "", body), 400, "error.platform.validation.device.challengeHasExpired")
		})
		t.Run("BadInput/SameKeyTwiceIsAddressAlreadyExistsAndKeepsTheFirst", func(t *testing.T) {
			body, key := s.identityBody()
			first := s.do("POST", "/api/v2/Identities", "", body)
			require.Equal(t, http.StatusCreated, first.Status)
			body2, _ := s.identityBody()
			sc := body2["signedChallenge"].(map[string]any)
			body2["identityPublicKey"] = key.WrapperBase64()
			sc["signature"] = key.SignBase64(sc["challenge"].(string))
			body2["devicePassword"] = "other"
			expectError(t, s.do("POST", "/api/v2/Identities", "", body2), 400, "error.platform.validation.device.addressAlreadyExists")
			username := first.result()["device"].(map[string]any)["username"].(string)
			assert.Equal(t, http.StatusOK, s.token(username, "pw").Status, "the first identity's credentials still work")
			assert.Equal(t, http.StatusBadRequest, s.token(username, "other").Status)
		})
		t.Run("ClientIdentityLimit", func(t *testing.T) {
			ctx := t.Context()
			limit := 1
			_, _, err := s.env.Backbone.Clients.Create(ctx, backbone.CreateClientRequest{ClientID: "limited", ClientSecret: "secret", MaxIdentities: &limit})
			require.NoError(t, err)
			for i, want := range []int{201, 400} {
				body, _ := s.identityBody()
				body["clientId"], body["clientSecret"] = "limited", "secret"
				r := s.do("POST", "/api/v2/Identities", "", body)
				require.Equal(t, want, r.Status, "identity %d: %s", i, r.Raw)
				if want == 400 {
					assert.Equal(t, "error.platform.validation.device.clientReachedIdentitiesLimit", r.errorCode())
				}
			}
		})
	})
}

func TestIsDeleted(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		a := s.createIdentity()
		r := s.do("GET", "/api/v2/Identities/IsDeleted?username="+a.Username, "", nil)
		require.Equal(t, http.StatusOK, r.Status)
		assert.JSONEq(t, `{"result":{"isDeleted":false,"deletionDate":null}}`, string(r.Raw))
		r = s.do("GET", "/api/v2/Identities/IsDeleted?USERNAME=USRaaaaaaaaaaaaaaaaa", "", nil)
		assert.JSONEq(t, `{"result":{"isDeleted":false,"deletionDate":null}}`, string(r.Raw), "unknown usernames are not deleted; query names are case-insensitive")
		expectError(t, s.do("GET", "/api/v2/Identities/IsDeleted", "", nil), 400, "error.platform.inputCannotBeParsed")
		expectError(t, s.do("GET", "/api/v2/Identities/IsDeleted?username=DVCaaaaaaaaaaaaaaaaa", "", nil), 400, "error.platform.validation.invalidPropertyValue")
	})
}

func TestFeatureFlags(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		a := s.createIdentity()
		path := "/api/v2/Identities/" + a.Address + "/FeatureFlags"
		r := s.do("GET", path, a.Token, nil)
		require.Equal(t, http.StatusOK, r.Status)
		assert.JSONEq(t, `{"result":{}}`, string(r.Raw))

		r = s.do("PATCH", "/api/v2/Identities/Self/FeatureFlags", a.Token, map[string]bool{"feature1": true, "feature2": false})
		require.Equal(t, http.StatusNoContent, r.Status, "%s", r.Raw)
		assert.Empty(t, r.Raw)
		require.Equal(t, http.StatusNoContent, s.do("PATCH", "/api/v2/Identities/Self/FeatureFlags", a.Token, map[string]bool{"feature2": true}).Status)
		r = s.do("GET", path, a.Token, nil)
		assert.JSONEq(t, `{"result":{"feature1":true,"feature2":true}}`, string(r.Raw), "unnamed flags stay")

		many := map[string]bool{}
		for i := range 199 {
			many[fmt.Sprintf("f%d", i)] = true
		}
		expectError(t, s.do("PATCH", "/api/v2/Identities/Self/FeatureFlags", a.Token, many), 400, "error.platform.validation.featureFlag.maxNumberOfFeatureFlagsExceeded")
		many["f0"] = false
		delete(many, "f1")
		many["feature1"] = false
		require.Equal(t, http.StatusNoContent, s.do("PATCH", "/api/v2/Identities/Self/FeatureFlags", a.Token, many).Status, "existing names do not count twice")

		expectError(t, s.do("PATCH", "/api/v2/Identities/Self/FeatureFlags", a.Token, map[string]bool{strings.Repeat("x", 201): true}), 400, "error.platform.validation.invalidPropertyValue")
		expectError(t, s.do("PATCH", "/api/v2/Identities/Self/FeatureFlags", a.Token, `{"x":"yes"}`), 400, "error.platform.inputCannotBeParsed")
		expectError(t, s.do("PATCH", "/api/v2/Identities/Self/FeatureFlags", a.Token, `[true]`), 400, "error.platform.inputCannotBeParsed")

		stranger := s.createIdentity()
		expectError(t, s.do("GET", path, stranger.Token, nil), 404, "error.platform.recordNotFound")
		expectError(t, s.do("GET", "/api/v2/Identities/did:e:localhost:dids:0000/FeatureFlags", a.Token, nil), 400, "error.platform.validation.invalidPropertyValue")
	})
}
