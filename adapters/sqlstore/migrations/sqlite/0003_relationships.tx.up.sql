-- The relationship, relationship audit entry, relationship template and
-- template allocation tables.
--
-- Conventions as in 0001 and 0002; no foreign keys: deleting a template
-- deletes its allocations and clears relationships' template_id in the
-- adapter.

CREATE TABLE IF NOT EXISTS relationships (
    id                        TEXT    NOT NULL PRIMARY KEY,
    -- NULL once the template was deleted.
    template_id               TEXT    NULL,
    from_address              TEXT    NOT NULL,
    to_address                TEXT    NOT NULL,
    -- The two addresses in byte order, joined by a space: the unordered
    -- pair, whichever side asked.
    pair_key                  TEXT    NOT NULL,
    created_at                TEXT    NOT NULL,
    status                    INTEGER NOT NULL,
    -- NULL (none sent) and empty (sent empty) differ.
    creation_content          BLOB    NULL,
    creation_response_content BLOB    NULL,
    from_has_decomposed       INTEGER NOT NULL,
    to_has_decomposed         INTEGER NOT NULL
) STRICT;
--bun:split
-- At most one relationship per pair in Pending (10), Active (20) or
-- Terminated (50), whichever side asked.
CREATE UNIQUE INDEX IF NOT EXISTS relationships_open_pair_key ON relationships (pair_key) WHERE status IN (10, 20, 50);
--bun:split
-- Between: the pair's relationships, oldest first.
CREATE INDEX IF NOT EXISTS relationships_pair_key_idx ON relationships (pair_key, created_at);
--bun:split
-- ListByParticipant, one index per side.
CREATE INDEX IF NOT EXISTS relationships_from_address_idx ON relationships (from_address, created_at);
--bun:split
CREATE INDEX IF NOT EXISTS relationships_to_address_idx ON relationships (to_address, created_at);
--bun:split
-- ExistsForTemplate, and clearing template_id when the template goes.
CREATE INDEX IF NOT EXISTS relationships_template_id_idx ON relationships (template_id) WHERE template_id IS NOT NULL;
--bun:split

CREATE TABLE IF NOT EXISTS relationship_audit_entries (
    id                TEXT    NOT NULL PRIMARY KEY,
    relationship_id   TEXT    NOT NULL,
    -- Insertion order within the relationship: 0, 1, 2, …
    idx               INTEGER NOT NULL,
    created_at        TEXT    NOT NULL,
    created_by        TEXT    NOT NULL,
    created_by_device TEXT    NULL,
    reason            INTEGER NOT NULL,
    -- NULL only for the Creation entry.
    old_status        INTEGER NULL,
    new_status        INTEGER NOT NULL
) STRICT;
--bun:split
-- Loading audit logs, and the next idx of a relationship.
CREATE UNIQUE INDEX IF NOT EXISTS relationship_audit_entries_relationship_idx_key ON relationship_audit_entries (relationship_id, idx);
--bun:split

CREATE TABLE IF NOT EXISTS relationship_templates (
    id                        TEXT    NOT NULL PRIMARY KEY,
    created_by                TEXT    NOT NULL,
    created_by_device         TEXT    NOT NULL,
    created_at                TEXT    NOT NULL,
    max_number_of_allocations INTEGER NULL,
    expires_at                TEXT    NULL,
    content                   BLOB    NULL,
    for_identity              TEXT    NULL,
    password                  BLOB    NULL
) STRICT;
--bun:split
-- AllocatorsOfTemplatesBy: the creator's templates.
CREATE INDEX IF NOT EXISTS relationship_templates_created_by_idx ON relationship_templates (created_by);
--bun:split

CREATE TABLE IF NOT EXISTS relationship_template_allocations (
    template_id         TEXT NOT NULL,
    allocated_by        TEXT NOT NULL,
    allocated_by_device TEXT NOT NULL,
    allocated_at        TEXT NOT NULL,
    -- One allocation per identity and template; also CountAllocations,
    -- IsAllocatedBy and deleting a template's allocations.
    PRIMARY KEY (template_id, allocated_by)
) STRICT;
