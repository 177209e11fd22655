package backbone

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// SyncRun is a lease one device holds on its identity's synchronization.
type SyncRun = driver.SyncRun

// SyncRunType says what a sync run is for.
type SyncRunType = driver.SyncRunType

// Sync run types.
const (
	SyncRunExternalEventSync        = driver.SyncRunExternalEventSync
	SyncRunDatawalletVersionUpgrade = driver.SyncRunDatawalletVersionUpgrade
)

// ExternalEvent tells an identity about something that happened to it.
type ExternalEvent = driver.ExternalEvent

const (
	// maxSyncErrors is how often an event may fail before it is no longer
	// delivered.
	maxSyncErrors = 3
	// defaultSyncRunDuration is a run's lease unless the client asks for
	// another.
	defaultSyncRunDuration = 10 * time.Second
	// refreshedSyncRunDuration is what RefreshExpirationTime grants.
	refreshedSyncRunDuration = 10 * time.Second

	syncErrorCanceled     = "syncRunCanceled"
	syncErrorNotProcessed = "notProcessed"
	maxErrorCodeLength    = 100
)

// SyncRuns runs the synchronization of external events and datawallet
// upgrades.
type SyncRuns struct{ b *Backbone }

// StartSyncRunRequest starts a run. Duration zero means the default of
// ten seconds.
type StartSyncRunRequest struct {
	Type                       SyncRunType
	Duration                   time.Duration
	SupportedDatawalletVersion int
}

// StartedSyncRun is nil when there were no new events to sync.
type StartedSyncRun struct {
	SyncRun *SyncRun
}

// Start opens a sync run for the calling device. Only one unfinalized run
// may exist per identity; an expired one is cancelled, and the events it
// held count a sync error. An external-event sync with nothing to deliver
// creates no run.
func (s *SyncRuns) Start(ctx context.Context, as Caller, req StartSyncRunRequest) (StartedSyncRun, error) {
	b := s.b
	if as.Anonymous() {
		return StartedSyncRun{}, errUnauthenticated
	}
	if req.Type != SyncRunExternalEventSync && req.Type != SyncRunDatawalletVersionUpgrade {
		return StartedSyncRun{}, invalidProperty("type", "must be ExternalEventSync or DatawalletVersionUpgrade.")
	}
	if req.Duration < 0 {
		return StartedSyncRun{}, invalidProperty("duration", "must not be negative.")
	}
	if req.Duration == 0 {
		req.Duration = defaultSyncRunDuration
	}
	now := b.now()
	var started StartedSyncRun
	err := b.store.InTx(ctx, func(tx driver.Tx) error {
		started = StartedSyncRun{}
		identity, err := tx.Identities().Get(ctx, as.Address)
		if errors.Is(err, driver.ErrNotFound) {
			return notFound("Identity")
		} else if err != nil {
			return internal("get identity", err)
		}
		if identity.Status != IdentityActive {
			return invalid(CodeCannotStartSyncRunWhileIdentityIsToBeDeleted, "A sync run cannot be started while the identity is to be deleted.")
		}
		dw, err := tx.Datawallets().Get(ctx, as.Address)
		switch {
		case errors.Is(err, driver.ErrNotFound):
			if req.Type == SyncRunExternalEventSync {
				return notFound("Datawallet")
			}
		case err != nil:
			return internal("get datawallet", err)
		case req.SupportedDatawalletVersion < dw.Version:
			return errInsufficientVersion
		}
		index := int64(0)
		previous, err := tx.SyncRuns().Latest(ctx, as.Address)
		switch {
		case errors.Is(err, driver.ErrNotFound):
		case err != nil:
			return internal("get latest sync run", err)
		default:
			index = previous.Index + 1
			if previous.FinalizedAt == nil {
				if !previous.ExpiresAt.Before(now) {
					return invalid(CodeCannotStartSyncRunWhenAnotherIsRunning, "Another sync run (%s) is running.", previous.ID)
				}
				if err := s.cancel(ctx, tx, previous, now); err != nil {
					return err
				}
			}
		}
		var events []ExternalEvent
		if req.Type == SyncRunExternalEventSync {
			events, err = tx.ExternalEvents().ListDeliverable(ctx, as.Address, maxSyncErrors)
			if err != nil {
				return internal("list deliverable events", err)
			}
			if len(events) == 0 {
				return nil
			}
		}
		run := SyncRun{
			ID: NewID(PrefixSyncRun), Type: req.Type, Index: index, CreatedAt: now, ExpiresAt: now.Add(req.Duration),
			CreatedBy: as.Address, CreatedByDevice: as.DeviceID, EventCount: len(events),
		}
		if err := tx.SyncRuns().Insert(ctx, run); errors.Is(err, driver.ErrConflict) {
			return invalid(CodeCannotStartSyncRunWhenAnotherIsRunning, "Another sync run was started at the same time.")
		} else if err != nil {
			return internal("insert sync run", err)
		}
		if len(events) > 0 {
			if err := tx.ExternalEvents().AssignToSyncRun(ctx, eventIDs(events), run.ID); err != nil {
				return internal("assign events", err)
			}
		}
		started.SyncRun = &run
		return nil
	})
	return started, err
}

// cancel finalizes an expired run; its events count a sync error and
// become deliverable again.
func (s *SyncRuns) cancel(ctx context.Context, tx driver.Tx, run SyncRun, now time.Time) error {
	events, err := tx.ExternalEvents().AllBySyncRun(ctx, run.ID)
	if err != nil {
		return internal("list events of sync run", err)
	}
	if len(events) > 0 {
		if err := tx.ExternalEvents().RecordSyncErrors(ctx, eventIDs(events)); err != nil {
			return internal("record sync errors", err)
		}
	}
	run.FinalizedAt = &now
	return internal("finalize sync run", tx.SyncRuns().Update(ctx, run))
}

func eventIDs(events []ExternalEvent) []string {
	ids := make([]string, len(events))
	for i, e := range events {
		ids[i] = e.ID
	}
	return ids
}

// Get returns a run of the caller's identity.
func (s *SyncRuns) Get(ctx context.Context, as Caller, id string) (SyncRun, error) {
	return s.get(ctx, s.b.store, as, id)
}

func (s *SyncRuns) get(ctx context.Context, st driver.Stores, as Caller, id string) (SyncRun, error) {
	if as.Anonymous() {
		return SyncRun{}, errUnauthenticated
	}
	if !ValidID(PrefixSyncRun, id) {
		return SyncRun{}, invalidIDError("id")
	}
	r, err := st.SyncRuns().Get(ctx, id)
	if errors.Is(err, driver.ErrNotFound) || err == nil && r.CreatedBy != as.Address {
		return SyncRun{}, notFound("SyncRun")
	}
	return r, internal("get sync run", err)
}

var errRunFinalized = invalid(CodeSyncRunAlreadyFinalized, "The sync run has already been finalized.")

// ExternalEvents returns a page of the events assigned to the calling
// device's unfinalized run.
func (s *SyncRuns) ExternalEvents(ctx context.Context, as Caller, id string, page PageRequest) (Page[ExternalEvent], error) {
	page, err := s.b.normalizePage(page)
	if err != nil {
		return Page[ExternalEvent]{}, err
	}
	run, err := s.Get(ctx, as, id)
	if err != nil {
		return Page[ExternalEvent]{}, err
	}
	if run.FinalizedAt != nil {
		return Page[ExternalEvent]{}, errRunFinalized
	}
	if run.CreatedByDevice != as.DeviceID {
		return Page[ExternalEvent]{}, invalid(CodeCannotReadEventsOfSyncRunOfAnotherDevice, "The sync run was started by another device.")
	}
	events, total, err := s.b.store.ExternalEvents().ListBySyncRun(ctx, id, page)
	if err != nil {
		return Page[ExternalEvent]{}, internal("list events", err)
	}
	return mapPage(events, total, page, func(e ExternalEvent) ExternalEvent { return e }), nil
}

// ExternalEventResult is a device's verdict on one event of its run; an
// empty ErrorCode means it was processed.
type ExternalEventResult struct {
	ExternalEventID string
	ErrorCode       string
}

// FinalizeResult is what a finalized run reports back.
type FinalizeResult struct {
	// NewDatawalletModificationIndex is the datawallet's latest index, nil
	// while it has no modifications.
	NewDatawalletModificationIndex *int64
	Modifications                  []CreatedModification
	NewUnsyncedExternalEventsExist bool
}

// FinalizeExternalEventSync closes the calling device's external-event run:
// events without a result or with an error code count a sync error and
// return to the pool; the others are synced. The device's datawallet
// modifications are appended in the same step. An expired run can still be
// finalized unless a newer start cancelled it.
func (s *SyncRuns) FinalizeExternalEventSync(ctx context.Context, as Caller, id string, results []ExternalEventResult, mods []NewDatawalletModification) (FinalizeResult, error) {
	for _, r := range results {
		if !ValidID(PrefixEvent, r.ExternalEventID) {
			return FinalizeResult{}, invalidIDError("externalEventResults.externalEventId")
		}
		if len(r.ErrorCode) > maxErrorCodeLength {
			return FinalizeResult{}, invalidProperty("externalEventResults.errorCode", "must have at most %d characters.", maxErrorCodeLength)
		}
	}
	if err := validateModifications(mods); err != nil {
		return FinalizeResult{}, err
	}
	var out FinalizeResult
	err := s.finalize(ctx, as, id, SyncRunExternalEventSync, func(tx driver.Tx, run SyncRun, now time.Time) error {
		dw, err := tx.Datawallets().Get(ctx, as.Address)
		if errors.Is(err, driver.ErrNotFound) {
			return notFound("Datawallet")
		} else if err != nil {
			return internal("get datawallet", err)
		}
		processed := map[string]bool{}
		for _, r := range results {
			processed[r.ExternalEventID] = r.ErrorCode == ""
		}
		events, err := tx.ExternalEvents().AllBySyncRun(ctx, run.ID)
		if err != nil {
			return internal("list events of sync run", err)
		}
		var failed []string
		for _, e := range events {
			if !processed[e.ID] {
				failed = append(failed, e.ID)
			}
		}
		if len(failed) > 0 {
			if err := tx.ExternalEvents().RecordSyncErrors(ctx, failed); err != nil {
				return internal("record sync errors", err)
			}
		}
		if out.Modifications, err = s.b.appendModifications(ctx, tx, as, dw, mods, now); err != nil {
			return err
		}
		if out.NewDatawalletModificationIndex, err = latestIndex(ctx, tx, as.Address); err != nil {
			return err
		}
		out.NewUnsyncedExternalEventsExist, err = tx.ExternalEvents().HasUnsyncedWithoutErrors(ctx, as.Address)
		return internal("check unsynced events", err)
	})
	return out, err
}

// FinalizeDatawalletVersionUpgrade closes the calling device's upgrade run:
// it creates the datawallet with the version or raises it (never lowers
// it), and appends the modifications made during the upgrade.
func (s *SyncRuns) FinalizeDatawalletVersionUpgrade(ctx context.Context, as Caller, id string, newVersion int, mods []NewDatawalletModification) (FinalizeResult, error) {
	if newVersion <= 0 || newVersion > maxDatawalletVersion {
		return FinalizeResult{}, invalidProperty("newDatawalletVersion", "must be between 1 and %d.", maxDatawalletVersion)
	}
	if err := validateModifications(mods); err != nil {
		return FinalizeResult{}, err
	}
	var out FinalizeResult
	err := s.finalize(ctx, as, id, SyncRunDatawalletVersionUpgrade, func(tx driver.Tx, run SyncRun, now time.Time) error {
		dw, err := tx.Datawallets().Get(ctx, as.Address)
		switch {
		case errors.Is(err, driver.ErrNotFound):
			dw = Datawallet{ID: NewID(PrefixDatawallet), Owner: as.Address, Version: newVersion}
			if err := tx.Datawallets().Insert(ctx, dw); err != nil {
				return internal("insert datawallet", err)
			}
		case err != nil:
			return internal("get datawallet", err)
		case newVersion < dw.Version:
			return invalid(CodeDatawalletCannotDowngrade, "The datawallet cannot be downgraded from version %d to %d.", dw.Version, newVersion)
		case newVersion > dw.Version:
			dw.Version = newVersion
			if err := tx.Datawallets().UpdateVersion(ctx, as.Address, newVersion); err != nil {
				return internal("upgrade datawallet", err)
			}
		}
		if out.Modifications, err = s.b.appendModifications(ctx, tx, as, dw, mods, now); err != nil {
			return err
		}
		out.NewDatawalletModificationIndex, err = latestIndex(ctx, tx, as.Address)
		return err
	})
	return out, err
}

func latestIndex(ctx context.Context, tx driver.Tx, owner string) (*int64, error) {
	i, err := tx.Datawallets().LatestIndex(ctx, owner)
	if err != nil || i < 0 {
		return nil, internal("latest modification index", err)
	}
	return &i, nil
}

// finalize runs the checks every finalization shares, then fn, then marks
// the run finalized, all in one transaction.
func (s *SyncRuns) finalize(ctx context.Context, as Caller, id string, want SyncRunType, fn func(tx driver.Tx, run SyncRun, now time.Time) error) error {
	now := s.b.now()
	return s.b.inTx(ctx, func(tx driver.Tx) error {
		run, err := s.get(ctx, tx, as, id)
		if err != nil {
			return err
		}
		switch {
		case run.Type != want:
			return invalid(CodeUnexpectedSyncRunType, "The sync run has another type.")
		case run.CreatedByDevice != as.DeviceID:
			return invalid(CodeCannotFinalizeSyncRunOfAnotherDevice, "The sync run was started by another device.")
		case run.FinalizedAt != nil:
			return errRunFinalized
		}
		if err := fn(tx, run, now); err != nil {
			return err
		}
		run.FinalizedAt = &now
		return internal("finalize sync run", tx.SyncRuns().Update(ctx, run))
	})
}

// RefreshExpirationTime extends the calling device's run by ten seconds
// from now, even if it had expired.
func (s *SyncRuns) RefreshExpirationTime(ctx context.Context, as Caller, id string) (time.Time, error) {
	now := s.b.now()
	var expires time.Time
	err := s.b.store.InTx(ctx, func(tx driver.Tx) error {
		run, err := s.get(ctx, tx, as, id)
		if err != nil {
			return err
		}
		if run.CreatedByDevice != as.DeviceID {
			return invalid(CodeCannotRefreshSyncRunOfAnotherDevice, "The sync run was started by another device.")
		}
		if run.FinalizedAt != nil {
			return errRunFinalized
		}
		run.ExpiresAt = now.Add(refreshedSyncRunDuration)
		expires = run.ExpiresAt
		return internal("refresh sync run", tx.SyncRuns().Update(ctx, run))
	})
	return expires, err
}

// addExternalEvent records an event for owner inside tx. The ID derives
// from the domain event that caused it, so a redelivered domain event adds
// nothing.
func addExternalEvent(ctx context.Context, tx driver.Tx, id, owner, eventType string, payload any, eventContext string, blocked bool, now time.Time) (bool, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return false, internal("encode event payload", err)
	}
	_, err = tx.ExternalEvents().Insert(ctx, ExternalEvent{
		ID: id, Owner: owner, Type: eventType, CreatedAt: now, Payload: body, IsDeliveryBlocked: blocked, Context: eventContext,
	})
	if errors.Is(err, driver.ErrConflict) {
		return false, nil
	}
	return err == nil, internal("insert external event", err)
}
