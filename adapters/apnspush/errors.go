package apnspush

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// ResponseError is the error of Send when APNs answers with a status other
// than 200. It wraps driver.ErrInvalidHandle or driver.ErrNotDeliverable
// where the reply says so (see the package documentation); otherwise the
// failure is transient. When APNs asked for a pause, Send returns it inside
// a *driver.RetryAfterError.
type ResponseError struct {
	// StatusCode is the HTTP status of the reply.
	StatusCode int
	// Reason is the reason APNs gave ("BadDeviceToken", "Unregistered",
	// …); empty if the reply had none.
	Reason string
	// APNsID is the apns-id header of the reply, which Apple support asks
	// for; may be empty.
	APNsID string
	// Timestamp is when APNs last knew the token as valid, for 410
	// replies that carry it; zero otherwise.
	Timestamp time.Time

	kind error // driver.ErrInvalidHandle, driver.ErrNotDeliverable or nil
}

func (e *ResponseError) Error() string {
	reason := e.Reason
	if reason == "" {
		reason = http.StatusText(e.StatusCode)
	}
	msg := fmt.Sprintf("apnspush: APNs answered %d %s", e.StatusCode, reason)
	if e.APNsID != "" {
		msg += " (apns-id " + e.APNsID + ")"
	}
	if e.kind != nil {
		msg += ": " + e.kind.Error()
	}
	return msg
}

// Unwrap returns driver.ErrInvalidHandle or driver.ErrNotDeliverable, or nil
// for a transient failure.
func (e *ResponseError) Unwrap() error { return e.kind }

// providerTokenRejected reports whether APNs refused the provider token
// itself, so that a new one must be signed.
func (e *ResponseError) providerTokenRejected() bool {
	return e.StatusCode == http.StatusForbidden &&
		(e.Reason == "ExpiredProviderToken" || e.Reason == "InvalidProviderToken")
}

// newResponseError reads an APNs error reply (body is its beginning) and
// classifies it.
func newResponseError(resp *http.Response, body []byte) *ResponseError {
	var reply struct {
		Reason    string `json:"reason"`
		Timestamp int64  `json:"timestamp"` // milliseconds since the epoch
	}
	_ = json.Unmarshal(body, &reply) // a proxy's HTML page has no reason
	e := &ResponseError{
		StatusCode: resp.StatusCode,
		Reason:     reply.Reason,
		APNsID:     resp.Header.Get("Apns-Id"),
	}
	if reply.Timestamp > 0 {
		e.Timestamp = time.UnixMilli(reply.Timestamp).UTC()
	}
	e.kind = classify(e.StatusCode, e.Reason)
	return e
}

// classify maps an APNs reply to driver.ErrInvalidHandle,
// driver.ErrNotDeliverable or nil (transient).
func classify(status int, reason string) error {
	switch status {
	case http.StatusGone: // Unregistered, ExpiredToken
		return driver.ErrInvalidHandle
	case http.StatusBadRequest:
		switch reason {
		case "BadDeviceToken", "DeviceTokenNotForTopic", "MissingDeviceToken":
			// A token of the other environment, of another app, or
			// garbage: it will never work.
			return driver.ErrInvalidHandle
		case "IdleTimeout":
			// The connection idled out; a new one works.
			return nil
		}
		return driver.ErrNotDeliverable
	case http.StatusForbidden:
		switch reason {
		case "ExpiredProviderToken", "InvalidProviderToken":
			// The cached token is dropped; the retry signs a new one.
			return nil
		}
		return driver.ErrNotDeliverable
	case http.StatusTooManyRequests:
		return nil
	}
	if status >= 400 && status < 500 {
		// 404 BadPath, 405 MethodNotAllowed, 413 PayloadTooLarge and
		// whatever else is the request's fault: sending it again
		// gets the same answer.
		return driver.ErrNotDeliverable
	}
	// 500 InternalServerError, 503 ServiceUnavailable or Shutdown, a
	// proxy's 502 or 504, anything unexpected.
	return nil
}

// retryAfter reads the Retry-After header of resp: delay seconds or an HTTP
// date. It reports false if there is none, it cannot be read or it asks for
// no pause; a pause longer than maxRetryAfter is cut to it.
func retryAfter(resp *http.Response, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0, false
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	} else {
		return 0, false
	}
	if d <= 0 {
		return 0, false
	}
	return min(d, maxRetryAfter), true
}
