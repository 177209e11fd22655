package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/openbackbone/openbackbone/backbone"
)

// maxBodyBytes is the reference's request body limit.
const maxBodyBytes = 20 << 20

const correlationHeader = "X-Correlation-ID"

// conventions wraps every response with the headers the reference sends:
// correlation ID (echoed or generated), request/response times, the
// security headers, and the charset on JSON.
func conventions(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now().UTC()
		id := sanitizeCorrelationID(r.Header.Get(correlationHeader))
		if id == "" {
			b := make([]byte, 16)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		h := w.Header()
		h.Set(correlationHeader, id)
		h.Set("X-Trace-Id", id)
		h.Set("X-Request-Time", start.Format(timeLayout))
		h.Set("Strict-Transport-Security", "max-age=5184000; includeSubDomains")
		h.Set("X-Frame-Options", "Deny")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if !strings.HasPrefix(r.URL.Path, "/docs") {
			// The docs page loads its scripts; everything else is JSON.
			h.Set("Content-Security-Policy", "object-src 'none'; form-action 'self'; frame-ancestors 'none'")
		}
		ctx, route := RecordRoute(r.Context())
		r = r.WithContext(ctx)
		rw := &responseWriter{ResponseWriter: w, start: start}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				logger.ErrorContext(r.Context(), "panic serving request", "method", r.Method, "path", r.URL.Path, "panic", p)
				if !rw.wroteHeader {
					writeError(rw, &backbone.Error{Kind: backbone.KindInternal})
				}
			}
		}()
		if r.ContentLength > maxBodyBytes {
			writeError(rw, errBodyTooLarge)
			return
		}
		next.ServeHTTP(rw, r)
		logRequest(logger, r, rw.status, time.Since(start), id, route())
	})
}

func sanitizeCorrelationID(s string) string {
	s = strings.NewReplacer("\r", "", "\n", "").Replace(strings.TrimSpace(s))
	if len(s) > 100 {
		s = s[:100]
	}
	return s
}

type responseWriter struct {
	http.ResponseWriter
	start       time.Time
	wroteHeader bool
	status      int
}

func (w *responseWriter) WriteHeader(status int) {
	if w.wroteHeader {
		return
	}
	w.wroteHeader, w.status = true, status
	h := w.Header()
	if ct := h.Get("Content-Type"); ct == "application/json" {
		h.Set("Content-Type", "application/json; charset=utf-8")
	}
	end := time.Now().UTC()
	h.Set("X-Response-Time", end.Format(timeLayout))
	h.Set("X-Response-Duration-ms", strconv.FormatInt(end.Sub(w.start).Milliseconds(), 10))
	w.ResponseWriter.WriteHeader(status)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Flush lets streaming responses (server-sent events) through.
func (w *responseWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
