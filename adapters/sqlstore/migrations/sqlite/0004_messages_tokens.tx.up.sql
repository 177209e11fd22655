-- The message, message recipient, message attachment, token and token
-- allocation tables.
--
-- Conventions as in 0001 to 0003; no foreign keys: deleting a token
-- deletes its allocations in the adapter.

CREATE TABLE IF NOT EXISTS messages (
    id                TEXT NOT NULL PRIMARY KEY,
    created_at        TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    created_by_device TEXT NOT NULL,
    body              BLOB NOT NULL
) STRICT;
--bun:split
-- ListVisible: the messages an identity sent, oldest first.
CREATE INDEX IF NOT EXISTS messages_created_by_idx ON messages (created_by, created_at);
--bun:split

CREATE TABLE IF NOT EXISTS message_recipients (
    message_id              TEXT    NOT NULL,
    -- Order within the message: 0, 1, 2, …
    idx                     INTEGER NOT NULL,
    -- The message's created_by, copied so that CountUnreceived needs no
    -- join; whoever changes one changes the other.
    sender                  TEXT    NOT NULL,
    address                 TEXT    NOT NULL,
    relationship_id         TEXT    NOT NULL,
    encrypted_key           BLOB    NOT NULL,
    received_at             TEXT    NULL,
    received_by_device      TEXT    NULL,
    decomposed_by_sender    INTEGER NOT NULL,
    decomposed_by_recipient INTEGER NOT NULL,
    -- Loading a message's recipients in order.
    PRIMARY KEY (message_id, idx)
) STRICT;
--bun:split
-- ListVisible: the messages an identity received; MarkReceived.
CREATE INDEX IF NOT EXISTS message_recipients_address_idx ON message_recipients (address, message_id);
--bun:split
-- CountUnreceived.
CREATE INDEX IF NOT EXISTS message_recipients_unreceived_idx ON message_recipients (sender, address, received_at);
--bun:split

CREATE TABLE IF NOT EXISTS message_attachments (
    message_id TEXT    NOT NULL,
    -- Order within the message: 0, 1, 2, …
    idx        INTEGER NOT NULL,
    file_id    TEXT    NOT NULL,
    PRIMARY KEY (message_id, idx)
) STRICT;
--bun:split

CREATE TABLE IF NOT EXISTS tokens (
    id                  TEXT    NOT NULL PRIMARY KEY,
    -- NULL when created anonymously.
    created_by          TEXT    NULL,
    created_by_device   TEXT    NULL,
    created_at          TEXT    NOT NULL,
    expires_at          TEXT    NOT NULL,
    -- NULL (none) and empty differ.
    content             BLOB    NULL,
    for_identity        TEXT    NULL,
    password            BLOB    NULL,
    access_failed_count INTEGER NOT NULL
) STRICT;
--bun:split

CREATE TABLE IF NOT EXISTS token_allocations (
    token_id            TEXT NOT NULL,
    allocated_by        TEXT NOT NULL,
    allocated_by_device TEXT NOT NULL,
    allocated_at        TEXT NOT NULL,
    -- One allocation per identity and token; also IsAllocatedBy, List and
    -- deleting a token's allocations.
    PRIMARY KEY (token_id, allocated_by)
) STRICT;
