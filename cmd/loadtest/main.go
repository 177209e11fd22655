// Command loadtest runs the mixed client workload of internal/workload
// against one or more running servers for a while and prints, per route,
// the request count, the statuses, p50/p95/p99 latencies and throughput.
//
//	go run ./cmd/loadtest -base-url http://localhost:8080 -duration 20s -concurrency 8
//
// Each worker repeats rounds of the workload (two identities onboarded and
// logged in, a relationship, a token, messages sent and listed, a
// datawallet modification, a sync) until the duration is over; rounds in
// progress then finish, so no request is cut off. Onboarding costs two
// password hashes per identity (argon2id, on purpose), which dominates such
// a run; with -steady each worker onboards and relates one pair before the
// clock starts and then repeats only the pair's exchange (token, messages,
// listing, datawallet, sync), the load of clients that are already set up. The server must know the
// OAuth client given (the development seed client test/test by default)
// and its rate limits must allow the load, or refusals count as errors.
// The exit status is 1 when any request failed, 2 on bad flags.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openbackbone/openbackbone/internal/workload"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command's flags.
type options struct {
	baseURLs     []string
	duration     time.Duration
	concurrency  int
	json         bool
	steady       bool
	clientID     string
	clientSecret string
	timeout      time.Duration
	maxErrors    int
}

// maxFailuresShown bounds the failures a report lists; the count covers
// all of them.
const maxFailuresShown = 20

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	var urls string
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&urls, "base-url", "http://localhost:8080", "comma-separated base URLs of the servers; requests go round robin over them")
	fs.DurationVar(&o.duration, "duration", 20*time.Second, "how long workers start new rounds")
	fs.IntVar(&o.concurrency, "concurrency", 8, "workers running rounds at the same time")
	fs.BoolVar(&o.json, "json", false, "print the report as JSON")
	fs.BoolVar(&o.steady, "steady", false, "onboard one pair per worker before measuring, then repeat only the pair's exchange")
	fs.StringVar(&o.clientID, "client-id", "test", "OAuth client that creates identities and logs devices in")
	fs.StringVar(&o.clientSecret, "client-secret", "test", "secret of -client-id")
	fs.DurationVar(&o.timeout, "timeout", time.Minute, "limit for one request")
	fs.IntVar(&o.maxErrors, "max-errors", 100, "stop early after this many failed requests (0: never)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	for _, u := range strings.Split(urls, ",") {
		if u = strings.TrimSpace(u); u != "" {
			o.baseURLs = append(o.baseURLs, u)
		}
	}
	switch {
	case o.duration <= 0:
		return o, errors.New("-duration must be positive")
	case o.concurrency < 1:
		return o, errors.New("-concurrency must be at least 1")
	case o.timeout <= 0:
		return o, errors.New("-timeout must be positive")
	case o.maxErrors < 0:
		return o, errors.New("-max-errors must not be negative")
	}
	return o, nil
}

// run is the command; it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "loadtest:", err)
		return 2
	}
	lb, err := workload.NewBalancer(o.baseURLs)
	if err != nil {
		fmt.Fprintln(stderr, "loadtest:", err)
		return 2
	}
	rep := load(ctx, lb, o)
	if o.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	} else {
		err = rep.WriteText(stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "loadtest:", err)
		return 1
	}
	if rep.Errors > 0 {
		return 1
	}
	return 0
}

// load runs the workers and reports what they did.
func load(ctx context.Context, lb *workload.Balancer, o options) workload.Report {
	rec := workload.NewRecorder()
	// Requests of the set-up of -steady are not measured.
	var measuring atomic.Bool
	observe := func(ob workload.Observation) {
		if measuring.Load() {
			rec.Observe(ob)
		}
	}
	w := workload.New(lb, workload.Options{ClientID: o.clientID, ClientSecret: o.clientSecret, Timeout: o.timeout, Observe: observe})
	// round runs worker g's round n; without -steady every worker is ready.
	round := func(ctx context.Context, g, n int) error { return w.Round(ctx, n) }
	ready := make([]bool, o.concurrency)
	for g := range ready {
		ready[g] = !o.steady
	}
	if o.steady {
		pairs := make([][2]workload.Account, o.concurrency)
		var setup sync.WaitGroup
		for g := range pairs {
			setup.Go(func() {
				// A failed set-up is among w's failures; the worker sits out.
				a, b, err := w.Pair(ctx)
				pairs[g], ready[g] = [2]workload.Account{a, b}, err == nil
			})
		}
		setup.Wait()
		round = func(ctx context.Context, g, n int) error { return w.Exchange(ctx, pairs[g][0], pairs[g][1], n) }
	}
	measuring.Store(true)
	var rounds atomic.Int64
	start := time.Now()
	deadline := start.Add(o.duration)
	var wg sync.WaitGroup
	for g := range o.concurrency {
		wg.Go(func() {
			for n := 0; ready[g] && time.Now().Before(deadline) && ctx.Err() == nil; n++ {
				if o.maxErrors > 0 && len(w.Failures()) >= o.maxErrors {
					return
				}
				// Rounds are told apart by worker and number.
				if round(ctx, g, g*1_000_000+n) == nil {
					rounds.Add(1)
				}
			}
		})
	}
	wg.Wait()
	rep := rec.Report(time.Since(start))
	failures := w.Failures()
	rep.Mode = "mixed"
	if o.steady {
		rep.Mode = "steady"
	}
	rep.Concurrency, rep.Rounds, rep.Errors, rep.Unknown = o.concurrency, int(rounds.Load()), len(failures), w.Unknown()
	rep.Failures = failures[:min(len(failures), maxFailuresShown)]
	return rep
}
