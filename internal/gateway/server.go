package gateway

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Limits bound what one request may take of the server. Zero leaves a
// limit at net/http's default (none for the timeouts, 1 MiB of headers).
type Limits struct {
	// MaxHeaderBytes bounds the request line and headers; beyond it
	// net/http answers 431.
	MaxHeaderBytes int
	// ReadHeaderTimeout is how long a client may take to send its request
	// line and headers: it cuts off slow-loris clients.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included;
	// WriteTimeout bounds the time from the end of the headers to the end
	// of the response. Streams (StreamingPaths) are exempt from both.
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
	// IdleTimeout is how long a kept-alive connection may wait for its
	// next request.
	IdleTimeout time.Duration
}

// Validate reports negative limits.
func (l Limits) Validate() error {
	if l.MaxHeaderBytes < 0 || l.ReadHeaderTimeout < 0 || l.ReadTimeout < 0 || l.WriteTimeout < 0 || l.IdleTimeout < 0 {
		return errors.New("limits and timeouts must not be negative")
	}
	return nil
}

// Apply sets the limits on srv.
func (l Limits) Apply(srv *http.Server) {
	srv.MaxHeaderBytes = l.MaxHeaderBytes
	srv.ReadHeaderTimeout = l.ReadHeaderTimeout
	srv.ReadTimeout = l.ReadTimeout
	srv.WriteTimeout = l.WriteTimeout
	srv.IdleTimeout = l.IdleTimeout
}

// Streams lifts the read and write deadlines of the server for GET
// requests to paths: server-sent-event streams stay open for hours, and a
// deadline would cut them (the read deadline too, because net/http ends a
// request whose connection's background read fails). Every other request
// keeps the server's timeouts.
func Streams(next http.Handler, paths ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Case-insensitive, as the API routes them.
		if r.Method == http.MethodGet && slices.ContainsFunc(paths, func(p string) bool { return strings.EqualFold(p, r.URL.Path) }) {
			rc := http.NewResponseController(w)
			// Errors mean the writer cannot change deadlines (HTTP/2 in
			// tests, wrappers); the stream then lives by the server's.
			_ = rc.SetReadDeadline(time.Time{})
			_ = rc.SetWriteDeadline(time.Time{})
		}
		next.ServeHTTP(w, r)
	})
}

// TLSConfig loads the certificate chain and key (PEM files) for serving
// HTTPS with TLS 1.2 at least.
func TLSConfig(certFile, keyFile string) (*tls.Config, error) {
	if certFile == "" || keyFile == "" {
		return nil, errors.New("tls: give both certFile and keyFile")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}, nil
}
