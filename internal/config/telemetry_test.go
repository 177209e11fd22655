package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTelemetryDefaultsServeMetricsAndTraceNothing(t *testing.T) {
	c, err := Load(nil, func(string) string { return "" })
	require.NoError(t, err)
	assert.Equal(t, Metrics{Enabled: true}, c.Metrics)
	assert.Equal(t, Tracing{SampleRatio: 1, ServiceName: "openbackbone"}, c.Tracing)
}

func TestTelemetryFromFileAndEnvironment(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	require.NoError(t, os.WriteFile(path, []byte("landscape: dev\nmetrics:\n  listen: 127.0.0.1:9464\ntracing:\n  endpoint: http://collector:4318\n  sampleRatio: 0.5\n"), 0o600))
	env := map[string]string{"OPENBACKBONE_CONFIG": path, "OPENBACKBONE_TRACING_SAMPLERATIO": "0.25", "OPENBACKBONE_METRICS_ENABLED": "false"}
	c, err := Load(nil, func(k string) string { return env[k] })
	require.NoError(t, err)
	assert.Equal(t, Metrics{Enabled: false, Listen: "127.0.0.1:9464"}, c.Metrics)
	assert.Equal(t, Tracing{Endpoint: "http://collector:4318", SampleRatio: 0.25, ServiceName: "openbackbone"}, c.Tracing)
}

func TestTelemetryMistakesAreReported(t *testing.T) {
	for key, value := range map[string]string{
		"OPENBACKBONE_TRACING_SAMPLERATIO": "2",
		"OPENBACKBONE_TRACING_ENDPOINT":    "collector:4318",
		"OPENBACKBONE_METRICS_LISTEN":      "127.0.0.1:8080",
	} {
		_, err := Load(nil, func(k string) string {
			if k == key {
				return value
			}
			return ""
		})
		assert.Error(t, err, key)
	}
	_, err := Load(nil, func(k string) string {
		if k == "OPENBACKBONE_TRACING_SAMPLERATIO" {
			return "half"
		}
		return ""
	})
	assert.ErrorContains(t, err, "OPENBACKBONE_TRACING_SAMPLERATIO")
}
