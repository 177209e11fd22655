package fcmpush

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// Operations an Error can come from.
const (
	// OpSend is the request to FCM's messages:send.
	OpSend = "send"
	// OpToken is the request for an access token to the token endpoint of
	// the service account.
	OpToken = "token"
)

// Error is an error reply of FCM or of the token endpoint. Send returns it
// (possibly inside a *driver.RetryAfterError); it unwraps to
// driver.ErrInvalidHandle or driver.ErrNotDeliverable when the reply says
// so, and to nothing when the failure is transient.
type Error struct {
	// Op is OpSend or OpToken.
	Op string
	// Account is the name of the service account used.
	Account string
	// StatusCode is the HTTP status of the reply.
	StatusCode int
	// Status is the canonical status of an FCM reply (NOT_FOUND,
	// UNAVAILABLE, …) or the OAuth error of a token reply (invalid_grant,
	// …); empty if the reply did not say.
	Status string
	// ErrorCode is the errorCode of the FcmError detail of an FCM reply
	// (UNREGISTERED, QUOTA_EXCEEDED, …); empty if there was none.
	ErrorCode string
	// Message is the reply's explanation, possibly empty.
	Message string

	kind error // driver.ErrInvalidHandle, driver.ErrNotDeliverable or nil
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "fcmpush: %s (service account %q): HTTP %d", e.Op, e.Account, e.StatusCode)
	if e.Status != "" {
		b.WriteString(" " + e.Status)
	}
	if e.ErrorCode != "" {
		b.WriteString(" " + e.ErrorCode)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	return b.String()
}

// Unwrap returns driver.ErrInvalidHandle, driver.ErrNotDeliverable or nil.
func (e *Error) Unwrap() error { return e.kind }

// maxMessage bounds the explanation kept from a reply.
const maxMessage = 512

// fcmErrorType is the @type of the detail that carries FCM's error code.
const fcmErrorType = "type.googleapis.com/google.firebase.fcm.v1.FcmError"

// fcmErrorReply is the body of an FCM error reply (google.rpc.Status).
type fcmErrorReply struct {
	Error struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Status  string `json:"status"`
		Details []struct {
			Type      string `json:"@type"`
			ErrorCode string `json:"errorCode"`
		} `json:"details"`
	} `json:"error"`
}

// outcome is what a reply means for the caller.
type outcome int

const (
	transient      outcome = iota // retry later
	staleToken                    // drop the access token, retry later
	invalidHandle                 // driver.ErrInvalidHandle
	notDeliverable                // driver.ErrNotDeliverable
)

// codeOutcomes maps FCM error codes and canonical statuses to outcomes.
// Codes not listed are judged by the HTTP status.
var codeOutcomes = map[string]outcome{
	// FcmError codes.
	"UNREGISTERED":       invalidHandle,
	"INVALID_ARGUMENT":   invalidHandle, // also a malformed message, which we do not build
	"SENDER_ID_MISMATCH": invalidHandle,
	// The APNs certificate or web push key of the Firebase project is
	// missing or invalid (FCM answers 401): a configuration problem, not
	// an expired access token.
	"THIRD_PARTY_AUTH_ERROR": notDeliverable,
	"APNS_AUTH_ERROR":        notDeliverable, // its former name
	"QUOTA_EXCEEDED":         transient,
	"UNAVAILABLE":            transient,
	"INTERNAL":               transient,
	"UNSPECIFIED_ERROR":      transient,
	// Canonical statuses without an FcmError detail.
	"UNAUTHENTICATED":    staleToken,
	"PERMISSION_DENIED":  notDeliverable,
	"RESOURCE_EXHAUSTED": transient,
	"DEADLINE_EXCEEDED":  transient,
}

// statusOutcome judges a reply by its HTTP status alone.
func statusOutcome(code int) outcome {
	switch {
	case code == http.StatusUnauthorized:
		return staleToken
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500:
		return transient
	case code >= 400:
		return notDeliverable
	default:
		return transient
	}
}

// sendOutcome judges an FCM error reply: by its FcmError code, else by its
// canonical status, else by its HTTP status.
func sendOutcome(e *Error) outcome {
	for _, c := range []string{e.ErrorCode, e.Status} {
		if o, ok := codeOutcomes[c]; ok {
			return o
		}
	}
	return statusOutcome(e.StatusCode)
}

// parseSendError fills e from the body of an FCM error reply.
func parseSendError(e *Error, body []byte) {
	var r fcmErrorReply
	if json.Unmarshal(body, &r) != nil {
		return
	}
	e.Status = r.Error.Status
	e.Message = truncate(r.Error.Message)
	for _, d := range r.Error.Details {
		if d.Type == fcmErrorType && d.ErrorCode != "" {
			e.ErrorCode = d.ErrorCode
			break
		}
	}
}

// finish sets e's kind from o and wraps e in a *driver.RetryAfterError when
// the failure is transient and the reply asked for a pause.
func finish(e *Error, o outcome, h http.Header, now time.Time) error {
	switch o {
	case invalidHandle:
		e.kind = driver.ErrInvalidHandle
	case notDeliverable:
		e.kind = driver.ErrNotDeliverable
	case transient:
		if d, ok := retryAfter(h, now); ok {
			return &driver.RetryAfterError{After: d, Err: e}
		}
	}
	return e
}

// classifyToken judges an error reply of the token endpoint: a refused
// grant (invalid_grant, unauthorized_client, invalid_client, …, all 4xx)
// is a configuration problem and not deliverable; 408, 429 and 5xx are
// transient.
func classifyToken(e *Error, h http.Header, now time.Time) error {
	e.Message = truncate(e.Message)
	o := statusOutcome(e.StatusCode)
	if o == staleToken { // 401 from the token endpoint: the client is refused
		o = notDeliverable
	}
	return finish(e, o, h, now)
}

// maxRetryAfter caps the pause a reply may ask for.
const maxRetryAfter = 24 * time.Hour

// retryAfter reads the Retry-After header, in seconds or as an HTTP date.
// It reports false if there is none, it cannot be read or it asks for no
// pause.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n > int64(maxRetryAfter/time.Second) {
			n = int64(maxRetryAfter / time.Second)
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = min(t.Sub(now), maxRetryAfter)
	} else {
		return 0, false
	}
	if d <= 0 {
		return 0, false
	}
	return d, true
}

func truncate(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	// Cut on a rune boundary.
	i := maxMessage
	for i > 0 && s[i]&0xC0 == 0x80 {
		i--
	}
	return s[:i] + "…"
}
