package workload

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// Recorder collects observations by route: counts by status and every
// latency, so that percentiles are exact. It holds one duration per
// request, which a load run bounded in time can afford.
type Recorder struct {
	mu     sync.Mutex
	routes map[string]*routeSamples
}

type routeSamples struct {
	statuses  map[string]int64
	latencies []time.Duration
}

// NewRecorder returns an empty recorder; pass its Observe to Options.
func NewRecorder() *Recorder {
	return &Recorder{routes: map[string]*routeSamples{}}
}

// transportError is the status label of a request that got no response.
const transportError = "error"

// Observe records one observation; it is safe for concurrent use.
func (r *Recorder) Observe(o Observation) {
	label := transportError
	if o.Err == nil {
		label = strconv.Itoa(o.Status)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.routes[o.Route]
	if s == nil {
		s = &routeSamples{statuses: map[string]int64{}}
		r.routes[o.Route] = s
	}
	s.statuses[label]++
	s.latencies = append(s.latencies, o.Elapsed)
}

// Report is the outcome of a load run.
type Report struct {
	// Mode names the workload: "mixed" (new pairs every round) or
	// "steady" (the same pairs' exchange over and over).
	Mode string `json:"mode"`
	// Seconds is the run's wall-clock time, from the first request to the
	// end of the last.
	Seconds     float64 `json:"seconds"`
	Concurrency int     `json:"concurrency"`
	// Rounds counts the completed rounds of the workload.
	Rounds   int     `json:"rounds"`
	Requests int64   `json:"requests"`
	PerSec   float64 `json:"requestsPerSecond"`
	// Errors counts requests that got no response or an unexpected one;
	// Unknown those whose outcome a retry left open; Failures describes
	// the first errors.
	Errors   int      `json:"errors"`
	Unknown  int      `json:"unknown"`
	Failures []string `json:"failures,omitempty"`
	// All sums every route; Routes are sorted by name.
	All    RouteReport   `json:"all"`
	Routes []RouteReport `json:"routes"`
}

// RouteReport is what one route did.
type RouteReport struct {
	Route    string  `json:"route"`
	Requests int64   `json:"requests"`
	PerSec   float64 `json:"requestsPerSecond"`
	// Statuses counts the responses by status code; "error" counts the
	// requests that got none.
	Statuses map[string]int64 `json:"statuses"`
	P50Ms    float64          `json:"p50Ms"`
	P95Ms    float64          `json:"p95Ms"`
	P99Ms    float64          `json:"p99Ms"`
	MaxMs    float64          `json:"maxMs"`
}

// Report summarizes what was recorded over a run of elapsed wall-clock
// time. The caller adds what only it knows (rounds, errors, concurrency).
func (r *Recorder) Report(elapsed time.Duration) Report {
	r.mu.Lock()
	defer r.mu.Unlock()
	secs := elapsed.Seconds()
	rep := Report{Seconds: secs}
	all := &routeSamples{statuses: map[string]int64{}}
	names := make([]string, 0, len(r.routes))
	for name := range r.routes {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		s := r.routes[name]
		rep.Routes = append(rep.Routes, s.report(name, secs))
		for k, v := range s.statuses {
			all.statuses[k] += v
		}
		all.latencies = append(all.latencies, s.latencies...)
	}
	rep.All = all.report("all", secs)
	rep.Requests = rep.All.Requests
	rep.PerSec = rep.All.PerSec
	return rep
}

func (s *routeSamples) report(name string, secs float64) RouteReport {
	sorted := slices.Clone(s.latencies)
	slices.Sort(sorted)
	out := RouteReport{Route: name, Requests: int64(len(sorted)), Statuses: map[string]int64{}}
	for k, v := range s.statuses {
		out.Statuses[k] = v
	}
	if secs > 0 {
		out.PerSec = float64(len(sorted)) / secs
	}
	if len(sorted) > 0 {
		out.P50Ms, out.P95Ms, out.P99Ms = ms(percentile(sorted, 50)), ms(percentile(sorted, 95)), ms(percentile(sorted, 99))
		out.MaxMs = ms(sorted[len(sorted)-1])
	}
	return out
}

// percentile is the nearest-rank percentile p of sorted, which is not
// empty: the smallest value that at least p % of the values do not exceed.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[max(rank, 1)-1]
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/float64(time.Microsecond)) / 1000 }

// WriteText writes the report as a table, one route a line.
func (rep Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s workload, %.1f s, %d workers, %d rounds: %d requests (%.1f/s), %d errors, %d unknown outcomes\n",
		rep.Mode, rep.Seconds, rep.Concurrency, rep.Rounds, rep.Requests, rep.PerSec, rep.Errors, rep.Unknown)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "route\trequests\treq/s\tp50 ms\tp95 ms\tp99 ms\tmax ms\tstatuses\t")
	for _, r := range append(slices.Clone(rep.Routes), rep.All) {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.2f\t%.2f\t%.2f\t%.2f\t%s\t\n", r.Route, r.Requests, r.PerSec, r.P50Ms, r.P95Ms, r.P99Ms, r.MaxMs, statusList(r.Statuses))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, f := range rep.Failures {
		fmt.Fprintf(&b, "failure: %s\n", f)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// statusList is "200:12 201:4", codes in order.
func statusList(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s:%d", k, m[k])
	}
	return strings.Join(parts, " ")
}
