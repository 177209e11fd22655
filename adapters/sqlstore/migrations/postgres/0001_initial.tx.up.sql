-- The identity, device, challenge, client and tier tables.
--
-- Times are timestamptz (microseconds, UTC on the way out). Optional strings
-- are NULL when empty. Columns that lists are ordered by use the "C"
-- collation, so order is byte order whatever the database's locale (as on
-- SQLite). Aggregates reference each other by key only, without foreign
-- keys: the port lets each be written and deleted on its own.

CREATE TABLE IF NOT EXISTS tiers (
    id                                varchar(64)  NOT NULL PRIMARY KEY,
    name                              varchar(100) COLLATE "C" NOT NULL,
    can_be_used_as_default_for_client boolean      NOT NULL,
    can_be_manually_assigned          boolean      NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS tiers_name_key ON tiers (name);

CREATE TABLE IF NOT EXISTS clients (
    client_id       varchar(200) COLLATE "C" NOT NULL PRIMARY KEY,
    display_name    varchar(500) NOT NULL,
    secret_hash     varchar(500) NOT NULL,
    default_tier_id varchar(64)  NOT NULL,
    max_identities  bigint       NULL,
    created_at      timestamptz  NOT NULL
);
CREATE INDEX IF NOT EXISTS clients_created_at_idx ON clients (created_at, client_id);

CREATE TABLE IF NOT EXISTS challenges (
    id                varchar(64)  NOT NULL PRIMARY KEY,
    expires_at        timestamptz  NOT NULL,
    created_by        varchar(100) NULL,
    created_by_device varchar(64)  NULL
);
CREATE INDEX IF NOT EXISTS challenges_expires_at_idx ON challenges (expires_at);

CREATE TABLE IF NOT EXISTS identities (
    address                       varchar(100) NOT NULL PRIMARY KEY,
    client_id                     varchar(200) NOT NULL,
    public_key                    bytea        NOT NULL,
    identity_version              integer      NOT NULL,
    created_at                    timestamptz  NOT NULL,
    tier_id                       varchar(64)  NOT NULL,
    tier_id_before_deletion       varchar(64)  NULL,
    status                        smallint     NOT NULL,
    deletion_grace_period_ends_at timestamptz  NULL
);
CREATE INDEX IF NOT EXISTS identities_client_id_idx ON identities (client_id);

CREATE TABLE IF NOT EXISTS identity_feature_flags (
    identity_address varchar(100) NOT NULL,
    name             varchar(200) NOT NULL,
    enabled          boolean      NOT NULL,
    PRIMARY KEY (identity_address, name)
);

CREATE TABLE IF NOT EXISTS devices (
    id                     varchar(64)  COLLATE "C" NOT NULL PRIMARY KEY,
    identity_address       varchar(100) NOT NULL,
    username               varchar(64)  NOT NULL,
    -- upper(username), computed by the store: usernames are unique and
    -- looked up case-insensitively.
    username_normalized    varchar(64)  NOT NULL,
    password_hash          varchar(500) NOT NULL,
    created_at             timestamptz  NOT NULL,
    created_by_device      varchar(64)  NULL,
    last_login_at          timestamptz  NULL,
    communication_language varchar(16)  NOT NULL,
    is_backup_device       boolean      NOT NULL,
    failed_logins          integer      NOT NULL,
    locked_out_until       timestamptz  NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS devices_username_normalized_key ON devices (username_normalized);
-- At most one backup device per identity.
CREATE UNIQUE INDEX IF NOT EXISTS devices_one_backup_per_identity_key ON devices (identity_address) WHERE is_backup_device;
CREATE INDEX IF NOT EXISTS devices_identity_address_created_at_idx ON devices (identity_address, created_at, id);
