-- The identity, device, challenge, client and tier tables.
--
-- Times are TEXT in the fixed-width form 2006-01-02T15:04:05.000000Z (UTC),
-- so that text order is time order. Booleans are 0/1. Optional strings are
-- NULL when empty. Tables are STRICT: SQLite rejects values of the wrong
-- type instead of storing them. Aggregates reference each other by key
-- only, without foreign keys: the port lets each be written and deleted on
-- its own.

CREATE TABLE IF NOT EXISTS tiers (
    id                                TEXT    NOT NULL PRIMARY KEY,
    name                              TEXT    NOT NULL,
    can_be_used_as_default_for_client INTEGER NOT NULL,
    can_be_manually_assigned          INTEGER NOT NULL
) STRICT;
--bun:split
CREATE UNIQUE INDEX IF NOT EXISTS tiers_name_key ON tiers (name);
--bun:split

CREATE TABLE IF NOT EXISTS clients (
    client_id       TEXT    NOT NULL PRIMARY KEY,
    display_name    TEXT    NOT NULL,
    secret_hash     TEXT    NOT NULL,
    default_tier_id TEXT    NOT NULL,
    max_identities  INTEGER NULL,
    created_at      TEXT    NOT NULL
) STRICT;
--bun:split
CREATE INDEX IF NOT EXISTS clients_created_at_idx ON clients (created_at, client_id);
--bun:split

CREATE TABLE IF NOT EXISTS challenges (
    id                TEXT NOT NULL PRIMARY KEY,
    expires_at        TEXT NOT NULL,
    created_by        TEXT NULL,
    created_by_device TEXT NULL
) STRICT;
--bun:split
CREATE INDEX IF NOT EXISTS challenges_expires_at_idx ON challenges (expires_at);
--bun:split

CREATE TABLE IF NOT EXISTS identities (
    address                       TEXT    NOT NULL PRIMARY KEY,
    client_id                     TEXT    NOT NULL,
    public_key                    BLOB    NOT NULL,
    identity_version              INTEGER NOT NULL,
    created_at                    TEXT    NOT NULL,
    tier_id                       TEXT    NOT NULL,
    tier_id_before_deletion       TEXT    NULL,
    status                        INTEGER NOT NULL,
    deletion_grace_period_ends_at TEXT    NULL
) STRICT;
--bun:split
CREATE INDEX IF NOT EXISTS identities_client_id_idx ON identities (client_id);
--bun:split

CREATE TABLE IF NOT EXISTS identity_feature_flags (
    identity_address TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    enabled          INTEGER NOT NULL,
    PRIMARY KEY (identity_address, name)
) STRICT;
--bun:split

CREATE TABLE IF NOT EXISTS devices (
    id                     TEXT    NOT NULL PRIMARY KEY,
    identity_address       TEXT    NOT NULL,
    username               TEXT    NOT NULL,
    -- upper(username), computed by the store: usernames are unique and
    -- looked up case-insensitively.
    username_normalized    TEXT    NOT NULL,
    password_hash          TEXT    NOT NULL,
    created_at             TEXT    NOT NULL,
    created_by_device      TEXT    NULL,
    last_login_at          TEXT    NULL,
    communication_language TEXT    NOT NULL,
    is_backup_device       INTEGER NOT NULL,
    failed_logins          INTEGER NOT NULL,
    locked_out_until       TEXT    NULL
) STRICT;
--bun:split
CREATE UNIQUE INDEX IF NOT EXISTS devices_username_normalized_key ON devices (username_normalized);
--bun:split
-- At most one backup device per identity.
CREATE UNIQUE INDEX IF NOT EXISTS devices_one_backup_per_identity_key ON devices (identity_address) WHERE is_backup_device = 1;
--bun:split
CREATE INDEX IF NOT EXISTS devices_identity_address_created_at_idx ON devices (identity_address, created_at, id);
