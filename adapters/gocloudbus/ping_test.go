package gocloudbus

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPingReachesTheBrokerUntilClosed(t *testing.T) {
	for name, rawURL := range map[string]func(t *testing.T) string{
		"mem": func(*testing.T) string { return "mem://" },
		"rabbit": func(t *testing.T) string {
			return "rabbit://?server=" + url.QueryEscape(testServer(t, "OPENBACKBONE_TEST_RABBITMQ_URL"))
		},
		"nats": func(t *testing.T) string {
			return "nats://?server=" + url.QueryEscape(testServer(t, "OPENBACKBONE_TEST_NATS_URL"))
		},
	} {
		t.Run(name, func(t *testing.T) {
			b, err := Open(t.Context(), rawURL(t), Options{})
			require.NoError(t, err)
			require.NoError(t, b.Ping(t.Context()))
			require.NoError(t, b.Close())
			assert.ErrorIs(t, b.Ping(t.Context()), ErrClosed)
		})
	}
}
