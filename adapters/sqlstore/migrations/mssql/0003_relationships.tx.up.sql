-- The relationship, relationship audit entry, relationship template and
-- template allocation tables.
--
-- Conventions as in 0001 and 0002; no foreign keys: deleting a template
-- deletes its allocations and clears relationships' template_id in the
-- adapter.

CREATE TABLE relationships (
    id                        nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL PRIMARY KEY,
    -- NULL once the template was deleted.
    template_id               nvarchar(64)  COLLATE Latin1_General_100_BIN2 NULL,
    from_address              nvarchar(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
    to_address                nvarchar(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
    -- The two addresses in byte order, joined by a space: the unordered
    -- pair, whichever side asked.
    pair_key                  nvarchar(201) COLLATE Latin1_General_100_BIN2 NOT NULL,
    created_at                datetime2(6)  NOT NULL,
    status                    smallint     NOT NULL,
    -- varbinary(max) NULL: NULL (none sent) and empty (sent empty) differ.
    creation_content          varbinary(max)        NULL,
    creation_response_content varbinary(max)        NULL,
    from_has_decomposed       bit      NOT NULL,
    to_has_decomposed         bit      NOT NULL
);
--bun:split
-- At most one relationship per pair in Pending (10), Active (20) or
-- Terminated (50), whichever side asked.
CREATE UNIQUE INDEX relationships_open_pair_key ON relationships (pair_key) WHERE status IN (10, 20, 50);
--bun:split
-- Between: the pair's relationships, oldest first.
CREATE INDEX relationships_pair_key_idx ON relationships (pair_key, created_at);
--bun:split
-- ListByParticipant, one index per side.
CREATE INDEX relationships_from_address_idx ON relationships (from_address, created_at);
--bun:split
CREATE INDEX relationships_to_address_idx ON relationships (to_address, created_at);
--bun:split
-- ExistsForTemplate, and clearing template_id when the template goes.
CREATE INDEX relationships_template_id_idx ON relationships (template_id) WHERE template_id IS NOT NULL;
--bun:split

CREATE TABLE relationship_audit_entries (
    id                nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL PRIMARY KEY,
    relationship_id   nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    -- Insertion order within the relationship: 0, 1, 2, …
    idx               integer      NOT NULL,
    created_at        datetime2(6)  NOT NULL,
    created_by        nvarchar(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
    created_by_device nvarchar(64)  COLLATE Latin1_General_100_BIN2 NULL,
    reason            smallint     NOT NULL,
    -- NULL only for the Creation entry.
    old_status        smallint     NULL,
    new_status        smallint     NOT NULL
);
--bun:split
-- Loading audit logs, and the next idx of a relationship.
CREATE UNIQUE INDEX relationship_audit_entries_relationship_idx_key ON relationship_audit_entries (relationship_id, idx);
--bun:split

CREATE TABLE relationship_templates (
    id                        nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL PRIMARY KEY,
    created_by                nvarchar(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
    created_by_device         nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    created_at                datetime2(6)  NOT NULL,
    max_number_of_allocations integer      NULL,
    expires_at                datetime2(6)  NULL,
    content                   varbinary(max)        NULL,
    for_identity              nvarchar(100) COLLATE Latin1_General_100_BIN2 NULL,
    password                  varbinary(max)        NULL
);
--bun:split
-- AllocatorsOfTemplatesBy: the creator's templates.
CREATE INDEX relationship_templates_created_by_idx ON relationship_templates (created_by);
--bun:split

CREATE TABLE relationship_template_allocations (
    template_id         nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    allocated_by        nvarchar(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
    allocated_by_device nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    allocated_at        datetime2(6)  NOT NULL,
    -- One allocation per identity and template; also CountAllocations,
    -- IsAllocatedBy and deleting a template's allocations.
    PRIMARY KEY (template_id, allocated_by)
);
