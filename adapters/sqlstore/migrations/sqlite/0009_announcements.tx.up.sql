-- The announcement and announcement recipient tables.
--
-- Conventions as in 0001 to 0006. Texts and actions are JSON text: they are
-- only ever read with their announcement, never searched. Recipients are
-- part of their announcement and go with it (foreign key, cascading; the
-- store turns foreign keys on for every connection).

CREATE TABLE IF NOT EXISTS announcements (
    id          TEXT    NOT NULL PRIMARY KEY,
    created_at  TEXT    NOT NULL,
    -- NULL: never expires.
    expires_at  TEXT    NULL,
    severity    TEXT    NOT NULL,
    is_silent   INTEGER NOT NULL,
    iql_query   TEXT    NULL,
    texts       TEXT    NOT NULL,
    actions     TEXT    NOT NULL,
    -- For the recipients only (1), or for everyone; stays 1 when the last
    -- recipient is removed.
    targeted    INTEGER NOT NULL
) STRICT;
--bun:split
-- List, ListForRecipient: oldest first.
CREATE INDEX IF NOT EXISTS announcements_created_at_idx ON announcements (created_at, id);
--bun:split
-- DeleteExpired.
CREATE INDEX IF NOT EXISTS announcements_expires_at_idx ON announcements (expires_at) WHERE expires_at IS NOT NULL;
--bun:split

CREATE TABLE IF NOT EXISTS announcement_recipients (
    announcement_id TEXT    NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    -- Order within the announcement: 0, 1, 2, … (gaps after removals).
    idx             INTEGER NOT NULL,
    address         TEXT    NOT NULL,
    PRIMARY KEY (announcement_id, idx)
) STRICT;
--bun:split
-- ListForRecipient, RemoveRecipient.
CREATE INDEX IF NOT EXISTS announcement_recipients_address_idx ON announcement_recipients (address, announcement_id);
