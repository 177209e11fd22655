-- The announcement and announcement recipient tables.
--
-- Conventions as in 0001 to 0006. Texts and actions are JSON text: they are
-- only ever read with their announcement, never searched. Recipients are
-- part of their announcement and go with it (foreign key, cascading).

CREATE TABLE announcements (
    id          nvarchar(64) COLLATE Latin1_General_100_BIN2 NOT NULL PRIMARY KEY,
    created_at  datetime2(6) NOT NULL,
    -- NULL: never expires.
    expires_at  datetime2(6) NULL,
    severity    nvarchar(16) COLLATE Latin1_General_100_BIN2 NOT NULL,
    is_silent   bit     NOT NULL,
    iql_query   nvarchar(max) COLLATE Latin1_General_100_BIN2 NULL,
    texts       nvarchar(max) COLLATE Latin1_General_100_BIN2 NOT NULL,
    actions     nvarchar(max) COLLATE Latin1_General_100_BIN2 NOT NULL,
    -- For the recipients only (true), or for everyone; stays true when the
    -- last recipient is removed.
    targeted    bit     NOT NULL
);
--bun:split
-- List, ListForRecipient: oldest first.
CREATE INDEX announcements_created_at_idx ON announcements (created_at, id);
--bun:split
-- DeleteExpired.
CREATE INDEX announcements_expires_at_idx ON announcements (expires_at) WHERE expires_at IS NOT NULL;
--bun:split

CREATE TABLE announcement_recipients (
    announcement_id nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    -- Order within the announcement: 0, 1, 2, … (gaps after removals).
    idx             smallint     NOT NULL,
    address         nvarchar(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
    PRIMARY KEY (announcement_id, idx)
);
--bun:split
-- ListForRecipient, RemoveRecipient.
CREATE INDEX announcement_recipients_address_idx ON announcement_recipients (address, announcement_id);
