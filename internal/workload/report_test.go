package workload

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPercentileIsNearestRank(t *testing.T) {
	var sorted []time.Duration
	for i := 1; i <= 100; i++ {
		sorted = append(sorted, time.Duration(i)*time.Millisecond)
	}
	assert.Equal(t, 50*time.Millisecond, percentile(sorted, 50))
	assert.Equal(t, 95*time.Millisecond, percentile(sorted, 95))
	assert.Equal(t, 99*time.Millisecond, percentile(sorted, 99))
	one := []time.Duration{7 * time.Millisecond}
	assert.Equal(t, 7*time.Millisecond, percentile(one, 50))
	assert.Equal(t, 7*time.Millisecond, percentile(one, 99))
	two := []time.Duration{time.Millisecond, 9 * time.Millisecond}
	assert.Equal(t, time.Millisecond, percentile(two, 50))
	assert.Equal(t, 9*time.Millisecond, percentile(two, 95))
}

func TestRecorderReportsEachRouteAndTheSum(t *testing.T) {
	r := NewRecorder()
	for i := 1; i <= 10; i++ {
		r.Observe(Observation{Route: "GET /a", Status: 200, Elapsed: time.Duration(i) * time.Millisecond})
	}
	r.Observe(Observation{Route: "POST /b", Status: 201, Elapsed: 20 * time.Millisecond})
	r.Observe(Observation{Route: "POST /b", Status: 400, Elapsed: 30 * time.Millisecond})
	r.Observe(Observation{Route: "POST /b", Err: errors.New("connection reset"), Elapsed: 40 * time.Millisecond})

	rep := r.Report(2 * time.Second)
	require.Len(t, rep.Routes, 2)
	a, b := rep.Routes[0], rep.Routes[1]
	assert.Equal(t, "GET /a", a.Route)
	assert.Equal(t, int64(10), a.Requests)
	assert.Equal(t, map[string]int64{"200": 10}, a.Statuses)
	assert.InDelta(t, 5.0, a.PerSec, 1e-9)
	assert.InDelta(t, 5.0, a.P50Ms, 1e-9)
	assert.InDelta(t, 10.0, a.P95Ms, 1e-9)
	assert.InDelta(t, 10.0, a.MaxMs, 1e-9)
	assert.Equal(t, map[string]int64{"201": 1, "400": 1, "error": 1}, b.Statuses)
	assert.InDelta(t, 40.0, b.P99Ms, 1e-9)

	assert.Equal(t, int64(13), rep.Requests)
	assert.InDelta(t, 6.5, rep.PerSec, 1e-9)
	assert.Equal(t, map[string]int64{"200": 10, "201": 1, "400": 1, "error": 1}, rep.All.Statuses)
	assert.InDelta(t, 7.0, rep.All.P50Ms, 1e-9, "the 7th of 13 sorted latencies")
	assert.InDelta(t, 40.0, rep.All.MaxMs, 1e-9)

	var text bytes.Buffer
	require.NoError(t, rep.WriteText(&text))
	assert.Contains(t, text.String(), "13 requests (6.5/s)")
	assert.Regexp(t, `POST /b\s+3\s+1\.5\s+30\.00\s+40\.00\s+40\.00\s+40\.00\s+201:1 400:1 error:1`, text.String())

	raw, err := json.Marshal(rep)
	require.NoError(t, err)
	var back Report
	require.NoError(t, json.Unmarshal(raw, &back))
	assert.Equal(t, rep, back, "the JSON form carries the whole report")
}

func TestRecorderWithNothingRecorded(t *testing.T) {
	rep := NewRecorder().Report(time.Second)
	assert.Zero(t, rep.Requests)
	assert.Empty(t, rep.Routes)
	var text bytes.Buffer
	require.NoError(t, rep.WriteText(&text))
	assert.Contains(t, text.String(), "0 requests")
}

func TestNewBalancerRefusesWhatIsNoBaseURL(t *testing.T) {
	for _, urls := range [][]string{nil, {"localhost:8080"}, {"ftp://host"}, {"http://"}, {"http://ok:1", "::"}} {
		_, err := NewBalancer(urls)
		assert.Error(t, err, "%q", urls)
	}
	b, err := NewBalancer([]string{"http://127.0.0.1:1", "https://example.org"})
	require.NoError(t, err)
	assert.False(t, b.Dead(0))
}
