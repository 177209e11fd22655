-- The sync run, external event, datawallet and outbox tables.
--
-- Conventions as in 0001. Per-owner indexes (idx: "index" is a keyword) are
-- unique per owner, so that two writers that picked the same one cannot
-- both commit.

CREATE TABLE sync_runs (
    id                nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL PRIMARY KEY,
    type              smallint     NOT NULL,
    created_by        nvarchar(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
    idx               bigint       NOT NULL,
    created_at        datetime2(6)  NOT NULL,
    expires_at        datetime2(6)  NOT NULL,
    created_by_device nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    event_count       integer      NOT NULL,
    finalized_at      datetime2(6)  NULL
);
--bun:split
-- Latest: the identity's highest index.
CREATE UNIQUE INDEX sync_runs_created_by_idx_key ON sync_runs (created_by, idx);
--bun:split
CREATE INDEX sync_runs_finalized_at_idx ON sync_runs (finalized_at) WHERE finalized_at IS NOT NULL;
--bun:split

CREATE TABLE external_events (
    id                  nvarchar(200) COLLATE Latin1_General_100_BIN2 NOT NULL PRIMARY KEY,
    owner               nvarchar(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
    idx                 bigint       NOT NULL,
    type                nvarchar(200) COLLATE Latin1_General_100_BIN2 NOT NULL,
    created_at          datetime2(6)  NOT NULL,
    -- varbinary, not nvarchar: the payload comes back byte for byte.
    payload             varbinary(max)        NOT NULL,
    sync_run_id         nvarchar(64)  COLLATE Latin1_General_100_BIN2 NULL,
    sync_error_count    integer      NOT NULL,
    is_delivery_blocked bit      NOT NULL,
    context_id          nvarchar(200) COLLATE Latin1_General_100_BIN2 NULL
);
--bun:split
CREATE UNIQUE INDEX external_events_owner_idx_key ON external_events (owner, idx);
--bun:split
-- ListDeliverable and HasUnsyncedWithoutErrors: the owner's unsynced events.
CREATE INDEX external_events_unsynced_idx ON external_events (owner, idx) WHERE sync_run_id IS NULL;
--bun:split
-- ListBySyncRun, AllBySyncRun, and unassigning a purged run's events.
CREATE INDEX external_events_sync_run_id_idx ON external_events (sync_run_id, idx) WHERE sync_run_id IS NOT NULL;
--bun:split
-- SetBlockedByContext and DeleteUnsyncedByContext.
CREATE INDEX external_events_owner_context_idx ON external_events (owner, context_id) WHERE context_id IS NOT NULL;
--bun:split

CREATE TABLE datawallets (
    id      nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL PRIMARY KEY,
    owner   nvarchar(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
    version integer      NOT NULL
);
--bun:split
CREATE UNIQUE INDEX datawallets_owner_key ON datawallets (owner);
--bun:split

CREATE TABLE datawallet_modifications (
    id                 nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL PRIMARY KEY,
    owner              nvarchar(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
    idx                bigint       NOT NULL,
    object_identifier  nvarchar(200) COLLATE Latin1_General_100_BIN2 NOT NULL,
    -- Empty, not NULL, when the client sent none: it is part of the key
    -- ListModifications deduplicates by, and empty ones group together.
    payload_category   nvarchar(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
    created_at         datetime2(6)  NOT NULL,
    created_by_device  nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    collection         nvarchar(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
    type               smallint     NOT NULL,
    encrypted_payload  varbinary(max)        NULL,
    datawallet_version integer      NOT NULL,
    -- Set once a later modification of the owner has the same key
    -- (object_identifier, type, payload_category): ListModifications
    -- returns only the others, so that it pages through an index.
    superseded         bit      NOT NULL
);
--bun:split
-- LatestIndex and AppendModifications.
CREATE UNIQUE INDEX datawallet_modifications_owner_idx_key ON datawallet_modifications (owner, idx);
--bun:split
-- ListModifications: the owner's current modifications, by index.
CREATE INDEX datawallet_modifications_current_idx ON datawallet_modifications (owner, idx) WHERE superseded = 0;
--bun:split
-- AppendModifications: the current modifications a new one supersedes.
CREATE INDEX datawallet_modifications_key_idx ON datawallet_modifications (owner, object_identifier, type, payload_category) WHERE superseded = 0;
--bun:split

CREATE TABLE outbox_messages (
    id          nvarchar(200) COLLATE Latin1_General_100_BIN2 NOT NULL PRIMARY KEY,
    topic       nvarchar(200) COLLATE Latin1_General_100_BIN2 NOT NULL,
    body        varbinary(max)        NOT NULL,
    created_at  datetime2(6)  NOT NULL,
    -- NULL until claimed; a claim holds the message until then.
    lease_until datetime2(6)  NULL
);
--bun:split
-- Claim: oldest first.
CREATE INDEX outbox_messages_created_at_idx ON outbox_messages (created_at, id);
