-- The announcement and announcement recipient tables.
--
-- Conventions as in 0001 to 0006. Texts and actions are JSON text: they are
-- only ever read with their announcement, never searched. Recipients are
-- part of their announcement and go with it (foreign key, cascading).

CREATE TABLE IF NOT EXISTS announcements (
    id          varchar(64) COLLATE "C" NOT NULL PRIMARY KEY,
    created_at  timestamptz NOT NULL,
    -- NULL: never expires.
    expires_at  timestamptz NULL,
    severity    varchar(16) NOT NULL,
    is_silent   boolean     NOT NULL,
    iql_query   text        NULL,
    texts       text        NOT NULL,
    actions     text        NOT NULL,
    -- For the recipients only (true), or for everyone; stays true when the
    -- last recipient is removed.
    targeted    boolean     NOT NULL
);
-- List, ListForRecipient: oldest first.
CREATE INDEX IF NOT EXISTS announcements_created_at_idx ON announcements (created_at, id);
-- DeleteExpired.
CREATE INDEX IF NOT EXISTS announcements_expires_at_idx ON announcements (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS announcement_recipients (
    announcement_id varchar(64)  COLLATE "C" NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    -- Order within the announcement: 0, 1, 2, … (gaps after removals).
    idx             smallint     NOT NULL,
    address         varchar(100) NOT NULL,
    PRIMARY KEY (announcement_id, idx)
);
-- ListForRecipient, RemoveRecipient.
CREATE INDEX IF NOT EXISTS announcement_recipients_address_idx ON announcement_recipients (address, announcement_id);
