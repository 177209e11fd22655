-- The sync run, external event, datawallet and outbox tables.
--
-- Conventions as in 0001. Per-owner indexes (idx: "index" is a keyword) are
-- unique per owner, so that two writers that picked the same one cannot
-- both commit.

CREATE TABLE IF NOT EXISTS sync_runs (
    id                varchar(64)  COLLATE "C" NOT NULL PRIMARY KEY,
    type              smallint     NOT NULL,
    created_by        varchar(100) NOT NULL,
    idx               bigint       NOT NULL,
    created_at        timestamptz  NOT NULL,
    expires_at        timestamptz  NOT NULL,
    created_by_device varchar(64)  NOT NULL,
    event_count       integer      NOT NULL,
    finalized_at      timestamptz  NULL
);
-- Latest: the identity's highest index.
CREATE UNIQUE INDEX IF NOT EXISTS sync_runs_created_by_idx_key ON sync_runs (created_by, idx);
CREATE INDEX IF NOT EXISTS sync_runs_finalized_at_idx ON sync_runs (finalized_at) WHERE finalized_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS external_events (
    id                  varchar(200) COLLATE "C" NOT NULL PRIMARY KEY,
    owner               varchar(100) NOT NULL,
    idx                 bigint       NOT NULL,
    type                varchar(200) NOT NULL,
    created_at          timestamptz  NOT NULL,
    -- bytea, not jsonb: the payload comes back byte for byte.
    payload             bytea        NOT NULL,
    sync_run_id         varchar(64)  NULL,
    sync_error_count    integer      NOT NULL,
    is_delivery_blocked boolean      NOT NULL,
    context_id          varchar(200) NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS external_events_owner_idx_key ON external_events (owner, idx);
-- ListDeliverable and HasUnsyncedWithoutErrors: the owner's unsynced events.
CREATE INDEX IF NOT EXISTS external_events_unsynced_idx ON external_events (owner, idx) WHERE sync_run_id IS NULL;
-- ListBySyncRun, AllBySyncRun, and unassigning a purged run's events.
CREATE INDEX IF NOT EXISTS external_events_sync_run_id_idx ON external_events (sync_run_id, idx) WHERE sync_run_id IS NOT NULL;
-- SetBlockedByContext and DeleteUnsyncedByContext.
CREATE INDEX IF NOT EXISTS external_events_owner_context_idx ON external_events (owner, context_id) WHERE context_id IS NOT NULL;

CREATE TABLE IF NOT EXISTS datawallets (
    id      varchar(64)  NOT NULL PRIMARY KEY,
    owner   varchar(100) NOT NULL,
    version integer      NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS datawallets_owner_key ON datawallets (owner);

CREATE TABLE IF NOT EXISTS datawallet_modifications (
    id                 varchar(64)  COLLATE "C" NOT NULL PRIMARY KEY,
    owner              varchar(100) NOT NULL,
    idx                bigint       NOT NULL,
    object_identifier  varchar(200) NOT NULL,
    -- Empty, not NULL, when the client sent none: it is part of the key
    -- ListModifications deduplicates by, and empty ones group together.
    payload_category   varchar(100) NOT NULL,
    created_at         timestamptz  NOT NULL,
    created_by_device  varchar(64)  NOT NULL,
    collection         varchar(100) NOT NULL,
    type               smallint     NOT NULL,
    encrypted_payload  bytea        NULL,
    datawallet_version integer      NOT NULL,
    -- Set once a later modification of the owner has the same key
    -- (object_identifier, type, payload_category): ListModifications
    -- returns only the others, so that it pages through an index.
    superseded         boolean      NOT NULL
);
-- LatestIndex and AppendModifications.
CREATE UNIQUE INDEX IF NOT EXISTS datawallet_modifications_owner_idx_key ON datawallet_modifications (owner, idx);
-- ListModifications: the owner's current modifications, by index.
CREATE INDEX IF NOT EXISTS datawallet_modifications_current_idx ON datawallet_modifications (owner, idx) WHERE NOT superseded;
-- AppendModifications: the current modifications a new one supersedes.
CREATE INDEX IF NOT EXISTS datawallet_modifications_key_idx ON datawallet_modifications (owner, object_identifier, type, payload_category) WHERE NOT superseded;

CREATE TABLE IF NOT EXISTS outbox_messages (
    id          varchar(200) COLLATE "C" NOT NULL PRIMARY KEY,
    topic       varchar(200) NOT NULL,
    body        bytea        NOT NULL,
    created_at  timestamptz  NOT NULL,
    -- NULL until claimed; a claim holds the message until then.
    lease_until timestamptz  NULL
);
-- Claim: oldest first.
CREATE INDEX IF NOT EXISTS outbox_messages_created_at_idx ON outbox_messages (created_at, id);
