-- The relationship, relationship audit entry, relationship template and
-- template allocation tables.
--
-- Conventions as in 0001 and 0002; no foreign keys: deleting a template
-- deletes its allocations and clears relationships' template_id in the
-- adapter.

CREATE TABLE IF NOT EXISTS relationships (
    id                        varchar(64)  COLLATE "C" NOT NULL PRIMARY KEY,
    -- NULL once the template was deleted.
    template_id               varchar(64)  NULL,
    from_address              varchar(100) NOT NULL,
    to_address                varchar(100) NOT NULL,
    -- The two addresses in byte order, joined by a space: the unordered
    -- pair, whichever side asked.
    pair_key                  varchar(201) COLLATE "C" NOT NULL,
    created_at                timestamptz  NOT NULL,
    status                    smallint     NOT NULL,
    -- bytea NULL: NULL (none sent) and empty (sent empty) differ.
    creation_content          bytea        NULL,
    creation_response_content bytea        NULL,
    from_has_decomposed       boolean      NOT NULL,
    to_has_decomposed         boolean      NOT NULL
);
-- At most one relationship per pair in Pending (10), Active (20) or
-- Terminated (50), whichever side asked.
CREATE UNIQUE INDEX IF NOT EXISTS relationships_open_pair_key ON relationships (pair_key) WHERE status IN (10, 20, 50);
-- Between: the pair's relationships, oldest first.
CREATE INDEX IF NOT EXISTS relationships_pair_key_idx ON relationships (pair_key, created_at);
-- ListByParticipant, one index per side.
CREATE INDEX IF NOT EXISTS relationships_from_address_idx ON relationships (from_address, created_at);
CREATE INDEX IF NOT EXISTS relationships_to_address_idx ON relationships (to_address, created_at);
-- ExistsForTemplate, and clearing template_id when the template goes.
CREATE INDEX IF NOT EXISTS relationships_template_id_idx ON relationships (template_id) WHERE template_id IS NOT NULL;

CREATE TABLE IF NOT EXISTS relationship_audit_entries (
    id                varchar(64)  COLLATE "C" NOT NULL PRIMARY KEY,
    relationship_id   varchar(64)  COLLATE "C" NOT NULL,
    -- Insertion order within the relationship: 0, 1, 2, …
    idx               integer      NOT NULL,
    created_at        timestamptz  NOT NULL,
    created_by        varchar(100) NOT NULL,
    created_by_device varchar(64)  NULL,
    reason            smallint     NOT NULL,
    -- NULL only for the Creation entry.
    old_status        smallint     NULL,
    new_status        smallint     NOT NULL
);
-- Loading audit logs, and the next idx of a relationship.
CREATE UNIQUE INDEX IF NOT EXISTS relationship_audit_entries_relationship_idx_key ON relationship_audit_entries (relationship_id, idx);

CREATE TABLE IF NOT EXISTS relationship_templates (
    id                        varchar(64)  COLLATE "C" NOT NULL PRIMARY KEY,
    created_by                varchar(100) NOT NULL,
    created_by_device         varchar(64)  NOT NULL,
    created_at                timestamptz  NOT NULL,
    max_number_of_allocations integer      NULL,
    expires_at                timestamptz  NULL,
    content                   bytea        NULL,
    for_identity              varchar(100) NULL,
    password                  bytea        NULL
);
-- AllocatorsOfTemplatesBy: the creator's templates.
CREATE INDEX IF NOT EXISTS relationship_templates_created_by_idx ON relationship_templates (created_by);

CREATE TABLE IF NOT EXISTS relationship_template_allocations (
    template_id         varchar(64)  NOT NULL,
    allocated_by        varchar(100) NOT NULL,
    allocated_by_device varchar(64)  NOT NULL,
    allocated_at        timestamptz  NOT NULL,
    -- One allocation per identity and template; also CountAllocations,
    -- IsAllocatedBy and deleting a template's allocations.
    PRIMARY KEY (template_id, allocated_by)
);
