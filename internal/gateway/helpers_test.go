package gateway

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"
)

// syncWriter lets handlers of several goroutines log into one builder.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func newTestLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(&syncWriter{w: w}, nil))
}

// brokenLimiter fails every take, as a limiter whose backend is gone.
type brokenLimiter struct{}

func (brokenLimiter) Take(context.Context, string, Rule) (bool, time.Duration, error) {
	return false, 0, errors.New("backend gone")
}
func (brokenLimiter) Close() error { return nil }
