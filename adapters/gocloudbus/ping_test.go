package gocloudbus

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbackbone/openbackbone/internal/testservices"
)

func TestPingReachesTheBrokerUntilClosed(t *testing.T) {
	for name, rawURL := range map[string]func(t *testing.T) string{
		"mem": func(*testing.T) string { return "mem://" },
		"rabbit": func(t *testing.T) string {
			return "rabbit://?server=" + url.QueryEscape(testservices.RabbitMQ(t))
		},
		"nats": func(t *testing.T) string {
			return "nats://?server=" + url.QueryEscape(testservices.NATS(t))
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
