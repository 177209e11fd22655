-- The identity deletion process, deletion audit log and deleted username
-- tables.
--
-- Conventions as in 0001 to 0006. The audit log and the deleted usernames
-- name an identity only by hashes, so that they can outlive it.

CREATE TABLE deletion_processes (
    id                             nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL PRIMARY KEY,
    identity_address               nvarchar(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
    status                         smallint     NOT NULL,
    created_at                     datetime2(6)  NOT NULL,
    created_by_device              nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    -- NULL once cancelled.
    grace_period_ends_at           datetime2(6)  NULL,
    cancelled_at                   datetime2(6)  NULL,
    cancelled_by_device            nvarchar(64)  COLLATE Latin1_General_100_BIN2 NULL,
    grace_period_reminder1_sent_at datetime2(6)  NULL,
    grace_period_reminder2_sent_at datetime2(6)  NULL,
    grace_period_reminder3_sent_at datetime2(6)  NULL,
    deletion_started_at            datetime2(6)  NULL
);
--bun:split
-- ListProcesses.
CREATE INDEX deletion_processes_identity_address_idx ON deletion_processes (identity_address, created_at);
--bun:split
-- ListProcessesInStatus (the jobs) and DeleteCancelledBefore.
CREATE INDEX deletion_processes_status_idx ON deletion_processes (status, created_at);
--bun:split
-- At most one Active (1) or Deleting (10) process per identity, also under
-- concurrent starts.
CREATE UNIQUE INDEX deletion_processes_one_open_key ON deletion_processes (identity_address) WHERE status IN (1, 10);
--bun:split

CREATE TABLE deletion_audit_entries (
    id              nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL PRIMARY KEY,
    -- Insertion order, for entries written in the same millisecond.
    seq             bigint IDENTITY(1, 1) NOT NULL,
    process_id      nvarchar(64)  COLLATE Latin1_General_100_BIN2 NULL,
    -- Hex SHA-256 of the identity's address.
    address_hash    nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    created_at      datetime2(6)  NOT NULL,
    message_key     nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    old_status      smallint     NULL,
    new_status      smallint     NULL,
    -- A JSON object of strings.
    additional_data nvarchar(max) COLLATE Latin1_General_100_BIN2 NOT NULL
);
--bun:split
CREATE INDEX deletion_audit_entries_address_hash_idx ON deletion_audit_entries (address_hash, created_at, seq);
--bun:split
CREATE INDEX deletion_audit_entries_process_id_idx ON deletion_audit_entries (process_id, created_at, seq);
--bun:split

CREATE TABLE deleted_usernames (
    -- PBKDF2 hash of a username of a deleted identity's device, base64.
    username_hash nvarchar(100) COLLATE Latin1_General_100_BIN2 NOT NULL PRIMARY KEY,
    address_hash  nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    deleted_at    datetime2(6)  NOT NULL
);
--bun:split
CREATE INDEX deleted_usernames_address_hash_idx ON deleted_usernames (address_hash);
--bun:split

-- Erasure and housekeeping look these up by owner or expiry; 0001 to 0007
-- index them only as far as the API and quotas needed (0007 covers
-- challenges and tokens by creator).
CREATE INDEX files_owner_idx ON files (owner);
--bun:split
CREATE INDEX files_expires_at_idx ON files (expires_at);
--bun:split
CREATE INDEX tokens_for_identity_idx ON tokens (for_identity) WHERE for_identity IS NOT NULL;
--bun:split
CREATE INDEX tokens_expires_at_idx ON tokens (expires_at);
--bun:split
CREATE INDEX token_allocations_allocated_by_idx ON token_allocations (allocated_by);
--bun:split
CREATE INDEX relationship_templates_for_identity_idx ON relationship_templates (for_identity) WHERE for_identity IS NOT NULL;
--bun:split
CREATE INDEX relationship_templates_expires_at_idx ON relationship_templates (expires_at) WHERE expires_at IS NOT NULL;
--bun:split
CREATE INDEX relationship_template_allocations_allocated_by_idx ON relationship_template_allocations (allocated_by);
--bun:split
CREATE INDEX relationship_audit_entries_created_by_idx ON relationship_audit_entries (created_by);
