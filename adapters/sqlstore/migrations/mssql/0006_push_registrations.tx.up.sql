-- The push registration table: the push channel of a device, at most one
-- per device.
--
-- Conventions as in 0001 to 0005, with one foreign key: a registration is
-- part of its device, not an aggregate of its own, and goes with it when
-- the device is deleted.

CREATE TABLE push_registrations (
    device_id              nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
    identity_address       nvarchar(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
    -- Chosen when the device first registers, kept across updates.
    device_push_identifier nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    platform               nvarchar(32)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    -- The APNs device token, the FCM registration token, …: up to 500
    -- characters.
    handle                 nvarchar(500) COLLATE Latin1_General_100_BIN2 NOT NULL,
    app_id                 nvarchar(200) COLLATE Latin1_General_100_BIN2 NOT NULL,
    environment            nvarchar(16)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    updated_at             datetime2(6)  NOT NULL
);
--bun:split
CREATE UNIQUE INDEX push_registrations_device_push_identifier_key ON push_registrations (device_push_identifier);
--bun:split
-- ListRecipients: the registrations of the identities' devices.
CREATE INDEX push_registrations_identity_address_idx ON push_registrations (identity_address, device_id);
--bun:split
-- DeleteByHandle.
CREATE INDEX push_registrations_platform_handle_idx ON push_registrations (platform, handle);
