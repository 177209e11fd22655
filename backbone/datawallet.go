package backbone

import (
	"context"
	"errors"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// Datawallet is the encrypted store the devices of one identity share.
type Datawallet = driver.Datawallet

// DatawalletModification is one change to a datawallet.
type DatawalletModification = driver.DatawalletModification

// DatawalletModificationType is the kind of a datawallet change.
type DatawalletModificationType = driver.DatawalletModificationType

// Datawallet modification types.
const (
	DatawalletCreate       = driver.DatawalletCreate
	DatawalletUpdate       = driver.DatawalletUpdate
	DatawalletDelete       = driver.DatawalletDelete
	DatawalletCacheChanged = driver.DatawalletCacheChanged
)

// NewDatawalletModification is a change a device pushes.
type NewDatawalletModification struct {
	Type              DatawalletModificationType
	ObjectIdentifier  string
	Collection        string
	PayloadCategory   string // optional
	EncryptedPayload  []byte // optional
	DatawalletVersion int
}

// CreatedModification is where a pushed change landed.
type CreatedModification struct {
	ID        string
	Index     int64
	CreatedAt time.Time
}

// Datawallets reads and extends the caller's datawallet.
type Datawallets struct{ b *Backbone }

// Get returns the caller's datawallet.
func (s *Datawallets) Get(ctx context.Context, as Caller) (Datawallet, error) {
	if as.Anonymous() {
		return Datawallet{}, errUnauthenticated
	}
	d, err := s.b.store.Datawallets().Get(ctx, as.Address)
	if errors.Is(err, driver.ErrNotFound) {
		return Datawallet{}, notFound("Datawallet")
	}
	return d, internal("get datawallet", err)
}

// Modifications returns a page of the caller's modifications after
// localIndex (nil: from the start), keeping only the latest of each
// object, type and payload category. supportedVersion is the highest
// datawallet version the device understands.
func (s *Datawallets) Modifications(ctx context.Context, as Caller, localIndex *int64, supportedVersion int, page PageRequest) (Page[DatawalletModification], error) {
	if as.Anonymous() {
		return Page[DatawalletModification]{}, errUnauthenticated
	}
	page, err := s.b.normalizePage(page)
	if err != nil {
		return Page[DatawalletModification]{}, err
	}
	dw, err := s.b.store.Datawallets().Get(ctx, as.Address)
	if err == nil && supportedVersion < dw.Version {
		return Page[DatawalletModification]{}, errInsufficientVersion
	} else if err != nil && !errors.Is(err, driver.ErrNotFound) {
		return Page[DatawalletModification]{}, internal("get datawallet", err)
	}
	after := int64(-1)
	if localIndex != nil {
		after = *localIndex
	}
	mods, total, err := s.b.store.Datawallets().ListModifications(ctx, as.Address, after, page)
	if err != nil {
		return Page[DatawalletModification]{}, internal("list modifications", err)
	}
	return mapPage(mods, total, page, func(m DatawalletModification) DatawalletModification { return m }), nil
}

var errInsufficientVersion = invalid(CodeInsufficientSupportedDatawalletVersion, "The datawallet has a higher version than this client supports; update the client.")

// PushResult is where pushed changes landed.
type PushResult struct {
	NewIndex      int64
	Modifications []CreatedModification
}

// Push appends modifications to the caller's datawallet. localIndex is
// the highest index the device has seen (nil if it has none); the push
// fails if the datawallet has moved on, because the client derives each
// modification's encryption nonce from the index it predicts.
func (s *Datawallets) Push(ctx context.Context, as Caller, localIndex *int64, supportedVersion int, mods []NewDatawalletModification) (PushResult, error) {
	b := s.b
	if as.Anonymous() {
		return PushResult{}, errUnauthenticated
	}
	if len(mods) == 0 {
		return PushResult{}, invalidProperty("modifications", "must not be empty.")
	}
	if supportedVersion <= 0 {
		return PushResult{}, invalidProperty("X-Supported-Datawallet-Version", "must be greater than 0.")
	}
	if err := validateModifications(mods); err != nil {
		return PushResult{}, err
	}
	now := b.now()
	var created []CreatedModification
	err := b.inTx(ctx, func(tx driver.Tx) error {
		created = nil
		run, err := tx.SyncRuns().Latest(ctx, as.Address)
		if err == nil && run.FinalizedAt == nil {
			return invalid(CodeCannotPushDuringActiveSyncRun, "Datawallet modifications cannot be pushed while a sync run is active.")
		} else if err != nil && !errors.Is(err, driver.ErrNotFound) {
			return internal("get latest sync run", err)
		}
		dw, err := tx.Datawallets().Get(ctx, as.Address)
		if errors.Is(err, driver.ErrNotFound) {
			return notFound("Datawallet")
		} else if err != nil {
			return internal("get datawallet", err)
		}
		if supportedVersion < dw.Version {
			return errInsufficientVersion
		}
		latest, err := tx.Datawallets().LatestIndex(ctx, as.Address)
		if err != nil {
			return internal("latest modification index", err)
		}
		expected := int64(-1)
		if localIndex != nil {
			expected = *localIndex
		}
		if latest != -1 && latest != expected {
			return errNotUpToDate
		}
		created, err = b.appendModifications(ctx, tx, as, dw, mods, now)
		return err
	})
	if err != nil {
		return PushResult{}, err
	}
	return PushResult{NewIndex: created[len(created)-1].Index, Modifications: created}, nil
}

var errNotUpToDate = invalid(CodeDatawalletNotUpToDate, "The sent localIndex does not match the index of the latest modification; synchronize first.")

const (
	maxCollectionLength       = 50
	maxObjectIdentifierLength = 100
	maxPayloadCategoryLength  = 50
	maxDatawalletVersion      = 65535
)

func validateModifications(mods []NewDatawalletModification) error {
	for _, m := range mods {
		switch {
		case m.Type < DatawalletCreate || m.Type > DatawalletCacheChanged:
			return invalidProperty("type", "must be Create, Update, Delete or CacheChanged.")
		case m.Collection == "" || len(m.Collection) > maxCollectionLength:
			return invalidProperty("collection", "must have 1 to %d characters.", maxCollectionLength)
		case m.ObjectIdentifier == "" || len(m.ObjectIdentifier) > maxObjectIdentifierLength:
			return invalidProperty("objectIdentifier", "must have 1 to %d characters.", maxObjectIdentifierLength)
		case len(m.PayloadCategory) > maxPayloadCategoryLength:
			return invalidProperty("payloadCategory", "must have at most %d characters.", maxPayloadCategoryLength)
		case m.DatawalletVersion < 0 || m.DatawalletVersion > maxDatawalletVersion:
			return invalidProperty("datawalletVersion", "must be between 0 and %d.", maxDatawalletVersion)
		}
	}
	return nil
}

// appendModifications adds validated modifications to dw inside tx.
func (b *Backbone) appendModifications(ctx context.Context, tx driver.Tx, as Caller, dw Datawallet, mods []NewDatawalletModification, now time.Time) ([]CreatedModification, error) {
	if len(mods) == 0 {
		return []CreatedModification{}, nil
	}
	records := make([]driver.DatawalletModification, len(mods))
	for i, m := range mods {
		if m.DatawalletVersion > dw.Version {
			return nil, invalid(CodeDatawalletVersionOfModificationTooHigh, "The datawallet version of a modification is higher than the datawallet's version %d.", dw.Version)
		}
		records[i] = driver.DatawalletModification{
			ID: NewID(PrefixModification), Owner: as.Address, ObjectIdentifier: m.ObjectIdentifier, PayloadCategory: m.PayloadCategory,
			CreatedAt: now, CreatedByDevice: as.DeviceID, Collection: m.Collection, Type: m.Type,
			EncryptedPayload: m.EncryptedPayload, DatawalletVersion: m.DatawalletVersion,
		}
	}
	stored, err := tx.Datawallets().AppendModifications(ctx, as.Address, records)
	if errors.Is(err, driver.ErrConflict) {
		return nil, errNotUpToDate // another device pushed at the same moment
	}
	if err != nil {
		return nil, internal("append modifications", err)
	}
	out := make([]CreatedModification, len(stored))
	for i, m := range stored {
		out[i] = CreatedModification{ID: m.ID, Index: m.Index, CreatedAt: m.CreatedAt}
	}
	// Push notifications tell the identity's other devices.
	return out, b.raise(ctx, tx, now, DatawalletModified{Identity: as.Address, ModifiedByDevice: as.DeviceID})
}
