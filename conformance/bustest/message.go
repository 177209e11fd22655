package bustest

import (
	"bytes"
	"maps"
	"strings"
	"testing"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

func testMessage(t *testing.T, newHarness HarnessMaker) {
	// roundTrip publishes m to a fresh subscription and returns what arrives.
	roundTrip := func(e *env, m driver.Message) driver.Message {
		e.t.Helper()
		topic := e.topic()
		s := e.subscribe(e.bus, topic, "a")
		e.publish(e.bus, topic, m)
		d := e.receive(s, "the published message")
		d.Ack()
		return d.Message()
	}

	rule(t, newHarness, "IDAndMetadataRoundTrip", func(e *env) {
		sent := driver.Message{
			ID:   "IdentityCreated/did:e:localhost:dids:0123456789abcdef012345-a1b",
			Body: []byte(`{"Address":"did:e:localhost:dids:0123456789abcdef012345"}`),
			Metadata: map[string]string{
				"CorrelationId": "7f1c0f7e-3c1b-4c43-9a4e-1d2c3b4a5f60",
				"event-name":    "IdentityCreated",
				"with space":    "a value with spaces, commas; and = signs",
				"unicode":       "Grüße ✓",
				"empty":         "",
			},
		}
		got := roundTrip(e, sent)
		if got.ID != sent.ID {
			e.failf("ID: got %q, want %q", got.ID, sent.ID)
		}
		if !maps.Equal(got.Metadata, sent.Metadata) {
			e.failf("Metadata: got %q, want %q", got.Metadata, sent.Metadata)
		}
		if !bytes.Equal(got.Body, sent.Body) {
			e.failf("Body: got %q, want %q", got.Body, sent.Body)
		}
	})

	rule(t, newHarness, "BinaryBodyRoundTrips", func(e *env) {
		body := make([]byte, 512)
		for i := range body {
			body[i] = byte(i) // every byte value, invalid UTF-8 included
		}
		if got := roundTrip(e, driver.Message{ID: "binary", Body: body}); !bytes.Equal(got.Body, body) {
			e.failf("Body: got %d bytes %x…, want %d bytes %x…", len(got.Body), head(got.Body), len(body), head(body))
		}
	})

	rule(t, newHarness, "LargeBodyRoundTrips", func(e *env) {
		body := []byte(strings.Repeat("0123456789abcdef", 128<<10/16)) // 128 KiB
		if got := roundTrip(e, driver.Message{ID: "large", Body: body}); !bytes.Equal(got.Body, body) {
			e.failf("Body: got %d bytes, want %d", len(got.Body), len(body))
		}
	})

	rule(t, newHarness, "EmptyMessageRoundTrips", func(e *env) {
		got := roundTrip(e, driver.Message{})
		if got.ID != "" || len(got.Body) != 0 || len(got.Metadata) != 0 {
			e.failf("sent a message without ID, body or metadata; received ID %q, body %q, metadata %q", got.ID, got.Body, got.Metadata)
		}
	})
}

func head(b []byte) []byte { return b[:min(len(b), 16)] }
