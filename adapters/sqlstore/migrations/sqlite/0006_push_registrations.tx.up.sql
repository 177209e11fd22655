-- The push registration table: the push channel of a device, at most one
-- per device.
--
-- Conventions as in 0001 to 0005, with one foreign key: a registration is
-- part of its device, not an aggregate of its own, and goes with it when
-- the device is deleted (the store turns foreign keys on for every
-- connection).

CREATE TABLE IF NOT EXISTS push_registrations (
    device_id              TEXT NOT NULL PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
    identity_address       TEXT NOT NULL,
    -- Chosen when the device first registers, kept across updates.
    device_push_identifier TEXT NOT NULL,
    platform               TEXT NOT NULL,
    handle                 TEXT NOT NULL,
    app_id                 TEXT NOT NULL,
    environment            TEXT NOT NULL,
    updated_at             TEXT NOT NULL
) STRICT;
--bun:split
CREATE UNIQUE INDEX IF NOT EXISTS push_registrations_device_push_identifier_key ON push_registrations (device_push_identifier);
--bun:split
-- ListRecipients: the registrations of the identities' devices.
CREATE INDEX IF NOT EXISTS push_registrations_identity_address_idx ON push_registrations (identity_address, device_id);
--bun:split
-- DeleteByHandle.
CREATE INDEX IF NOT EXISTS push_registrations_platform_handle_idx ON push_registrations (platform, handle);
