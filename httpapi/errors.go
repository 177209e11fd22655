package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/openbackbone/openbackbone/backbone"
)

// errorBody is the content of the error envelope.
type errorBody struct {
	ID      string    `json:"id"`
	Code    string    `json:"code"`
	Message string    `json:"message"`
	Docs    string    `json:"docs"`
	Time    time.Time `json:"time"`
	Data    any       `json:"data"`
}

// errorEnvelope is the body of every error response of the API.
type errorEnvelope struct {
	status int
	Err    errorBody `json:"error"`
}

func (e *errorEnvelope) Error() string  { return e.Err.Code + ": " + e.Err.Message }
func (e *errorEnvelope) GetStatus() int { return e.status }

// GetHeaders is Retry-After for a 503, for writeError.
func (e *errorEnvelope) GetHeaders() http.Header {
	if e.status != http.StatusServiceUnavailable {
		return nil
	}
	return http.Header{"Retry-After": {busyRetryAfter}}
}

// statusOf is the one mapping from error kinds to HTTP statuses.
var statusOf = map[backbone.Kind]int{
	backbone.KindInvalid:         http.StatusBadRequest,
	backbone.KindNotFound:        http.StatusNotFound,
	backbone.KindForbidden:       http.StatusForbidden,
	backbone.KindUnauthenticated: http.StatusUnauthorized,
	backbone.KindQuotaExhausted:  http.StatusTooManyRequests,
	backbone.KindUnavailable:     http.StatusServiceUnavailable,
	backbone.KindInternal:        http.StatusInternalServerError,
}

// busyRetryAfter is the Retry-After of a 503: the store's own retries have
// just spent seconds, so a client should not come back at once.
const busyRetryAfter = "2"

func envelope(e *backbone.Error) *errorEnvelope {
	status, ok := statusOf[e.Kind]
	if !ok {
		status = http.StatusInternalServerError
	}
	if status == http.StatusInternalServerError {
		// Never show internals to a client.
		e = &backbone.Error{Code: backbone.CodeUnexpected, Message: "An unexpected error occurred."}
	}
	return &errorEnvelope{status: status, Err: errorBody{
		ID: backbone.NewErrorID(), Code: e.Code, Message: e.Message, Time: time.Now().UTC(), Data: e.Data,
	}}
}

// metaOurs marks the operations this package registers, so the error hook
// leaves an embedder's own operations on a shared huma API alone.
const metaOurs = "openbackbone"

var installErrorHook = sync.OnceFunc(func() {
	previous := huma.NewErrorWithContext
	huma.NewErrorWithContext = func(ctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
		if ctx == nil || ctx.Operation() == nil || ctx.Operation().Metadata[metaOurs] == nil {
			return previous(ctx, status, msg, errs...)
		}
		logger, _ := ctx.Operation().Metadata[metaOurs].(*slog.Logger)
		return translateError(ctx, logger, status, msg, errs)
	}
})

// translateError turns what huma and the services report into the API's
// error envelope: service errors keep their code; huma's own binding and
// validation failures become inputCannotBeParsed, as ASP.NET model binding
// reports them in the reference.
func translateError(ctx huma.Context, logger *slog.Logger, status int, msg string, errs []error) huma.StatusError {
	for _, err := range errs {
		var be *backbone.Error
		if errors.Is(err, backbone.ErrBusy) || errors.As(err, &be) {
			be = backbone.AsError(err)
			if be.Kind == backbone.KindUnavailable {
				// huma takes headers only from the handler's own error.
				ctx.SetHeader("Retry-After", busyRetryAfter)
				if logger != nil {
					logger.WarnContext(ctx.Context(), "request gave up under contention", "operation", ctx.Operation().OperationID, "error", err)
				}
			}
			if be.Kind == backbone.KindInternal && logger != nil {
				logger.ErrorContext(ctx.Context(), "request failed", "operation", ctx.Operation().OperationID, "error", err)
			}
			return envelope(be)
		}
	}
	switch {
	case status == http.StatusRequestEntityTooLarge:
		return envelope(errBodyTooLarge)
	case status >= 400 && status < 500:
		return envelope(&backbone.Error{Kind: backbone.KindInvalid, Code: backbone.CodeInputCannotBeParsed, Message: bindingMessage(msg, errs)})
	}
	if logger != nil {
		logger.ErrorContext(ctx.Context(), "request failed", "operation", ctx.Operation().OperationID, "status", status, "message", msg, "errors", errs)
	}
	return envelope(&backbone.Error{Kind: backbone.KindInternal})
}

func bindingMessage(msg string, errs []error) string {
	parts := []string{}
	for _, err := range errs {
		var d *huma.ErrorDetail
		if errors.As(err, &d) {
			loc := strings.TrimPrefix(strings.TrimPrefix(d.Location, "body."), "query.")
			parts = append(parts, "'"+loc+"': "+d.Message)
		} else if err != nil {
			parts = append(parts, err.Error())
		}
	}
	if len(parts) == 0 {
		return "The input cannot be parsed: " + msg + "."
	}
	return strings.Join(parts, "; ")
}

var errBodyTooLarge = &backbone.Error{Kind: backbone.KindInvalid, Code: backbone.CodeRequestBodyTooLarge, Message: "The request body is too large."}

// writeError writes the error envelope outside huma (from router
// middleware).
func writeError(w http.ResponseWriter, e *backbone.Error) {
	env := envelope(e)
	body, _ := json.Marshal(env)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	for k, v := range env.GetHeaders() {
		w.Header()[k] = v
	}
	w.WriteHeader(env.status)
	_, _ = w.Write(body)
}

// missing reports a required JSON member that was absent or null.
func missing(property string) error {
	return &backbone.Error{Kind: backbone.KindInvalid, Code: backbone.CodeInputCannotBeParsed, Message: "'" + property + "': The " + property + " field is required."}
}

// badInput reports input that cannot be bound, outside huma's own binding.
func badInput(msg string) error {
	return &backbone.Error{Kind: backbone.KindInvalid, Code: backbone.CodeInputCannotBeParsed, Message: msg}
}
