package httpapi_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone"
)

func (s *server) basicTierID() string {
	s.t.Helper()
	r := s.admin("GET", "/api/v1/Tiers", nil)
	require.Equal(s.t, http.StatusOK, r.Status, "%s", r.Raw)
	for _, t := range r.JSON["result"].([]any) {
		if t.(map[string]any)["name"] == backbone.BasicTierName {
			return t.(map[string]any)["id"].(string)
		}
	}
	s.t.Fatal("no Basic tier")
	return ""
}

func (s *server) createToken(a account) response {
	s.t.Helper()
	return s.do("POST", "/api/v2/Tokens", a.Token, map[string]any{"content": "AAAA", "expiresAt": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
}

func TestQuotasOverHTTP(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		// Keep the day of the checks below the day of the token.
		if now := s.env.Clock.Now(); now.Truncate(time.Hour).Add(time.Hour).Sub(now) < time.Minute {
			s.env.Clock.Advance(2 * time.Minute)
		}
		a := s.createIdentity()
		r := s.do("GET", "/api/v2/Quotas", a.Token, nil)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Raw)
		assert.JSONEq(t, `{"result":[]}`, string(r.Raw), "no quotas: an empty list")
		assert.Equal(t, http.StatusUnauthorized, s.do("GET", "/api/v2/Quotas", "", nil).Status)

		metrics := s.admin("GET", "/api/v1/Metrics", nil)
		require.Equal(t, http.StatusOK, metrics.Status, "%s", metrics.Raw)
		require.Len(t, metrics.JSON["result"], 10)
		assert.Contains(t, metrics.JSON["result"], map[string]any{"key": "UsedFileStorageSpace", "displayName": "File Storage Capacity (in Megabytes)"})
		assert.Equal(t, http.StatusUnauthorized, s.do("GET", "/api/v1/Metrics", "", nil).Status, "the Admin API needs its key")

		// Tier quotas: created with the period's name or number.
		basic := s.basicTierID()
		tq := s.admin("POST", "/api/v1/Tiers/"+basic+"/Quotas", map[string]any{"metricKey": "NumberOfTokens", "max": 1, "period": "Day"})
		require.Equal(t, http.StatusCreated, tq.Status, "%s", tq.Raw)
		assert.Regexp(t, `^TQD[A-Za-z0-9]{17}$`, tq.result()["id"])
		assert.Equal(t, map[string]any{"key": "NumberOfTokens", "displayName": "Number of Tokens"}, tq.result()["metric"])
		assert.EqualValues(t, 1, tq.result()["max"])
		assert.Equal(t, "Day", tq.result()["period"])
		files := s.admin("POST", "/api/v1/Tiers/"+basic+"/Quotas", map[string]any{"metricKey": "NumberOfFiles", "max": 100, "period": 5})
		require.Equal(t, http.StatusCreated, files.Status, "%s", files.Raw)
		assert.Equal(t, "Total", files.result()["period"])
		details := s.admin("GET", "/api/v1/Tiers/"+basic, nil)
		require.Equal(t, http.StatusOK, details.Status, "%s", details.Raw)
		assert.Len(t, details.result()["quotas"], 2)

		for _, c := range []struct {
			tier   string
			body   map[string]any
			status int
			code   string
		}{
			{basic, map[string]any{"metricKey": "NumberOfTokens", "max": 5, "period": "Day"}, 400, backbone.CodeDuplicateQuota},
			{basic, map[string]any{"metricKey": "NumberOfThings", "max": 5, "period": "Day"}, 400, backbone.CodeUnsupportedMetricKey},
			{basic, map[string]any{"metricKey": "NumberOfTokens", "max": 0, "period": "Week"}, 400, backbone.CodeInvalidPropertyValue},
			{basic, map[string]any{"metricKey": "NumberOfTokens", "max": 1, "period": "Fortnight"}, 400, backbone.CodeInvalidPropertyValue},
			{basic, map[string]any{"metricKey": "NumberOfTokens", "max": 1, "period": 9}, 400, backbone.CodeInvalidPropertyValue},
			{basic, map[string]any{"metricKey": "NumberOfTokens", "max": 1.5, "period": "Week"}, 400, backbone.CodeInputCannotBeParsed},
			{basic, map[string]any{"metricKey": "NumberOfTokens", "period": "Week"}, 400, backbone.CodeInvalidPropertyValue},
			{backbone.QueuedForDeletionTierID, map[string]any{"metricKey": "NumberOfTokens", "max": 1, "period": "Week"}, 400, backbone.CodeCannotCreateOrDeleteQuotaOnQfDTier},
			{backbone.NewID(backbone.PrefixTier), map[string]any{"metricKey": "NumberOfTokens", "max": 1, "period": "Week"}, 404, backbone.CodeRecordNotFound},
		} {
			expectError(t, s.admin("POST", "/api/v1/Tiers/"+c.tier+"/Quotas", c.body), c.status, c.code)
		}

		// The token uses up the tier quota once the consumer counted it;
		// until then more tokens are created.
		require.Equal(t, http.StatusCreated, s.createToken(a).Status)
		created := 1
		var refused response
		require.Eventually(t, func() bool {
			refused = s.createToken(a)
			if refused.Status == http.StatusCreated {
				created++
			}
			return refused.Status == http.StatusTooManyRequests
		}, 15*time.Second, 20*time.Millisecond)
		expectError(t, refused, http.StatusTooManyRequests, backbone.CodeQuotaExhausted)
		y, m, d := s.env.Clock.Now().UTC().Date()
		dayEnd := time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
		assert.Equal(t, []any{map[string]any{"metricKey": "NumberOfTokens", "isExhaustedUntil": dayEnd.Add(-time.Millisecond).Format("2006-01-02T15:04:05.000Z")}},
			refused.JSON["error"].(map[string]any)["data"])
		expectError(t, s.do("POST", "/api/v2/Tokens", a.Token, map[string]any{"content": "AAAA", "expiresAt": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)}),
			http.StatusBadRequest, backbone.CodeInvalidPropertyValue)

		r = s.do("GET", "/api/v2/Quotas", a.Token, nil)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Raw)
		assert.JSONEq(t, `{"result":[
			{"metricKey":"NumberOfFiles","quotas":[{"source":"Tier","metricKey":"NumberOfFiles","max":100,"usage":0,"period":"Total"}]},
			{"metricKey":"NumberOfTokens","quotas":[{"source":"Tier","metricKey":"NumberOfTokens","max":1,"usage":`+strconv.Itoa(created)+`,"period":"Day"}]}]}`, string(r.Raw))

		// An individual quota overrides the tier's at once.
		iq := s.admin("POST", "/api/v1/Identities/"+a.Address+"/Quotas", map[string]any{"metricKey": "NumberOfTokens", "max": created + 5, "period": "Hour"})
		require.Equal(t, http.StatusCreated, iq.Status, "%s", iq.Raw)
		assert.Regexp(t, `^QUO[A-Za-z0-9]{17}$`, iq.result()["id"])
		assert.Equal(t, "Hour", iq.result()["period"])
		require.Equal(t, http.StatusCreated, s.createToken(a).Status, "recomputed before the response")
		expectError(t, s.admin("POST", "/api/v1/Identities/"+a.Address+"/Quotas", map[string]any{"metricKey": "NumberOfTokens", "max": 3, "period": "Hour"}), 400, backbone.CodeDuplicateQuota)
		expectError(t, s.admin("POST", "/api/v1/Identities/"+backbone.AddressFromPublicKey([]byte("nobody"), "localhost")+"/Quotas", map[string]any{"metricKey": "NumberOfTokens", "max": 3, "period": "Hour"}), 404, backbone.CodeRecordNotFound)

		id := s.admin("GET", "/api/v1/Identities/"+a.Address, nil)
		require.Equal(t, http.StatusOK, id.Status, "%s", id.Raw)
		quotas := id.result()["quotas"].([]any)
		require.Len(t, quotas, 3)
		assert.Equal(t, map[string]any{"id": iq.result()["id"], "source": "Individual", "metric": map[string]any{"key": "NumberOfTokens", "displayName": "Number of Tokens"}, "max": float64(created + 5), "usage": float64(created + 1), "period": "Hour"}, quotas[0])

		r = s.do("GET", "/api/v2/Quotas", a.Token, nil)
		assert.Len(t, r.JSON["result"].([]any)[0].(map[string]any)["quotas"], 2, "NumberOfTokens: individual, then tier")

		// Without it the tier's quota applies again; without that, none.
		require.Equal(t, http.StatusNoContent, s.admin("DELETE", "/api/v1/Identities/"+a.Address+"/Quotas/"+iq.result()["id"].(string), nil).Status)
		expectError(t, s.admin("DELETE", "/api/v1/Identities/"+a.Address+"/Quotas/"+iq.result()["id"].(string), nil), 404, backbone.CodeRecordNotFound)
		expectError(t, s.createToken(a), http.StatusTooManyRequests, backbone.CodeQuotaExhausted)
		expectError(t, s.admin("DELETE", "/api/v1/Tiers/"+backbone.QueuedForDeletionTierID+"/Quotas/"+tq.result()["id"].(string), nil), 400, backbone.CodeCannotCreateOrDeleteQuotaOnQfDTier)
		require.Equal(t, http.StatusNoContent, s.admin("DELETE", "/api/v1/Tiers/"+basic+"/Quotas/"+tq.result()["id"].(string), nil).Status)
		require.Equal(t, http.StatusCreated, s.createToken(a).Status)
		expectError(t, s.admin("DELETE", "/api/v1/Tiers/"+basic+"/Quotas/"+tq.result()["id"].(string), nil), 404, backbone.CodeRecordNotFound)
	})
}
