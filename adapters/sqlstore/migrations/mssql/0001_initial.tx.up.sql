-- The identity, device, challenge, client and tier tables.
--
-- The SQL Server twin of migrations/postgres: the same tables, columns,
-- keys and indexes. Times are datetime2(6) holding UTC (microseconds, as
-- timestamptz). Strings are nvarchar with a binary collation, all of them:
-- order is code-point order and equality case-sensitive whatever the
-- server's default collation (as "C" on PostgreSQL and SQLite's default),
-- and no comparison mixes collations. Binary data is varbinary(max),
-- booleans bit. Partial indexes are filtered indexes. One statement per
-- batch (--bun:split): go-mssqldb does not understand GO. Optional strings
-- are NULL when empty. Aggregates reference each other by key only, without
-- foreign keys: the port lets each be written and deleted on its own.

CREATE TABLE tiers (
    id                                nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL PRIMARY KEY,
    name                              nvarchar(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
    can_be_used_as_default_for_client bit      NOT NULL,
    can_be_manually_assigned          bit      NOT NULL
);
--bun:split
CREATE UNIQUE INDEX tiers_name_key ON tiers (name);
--bun:split

CREATE TABLE clients (
    client_id       nvarchar(200) COLLATE Latin1_General_100_BIN2 NOT NULL PRIMARY KEY,
    display_name    nvarchar(500) COLLATE Latin1_General_100_BIN2 NOT NULL,
    secret_hash     nvarchar(500) COLLATE Latin1_General_100_BIN2 NOT NULL,
    default_tier_id nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    max_identities  bigint       NULL,
    created_at      datetime2(6)  NOT NULL
);
--bun:split
CREATE INDEX clients_created_at_idx ON clients (created_at, client_id);
--bun:split

CREATE TABLE challenges (
    id                nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL PRIMARY KEY,
    expires_at        datetime2(6)  NOT NULL,
    created_by        nvarchar(100) COLLATE Latin1_General_100_BIN2 NULL,
    created_by_device nvarchar(64)  COLLATE Latin1_General_100_BIN2 NULL
);
--bun:split
CREATE INDEX challenges_expires_at_idx ON challenges (expires_at);
--bun:split

CREATE TABLE identities (
    address                       nvarchar(100) COLLATE Latin1_General_100_BIN2 NOT NULL PRIMARY KEY,
    client_id                     nvarchar(200) COLLATE Latin1_General_100_BIN2 NOT NULL,
    public_key                    varbinary(max)        NOT NULL,
    identity_version              integer      NOT NULL,
    created_at                    datetime2(6)  NOT NULL,
    tier_id                       nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    tier_id_before_deletion       nvarchar(64)  COLLATE Latin1_General_100_BIN2 NULL,
    status                        smallint     NOT NULL,
    deletion_grace_period_ends_at datetime2(6)  NULL
);
--bun:split
CREATE INDEX identities_client_id_idx ON identities (client_id);
--bun:split

CREATE TABLE identity_feature_flags (
    identity_address nvarchar(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
    name             nvarchar(200) COLLATE Latin1_General_100_BIN2 NOT NULL,
    enabled          bit      NOT NULL,
    PRIMARY KEY (identity_address, name)
);
--bun:split

CREATE TABLE devices (
    id                     nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL PRIMARY KEY,
    identity_address       nvarchar(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
    username               nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    -- upper(username), computed by the store: usernames are unique and
    -- looked up case-insensitively.
    username_normalized    nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    password_hash          nvarchar(500) COLLATE Latin1_General_100_BIN2 NOT NULL,
    created_at             datetime2(6)  NOT NULL,
    created_by_device      nvarchar(64)  COLLATE Latin1_General_100_BIN2 NULL,
    last_login_at          datetime2(6)  NULL,
    communication_language nvarchar(16)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    is_backup_device       bit      NOT NULL,
    failed_logins          integer      NOT NULL,
    locked_out_until       datetime2(6)  NULL
);
--bun:split
CREATE UNIQUE INDEX devices_username_normalized_key ON devices (username_normalized);
--bun:split
-- At most one backup device per identity.
CREATE UNIQUE INDEX devices_one_backup_per_identity_key ON devices (identity_address) WHERE is_backup_device = 1;
--bun:split
CREATE INDEX devices_identity_address_created_at_idx ON devices (identity_address, created_at, id);
