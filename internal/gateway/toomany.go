package gateway

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/openbackbone/openbackbone/backbone"
)

// CodeTooManyRequests is the error code of a request refused by the rate
// limiter. The reference has no rate limiter and so no code; this one
// follows its error.platform.* naming, beside error.platform.quotaExhausted
// (also a 429), which clients already know as a refusal to retry later.
const CodeTooManyRequests = "error.platform.tooManyRequests"

// writeTooMany answers 429 in the API's error envelope with Retry-After in
// whole seconds, rounded up so a client that waits that long is let in.
func writeTooMany(w http.ResponseWriter, retryAfter time.Duration) {
	secs := int64((retryAfter + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	body, _ := json.Marshal(map[string]any{"error": map[string]any{
		"id": backbone.NewErrorID(), "code": CodeTooManyRequests,
		"message": "Too many requests. Retry after " + strconv.FormatInt(secs, 10) + " seconds.",
		"docs":    "", "time": time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), "data": nil,
	}})
	h := w.Header()
	h.Set("Retry-After", strconv.FormatInt(secs, 10))
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// The refusal is answered before the API's middleware, which sets the
	// security headers on everything else.
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "Deny")
	h.Set("Strict-Transport-Security", "max-age=5184000; includeSubDomains")
	h.Set("Content-Security-Policy", "object-src 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = w.Write(body)
}
