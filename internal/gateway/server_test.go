package gateway

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/internal/gateway/gatewaytest"
)

// serve runs h on a loopback listener with the limits and returns its
// address.
func serve(t *testing.T, h http.Handler, l Limits) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: h}
	l.Apply(srv)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

func TestSlowHeadersAreCutOff(t *testing.T) {
	addr := serve(t, okHandler, Limits{ReadHeaderTimeout: 200 * time.Millisecond})
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	// A slow-loris client: a header line every 50ms, never the blank line
	// that ends them. The server must hang up on it.
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		_, _ = io.Copy(io.Discard, conn) // returns when the server closes
	}()
	_, err = fmt.Fprint(conn, "GET /api/v2/Version HTTP/1.1\r\nHost: x\r\n")
	require.NoError(t, err)
	for i := 0; ; i++ {
		select {
		case <-closed:
			assert.Greater(t, i, 0, "the client was heard before being cut off")
			return
		case <-time.After(50 * time.Millisecond):
		}
		if _, err := fmt.Fprintf(conn, "X-Slow-%d: y\r\n", i); err != nil {
			return // the server closed the connection under us
		}
		require.Less(t, i, 600, "the server is still reading headers after 30s")
	}
}

func TestOversizedHeadersAreRefused(t *testing.T) {
	addr := serve(t, okHandler, Limits{MaxHeaderBytes: 4096})
	req, err := http.NewRequest("GET", "http://"+addr+"/api/v2/Version", nil)
	require.NoError(t, err)
	req.Header.Set("X-Big", strings.Repeat("a", 10_000))
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, res.StatusCode)
}

// ticker writes a line every 50ms for a second, as an SSE stream does with
// its events.
var ticker = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	for i := range 20 {
		if _, err := fmt.Fprintf(w, "event: tick%d\n\n", i); err != nil {
			return
		}
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
})

func countTicks(t *testing.T, url string) int {
	t.Helper()
	res, err := http.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	n := 0
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "event: tick") {
			n++
		}
	}
	return n
}

func TestStreamsOutliveTheServerTimeouts(t *testing.T) {
	limits := Limits{ReadTimeout: 300 * time.Millisecond, WriteTimeout: 300 * time.Millisecond}
	addr := serve(t, Streams(ticker, "/api/v2/sse"), limits)
	assert.Equal(t, 20, countTicks(t, "http://"+addr+"/api/v2/sse"), "the stream runs to its end")
	assert.Equal(t, 20, countTicks(t, "http://"+addr+"/API/V2/SSE"), "paths are case-insensitive, as the API's routes")
	// Without the exemption the same handler is cut by the timeouts, which
	// shows the test exercises them.
	assert.Less(t, countTicks(t, "http://"+addr+"/api/v2/other"), 20)
}

func TestTLSServesTLS12AndUp(t *testing.T) {
	certFile, keyFile, pool := gatewaytest.SelfSigned(t, t.TempDir())
	cfg, err := TLSConfig(certFile, keyFile)
	require.NoError(t, err)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	require.NoError(t, err)
	// The refused handshake is logged; keep it out of the test output.
	srv := &http.Server{Handler: okHandler, ErrorLog: log.New(io.Discard, "", 0)}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	client := func(maxVersion uint16) *http.Client {
		return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS10, MaxVersion: maxVersion}}}
	}
	res, err := client(0).Get("https://" + ln.Addr().String() + "/api/v2/Version")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)
	_, err = client(tls.VersionTLS11).Get("https://" + ln.Addr().String() + "/api/v2/Version")
	assert.ErrorContains(t, err, "protocol version", "the server refuses TLS 1.1")
}

func TestTLSConfigErrors(t *testing.T) {
	_, err := TLSConfig("", "key.pem")
	assert.ErrorContains(t, err, "both")
	_, err = TLSConfig(filepath.Join(t.TempDir(), "missing.pem"), filepath.Join(t.TempDir(), "missing.key"))
	assert.ErrorContains(t, err, "tls")
}

func TestLimitsValidation(t *testing.T) {
	assert.NoError(t, Limits{}.Validate())
	assert.Error(t, Limits{WriteTimeout: -time.Second}.Validate())
}
