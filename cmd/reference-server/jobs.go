package main

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/openbackbone/openbackbone/backbone"
	"github.com/openbackbone/openbackbone/internal/config"
)

// jobNames are the jobs of `reference-server job <name>`, in the order the
// embedded scheduler runs them.
var jobNames = []string{"reminders", "actual-deletion", "housekeeping"}

func jobFunc(b *backbone.Backbone, name string) func(context.Context) (backbone.JobReport, error) {
	switch name {
	case "reminders":
		return b.Jobs.SendGracePeriodReminders
	case "actual-deletion":
		return b.Jobs.ActualDeletion
	case "housekeeping":
		return b.Jobs.Housekeeping
	}
	return nil
}

// runJob runs one job once against the configured store, blob store, bus
// and push providers, and returns when it is done: for cron, a Kubernetes
// CronJob or an operator. Events it raises wait in the outbox until a
// serving replica relays them.
func runJob(ctx context.Context, cfg config.Config, logger *slog.Logger, name string) error {
	if name == "" {
		return fmt.Errorf("job: name the job (%s)", strings.Join(jobNames, ", "))
	}
	b, _, closeAll, err := openBackbone(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer closeAll()
	run := jobFunc(b, name)
	if run == nil {
		return fmt.Errorf("job: unknown job %q (known: %s)", name, strings.Join(jobNames, ", "))
	}
	return runLogged(ctx, logger, name, run)
}

func runLogged(ctx context.Context, logger *slog.Logger, name string, run func(context.Context) (backbone.JobReport, error)) error {
	start := time.Now()
	rep, err := run(ctx)
	attrs := []any{"job", name, "ms", time.Since(start).Milliseconds()}
	for _, k := range slices.Sorted(maps.Keys(rep.Counts)) {
		attrs = append(attrs, k, rep.Counts[k])
	}
	if len(rep.Failures) > 0 {
		attrs = append(attrs, "failedIdentities", len(rep.Failures))
	}
	if err != nil {
		logger.ErrorContext(ctx, "job failed", append(attrs, "error", err)...)
		return fmt.Errorf("job %s: %w", name, err)
	}
	logger.InfoContext(ctx, "job done", attrs...)
	if len(rep.Failures) > 0 {
		return fmt.Errorf("job %s: the deletion of %d identities failed and is retried next time", name, len(rep.Failures))
	}
	return nil
}

// runScheduler runs every job once a day at cfg.Jobs.At (UTC) until ctx
// ends. A failed job is logged and tried again the next day.
func runScheduler(ctx context.Context, b *backbone.Backbone, cfg config.Config, logger *slog.Logger) {
	at, _ := time.Parse("15:04", cfg.Jobs.At) // validated by config
	for {
		wait := time.Until(nextRun(time.Now().UTC(), at))
		logger.Debug("jobs scheduled", "in", wait.Round(time.Second))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		for _, name := range jobNames {
			_ = runLogged(ctx, logger, name, jobFunc(b, name))
		}
	}
}

// nextRun is the first instant after now at the time of day at, UTC.
func nextRun(now, at time.Time) time.Time {
	next := time.Date(now.Year(), now.Month(), now.Day(), at.Hour(), at.Minute(), 0, 0, time.UTC)
	if !next.After(now) {
		next = next.AddDate(0, 0, 1)
	}
	return next
}
