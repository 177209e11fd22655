-- The push registration table: the push channel of a device, at most one
-- per device.
--
-- Conventions as in 0001 to 0005, with one foreign key: a registration is
-- part of its device, not an aggregate of its own, and goes with it when
-- the device is deleted.

CREATE TABLE IF NOT EXISTS push_registrations (
    device_id              varchar(64)  COLLATE "C" NOT NULL PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
    identity_address       varchar(100) NOT NULL,
    -- Chosen when the device first registers, kept across updates.
    device_push_identifier varchar(64)  NOT NULL,
    platform               varchar(32)  NOT NULL,
    -- The APNs device token, the FCM registration token, …: up to 500
    -- characters.
    handle                 varchar(500) NOT NULL,
    app_id                 varchar(200) NOT NULL,
    environment            varchar(16)  NOT NULL,
    updated_at             timestamptz  NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS push_registrations_device_push_identifier_key ON push_registrations (device_push_identifier);
-- ListRecipients: the registrations of the identities' devices.
CREATE INDEX IF NOT EXISTS push_registrations_identity_address_idx ON push_registrations (identity_address, device_id);
-- DeleteByHandle.
CREATE INDEX IF NOT EXISTS push_registrations_platform_handle_idx ON push_registrations (platform, handle);
