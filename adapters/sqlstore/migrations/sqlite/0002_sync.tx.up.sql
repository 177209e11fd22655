-- The sync run, external event, datawallet and outbox tables.
--
-- Conventions as in 0001. Per-owner indexes (idx: "index" is a keyword) are
-- unique per owner, so that two writers that picked the same one cannot
-- both commit.

CREATE TABLE IF NOT EXISTS sync_runs (
    id                TEXT    NOT NULL PRIMARY KEY,
    type              INTEGER NOT NULL,
    created_by        TEXT    NOT NULL,
    idx               INTEGER NOT NULL,
    created_at        TEXT    NOT NULL,
    expires_at        TEXT    NOT NULL,
    created_by_device TEXT    NOT NULL,
    event_count       INTEGER NOT NULL,
    finalized_at      TEXT    NULL
) STRICT;
--bun:split
-- Latest: the identity's highest index.
CREATE UNIQUE INDEX IF NOT EXISTS sync_runs_created_by_idx_key ON sync_runs (created_by, idx);
--bun:split
CREATE INDEX IF NOT EXISTS sync_runs_finalized_at_idx ON sync_runs (finalized_at) WHERE finalized_at IS NOT NULL;
--bun:split

CREATE TABLE IF NOT EXISTS external_events (
    id                  TEXT    NOT NULL PRIMARY KEY,
    owner               TEXT    NOT NULL,
    idx                 INTEGER NOT NULL,
    type                TEXT    NOT NULL,
    created_at          TEXT    NOT NULL,
    payload             BLOB    NOT NULL,
    sync_run_id         TEXT    NULL,
    sync_error_count    INTEGER NOT NULL,
    is_delivery_blocked INTEGER NOT NULL,
    context_id          TEXT    NULL
) STRICT;
--bun:split
CREATE UNIQUE INDEX IF NOT EXISTS external_events_owner_idx_key ON external_events (owner, idx);
--bun:split
-- ListDeliverable and HasUnsyncedWithoutErrors: the owner's unsynced events.
CREATE INDEX IF NOT EXISTS external_events_unsynced_idx ON external_events (owner, idx) WHERE sync_run_id IS NULL;
--bun:split
-- ListBySyncRun, AllBySyncRun, and unassigning a purged run's events.
CREATE INDEX IF NOT EXISTS external_events_sync_run_id_idx ON external_events (sync_run_id, idx) WHERE sync_run_id IS NOT NULL;
--bun:split
-- SetBlockedByContext and DeleteUnsyncedByContext.
CREATE INDEX IF NOT EXISTS external_events_owner_context_idx ON external_events (owner, context_id) WHERE context_id IS NOT NULL;
--bun:split

CREATE TABLE IF NOT EXISTS datawallets (
    id      TEXT    NOT NULL PRIMARY KEY,
    owner   TEXT    NOT NULL,
    version INTEGER NOT NULL
) STRICT;
--bun:split
CREATE UNIQUE INDEX IF NOT EXISTS datawallets_owner_key ON datawallets (owner);
--bun:split

CREATE TABLE IF NOT EXISTS datawallet_modifications (
    id                 TEXT    NOT NULL PRIMARY KEY,
    owner              TEXT    NOT NULL,
    idx                INTEGER NOT NULL,
    object_identifier  TEXT    NOT NULL,
    -- Empty, not NULL, when the client sent none: it is part of the key
    -- ListModifications deduplicates by, and empty ones group together.
    payload_category   TEXT    NOT NULL,
    created_at         TEXT    NOT NULL,
    created_by_device  TEXT    NOT NULL,
    collection         TEXT    NOT NULL,
    type               INTEGER NOT NULL,
    encrypted_payload  BLOB    NULL,
    datawallet_version INTEGER NOT NULL,
    -- Set once a later modification of the owner has the same key
    -- (object_identifier, type, payload_category): ListModifications
    -- returns only the others, so that it pages through an index.
    superseded         INTEGER NOT NULL
) STRICT;
--bun:split
-- LatestIndex and AppendModifications.
CREATE UNIQUE INDEX IF NOT EXISTS datawallet_modifications_owner_idx_key ON datawallet_modifications (owner, idx);
--bun:split
-- ListModifications: the owner's current modifications, by index. The
-- predicates are spelled as the queries spell them (FALSE), or SQLite
-- would not use the indexes.
CREATE INDEX IF NOT EXISTS datawallet_modifications_current_idx ON datawallet_modifications (owner, idx) WHERE superseded = FALSE;
--bun:split
-- AppendModifications: the current modifications a new one supersedes.
CREATE INDEX IF NOT EXISTS datawallet_modifications_key_idx ON datawallet_modifications (owner, object_identifier, type, payload_category) WHERE superseded = FALSE;
--bun:split

CREATE TABLE IF NOT EXISTS outbox_messages (
    id          TEXT NOT NULL PRIMARY KEY,
    topic       TEXT NOT NULL,
    body        BLOB NOT NULL,
    created_at  TEXT NOT NULL,
    -- NULL until claimed; a claim holds the message until then.
    lease_until TEXT NULL
) STRICT;
--bun:split
-- Claim: oldest first.
CREATE INDEX IF NOT EXISTS outbox_messages_created_at_idx ON outbox_messages (created_at, id);
