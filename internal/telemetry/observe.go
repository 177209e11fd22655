package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// RouteRecorder gives the handler a context in which it notes the route
// pattern it served, and returns the function that reads it afterwards;
// httpapi.RecordRoute is one.
type RouteRecorder func(ctx context.Context) (context.Context, func() string)

// errorBodyLimit is how much of an error response is kept to find its
// code; the API's error envelopes are far smaller.
const errorBodyLimit = 4096

// codePattern is what an API error code looks like; anything else in a body
// (an embedder's own error format) is not used as a label.
var codePattern = regexp.MustCompile(`^error\.[A-Za-z0-9]+(\.[A-Za-z0-9]+)+$`)

// observe counts and times each request by route, counts error responses by
// their API code, and names the current span (if tracing put one in the
// context) after the route.
func (m *Metrics) observe(next http.Handler, record RouteRecorder) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx, route := record(r.Context())
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r.WithContext(ctx))
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		pattern := route()
		if pattern == "" {
			pattern = "unmatched"
		}
		if span := trace.SpanFromContext(ctx); span.IsRecording() {
			span.SetName(r.Method + " " + pattern)
			span.SetAttributes(attribute.String("http.route", pattern))
		}
		if m == nil {
			return
		}
		code, method := strconv.Itoa(status), methodLabel(r.Method)
		m.requests.WithLabelValues(method, pattern, code).Inc()
		m.duration.WithLabelValues(method, pattern, code).Observe(time.Since(start).Seconds())
		if status >= 400 {
			if apiCode := errorCode(rec.body.Bytes()); apiCode != "" {
				m.errors.WithLabelValues(apiCode, code).Inc()
			}
		}
	})
}

// methodLabel keeps made-up methods from adding label values.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

// errorCode reads the code of an {"error": {"code": …}} envelope.
func errorCode(body []byte) string {
	var env struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &env) != nil || !codePattern.MatchString(env.Error.Code) {
		return ""
	}
	return env.Error.Code
}

// recorder notes the status and keeps the start of error bodies.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if r.status >= 400 && r.body.Len() < errorBodyLimit && strings.Contains(r.Header().Get("Content-Type"), "json") {
		r.body.Write(b[:min(len(b), errorBodyLimit-r.body.Len())])
	}
	return r.ResponseWriter.Write(b)
}

// Flush keeps server-sent event streams flowing.
func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
