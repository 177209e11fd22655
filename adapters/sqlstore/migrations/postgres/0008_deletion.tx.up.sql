-- The identity deletion process, deletion audit log and deleted username
-- tables.
--
-- Conventions as in 0001 to 0006. The audit log and the deleted usernames
-- name an identity only by hashes, so that they can outlive it.

CREATE TABLE IF NOT EXISTS deletion_processes (
    id                             varchar(64)  COLLATE "C" NOT NULL PRIMARY KEY,
    identity_address               varchar(100) NOT NULL,
    status                         smallint     NOT NULL,
    created_at                     timestamptz  NOT NULL,
    created_by_device              varchar(64)  NOT NULL,
    -- NULL once cancelled.
    grace_period_ends_at           timestamptz  NULL,
    cancelled_at                   timestamptz  NULL,
    cancelled_by_device            varchar(64)  NULL,
    grace_period_reminder1_sent_at timestamptz  NULL,
    grace_period_reminder2_sent_at timestamptz  NULL,
    grace_period_reminder3_sent_at timestamptz  NULL,
    deletion_started_at            timestamptz  NULL
);
-- ListProcesses.
CREATE INDEX IF NOT EXISTS deletion_processes_identity_address_idx ON deletion_processes (identity_address, created_at);
-- ListProcessesInStatus (the jobs) and DeleteCancelledBefore.
CREATE INDEX IF NOT EXISTS deletion_processes_status_idx ON deletion_processes (status, created_at);
-- At most one Active (1) or Deleting (10) process per identity, also under
-- concurrent starts.
CREATE UNIQUE INDEX IF NOT EXISTS deletion_processes_one_open_key ON deletion_processes (identity_address) WHERE status IN (1, 10);

CREATE TABLE IF NOT EXISTS deletion_audit_entries (
    id              varchar(64)  COLLATE "C" NOT NULL PRIMARY KEY,
    -- Insertion order, for entries written in the same millisecond.
    seq             bigserial    NOT NULL,
    process_id      varchar(64)  NULL,
    -- Hex SHA-256 of the identity's address.
    address_hash    varchar(64)  NOT NULL,
    created_at      timestamptz  NOT NULL,
    message_key     varchar(64)  NOT NULL,
    old_status      smallint     NULL,
    new_status      smallint     NULL,
    -- A JSON object of strings.
    additional_data text         NOT NULL
);
CREATE INDEX IF NOT EXISTS deletion_audit_entries_address_hash_idx ON deletion_audit_entries (address_hash, created_at, seq);
CREATE INDEX IF NOT EXISTS deletion_audit_entries_process_id_idx ON deletion_audit_entries (process_id, created_at, seq);

CREATE TABLE IF NOT EXISTS deleted_usernames (
    -- PBKDF2 hash of a username of a deleted identity's device, base64.
    username_hash varchar(100) NOT NULL PRIMARY KEY,
    address_hash  varchar(64)  NOT NULL,
    deleted_at    timestamptz  NOT NULL
);
CREATE INDEX IF NOT EXISTS deleted_usernames_address_hash_idx ON deleted_usernames (address_hash);

-- Erasure and housekeeping look these up by owner or expiry; 0001 to 0007
-- index them only as far as the API and quotas needed (0007 covers
-- challenges and tokens by creator).
CREATE INDEX IF NOT EXISTS files_owner_idx ON files (owner);
CREATE INDEX IF NOT EXISTS files_expires_at_idx ON files (expires_at);
CREATE INDEX IF NOT EXISTS tokens_for_identity_idx ON tokens (for_identity) WHERE for_identity IS NOT NULL;
CREATE INDEX IF NOT EXISTS tokens_expires_at_idx ON tokens (expires_at);
CREATE INDEX IF NOT EXISTS token_allocations_allocated_by_idx ON token_allocations (allocated_by);
CREATE INDEX IF NOT EXISTS relationship_templates_for_identity_idx ON relationship_templates (for_identity) WHERE for_identity IS NOT NULL;
CREATE INDEX IF NOT EXISTS relationship_templates_expires_at_idx ON relationship_templates (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS relationship_template_allocations_allocated_by_idx ON relationship_template_allocations (allocated_by);
CREATE INDEX IF NOT EXISTS relationship_audit_entries_created_by_idx ON relationship_audit_entries (created_by);
