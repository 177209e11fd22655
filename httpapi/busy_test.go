package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/backbone/driver"
)

// A store that gave up under contention is not a server failure: the
// client hears 503 with Retry-After and a code it can act on, even when a
// service wrapped the cause in an internal error on the way up.
func TestStoreGivingUpUnderContentionAnswers503WithRetryAfter(t *testing.T) {
	installErrorHook()
	mux := http.NewServeMux()
	api := humago.New(mux, huma.DefaultConfig("t", "1"))
	busy := fmt.Errorf("sqlstore: transaction gave up after 25 attempts: %w", driver.ErrBusy)
	huma.Register(api, huma.Operation{
		OperationID: "busy", Method: http.MethodPost, Path: "/busy",
		Metadata: map[string]any{metaOurs: slog.New(slog.DiscardHandler)},
	}, func(context.Context, *struct{}) (*struct{}, error) {
		return nil, &backbone.Error{Kind: backbone.KindInternal, Code: backbone.CodeUnexpected, Err: fmt.Errorf("backbone: assign events: %w", busy)}
	})

	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/busy", nil))
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	require.Equal(t, busyRetryAfter, rec.Header().Get("Retry-After"))
	var body errorEnvelope
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	require.Equal(t, backbone.CodeServiceUnavailable, body.Err.Code)
	require.NotContains(t, rec.Body.String(), "sqlstore", "internals stay in the log")

	// Any other internal failure stays a 500 without Retry-After.
	rec = httptest.NewRecorder()
	writeError(rec, backbone.AsError(fmt.Errorf("boom")))
	require.Equal(t, http.StatusInternalServerError, rec.Code)
	require.Empty(t, rec.Header().Get("Retry-After"))
}
