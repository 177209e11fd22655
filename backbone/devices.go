package backbone

import (
	"context"
	"errors"
	"time"

	"github.com/openbackbone/openbackbone/backbone/driver"
)

// Device is a device of an identity, as its owner sees it.
type Device struct {
	ID                    string
	Username              string
	CreatedAt             time.Time
	CreatedByDevice       string
	LastLoginAt           *time.Time
	CommunicationLanguage string
	IsBackupDevice        bool
}

func deviceFromRecord(d driver.Device) Device {
	return Device{
		ID: d.ID, Username: d.Username, CreatedAt: d.CreatedAt, CreatedByDevice: d.CreatedByDevice,
		LastLoginAt: d.LastLoginAt, CommunicationLanguage: d.CommunicationLanguage, IsBackupDevice: d.IsBackupDevice,
	}
}

// CreatedDevice carries the credentials of a new device.
type CreatedDevice struct {
	ID              string
	Username        string
	CreatedAt       time.Time
	CreatedByDevice string
	IsBackupDevice  bool
}

func newDevice(address, createdBy, passwordHash, language string, backup bool, now time.Time) driver.Device {
	id := NewID(PrefixDevice)
	if createdBy == "" {
		createdBy = id // the first device creates itself
	}
	return driver.Device{
		ID: id, IdentityAddress: address, Username: NewID(PrefixUsername), PasswordHash: passwordHash,
		CreatedAt: now, CreatedByDevice: createdBy, CommunicationLanguage: language, IsBackupDevice: backup,
	}
}

// Devices registers and manages the devices of the caller's identity.
type Devices struct{ b *Backbone }

// RegisterDeviceRequest adds a device to the caller's identity; the
// challenge must be signed with the identity's key.
type RegisterDeviceRequest struct {
	DevicePassword        string
	SignedChallenge       SignedChallenge
	CommunicationLanguage string // default "en"
	IsBackupDevice        bool
}

var errOnlyOneBackupDevice = invalid(CodeOnlyOneBackupDeviceCanExist, "There can only be one backup device per identity.")

// Register adds a device to the caller's identity.
func (s *Devices) Register(ctx context.Context, as Caller, req RegisterDeviceRequest) (CreatedDevice, error) {
	b := s.b
	if as.Anonymous() {
		return CreatedDevice{}, errUnauthenticated
	}
	switch {
	case req.DevicePassword == "":
		return CreatedDevice{}, invalidProperty("devicePassword", "must not be empty.")
	case req.SignedChallenge.Challenge == "":
		return CreatedDevice{}, invalidProperty("signedChallenge.challenge", "must not be empty.")
	case len(req.SignedChallenge.Signature) == 0:
		return CreatedDevice{}, invalidProperty("signedChallenge.signature", "must not be empty.")
	}
	if req.CommunicationLanguage == "" {
		req.CommunicationLanguage = "en"
	}
	if err := checkCommunicationLanguage(req.CommunicationLanguage); err != nil {
		return CreatedDevice{}, err
	}
	// Hashing is slow; do it before the transaction takes the write lock.
	passwordHash := hashPassword(req.DevicePassword)
	now := b.now()
	var device driver.Device
	err := b.store.InTx(ctx, func(tx driver.Tx) error {
		identity, err := tx.Identities().Get(ctx, as.Address)
		if errors.Is(err, driver.ErrNotFound) {
			return notFound("Identity")
		} else if err != nil {
			return internal("get identity", err)
		}
		if req.IsBackupDevice {
			devices, _, err := tx.Devices().List(ctx, as.Address, nil, PageRequest{Number: 1, Size: 1000})
			if err != nil {
				return internal("list devices", err)
			}
			for _, d := range devices {
				if d.IsBackupDevice {
					return errOnlyOneBackupDevice
				}
			}
		}
		if err := b.redeem(ctx, tx, identity.PublicKey, req.SignedChallenge, now); err != nil {
			return err
		}
		if msg := b.cfg.PasswordPolicy.check(req.DevicePassword); msg != "" {
			return invalid(CodeRegistrationFailed, "%s", msg)
		}
		device = newDevice(as.Address, as.DeviceID, passwordHash, req.CommunicationLanguage, req.IsBackupDevice, now)
		err = tx.Devices().Insert(ctx, device)
		if errors.Is(err, driver.ErrConflict) && req.IsBackupDevice {
			return errOnlyOneBackupDevice // a concurrent registration won
		}
		return internal("insert device", err)
	})
	if err != nil {
		return CreatedDevice{}, err
	}
	return CreatedDevice{ID: device.ID, Username: device.Username, CreatedAt: now, CreatedByDevice: device.CreatedByDevice, IsBackupDevice: device.IsBackupDevice}, nil
}

// List returns a page of the caller's identity's devices, oldest first,
// optionally only those with the given IDs.
func (s *Devices) List(ctx context.Context, as Caller, ids []string, page PageRequest) (Page[Device], error) {
	if as.Anonymous() {
		return Page[Device]{}, errUnauthenticated
	}
	for _, id := range ids {
		if !ValidID(PrefixDevice, id) {
			return Page[Device]{}, invalidIDError("ids")
		}
	}
	page, err := s.b.normalizePage(page)
	if err != nil {
		return Page[Device]{}, err
	}
	items, total, err := s.b.store.Devices().List(ctx, as.Address, ids, page)
	if err != nil {
		return Page[Device]{}, internal("list devices", err)
	}
	return mapPage(items, total, page, deviceFromRecord), nil
}

// Self returns the calling device.
func (s *Devices) Self(ctx context.Context, as Caller) (Device, error) {
	d, err := s.self(ctx, s.b.store, as)
	return deviceFromRecord(d), err
}

func (s *Devices) self(ctx context.Context, st driver.Stores, as Caller) (driver.Device, error) {
	if as.Anonymous() {
		return driver.Device{}, errUnauthenticated
	}
	d, err := st.Devices().Get(ctx, as.DeviceID)
	if errors.Is(err, driver.ErrNotFound) || err == nil && d.IdentityAddress != as.Address {
		return driver.Device{}, notFound("Device")
	}
	return d, internal("get device", err)
}

// UpdateSelf changes the calling device's communication language.
func (s *Devices) UpdateSelf(ctx context.Context, as Caller, communicationLanguage string) error {
	if err := checkCommunicationLanguage(communicationLanguage); err != nil {
		return err
	}
	return s.b.store.InTx(ctx, func(tx driver.Tx) error {
		d, err := s.self(ctx, tx, as)
		if err != nil {
			return err
		}
		d.CommunicationLanguage = communicationLanguage
		return internal("update device", tx.Devices().Update(ctx, d))
	})
}

// ChangePassword replaces the calling device's password after checking the
// old one.
func (s *Devices) ChangePassword(ctx context.Context, as Caller, oldPassword, newPassword string) error {
	switch {
	case oldPassword == "":
		return invalidProperty("oldPassword", "must not be empty.")
	case newPassword == "":
		return invalidProperty("newPassword", "must not be empty.")
	}
	if msg := s.b.cfg.PasswordPolicy.check(newPassword); msg != "" {
		return invalid(CodeChangePasswordFailed, "%s", msg)
	}
	// Hashing is slow; do it before taking the write lock.
	newHash := hashPassword(newPassword)
	return s.b.store.InTx(ctx, func(tx driver.Tx) error {
		d, err := s.self(ctx, tx, as)
		if err != nil {
			return err
		}
		if !verifyPassword(d.PasswordHash, oldPassword) {
			return invalid(CodeChangePasswordFailed, "Incorrect password.")
		}
		d.PasswordHash = newHash
		return internal("update device", tx.Devices().Update(ctx, d))
	})
}

// Delete removes a device that was registered but never logged in: it lets
// an identity abort adding a device. Onboarded devices stay.
func (s *Devices) Delete(ctx context.Context, as Caller, id string) error {
	if as.Anonymous() {
		return errUnauthenticated
	}
	if !ValidID(PrefixDevice, id) {
		return invalidIDError("id")
	}
	return s.b.store.InTx(ctx, func(tx driver.Tx) error {
		d, err := tx.Devices().Get(ctx, id)
		if errors.Is(err, driver.ErrNotFound) {
			return notFound("Device")
		} else if err != nil {
			return internal("get device", err)
		}
		if d.IdentityAddress != as.Address || d.LastLoginAt != nil {
			return invalid(CodeDeviceCannotBeDeleted, "The device cannot be deleted: it belongs to another identity or has already been onboarded.")
		}
		return internal("delete device", tx.Devices().Delete(ctx, id))
	})
}
