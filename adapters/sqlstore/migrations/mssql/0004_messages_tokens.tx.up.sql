-- The message, message recipient, message attachment, token and token
-- allocation tables.
--
-- Conventions as in 0001 to 0003; no foreign keys: deleting a token
-- deletes its allocations in the adapter.

CREATE TABLE messages (
    id                nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL PRIMARY KEY,
    created_at        datetime2(6)  NOT NULL,
    created_by        nvarchar(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
    created_by_device nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    body              varbinary(max)        NOT NULL
);
--bun:split
-- ListVisible: the messages an identity sent, oldest first.
CREATE INDEX messages_created_by_idx ON messages (created_by, created_at);
--bun:split

CREATE TABLE message_recipients (
    message_id              nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    -- Order within the message: 0, 1, 2, …
    idx                     smallint     NOT NULL,
    -- The message's created_by, copied so that CountUnreceived needs no
    -- join; whoever changes one changes the other.
    sender                  nvarchar(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
    address                 nvarchar(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
    relationship_id         nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    encrypted_key           varbinary(max)        NOT NULL,
    received_at             datetime2(6)  NULL,
    received_by_device      nvarchar(64)  COLLATE Latin1_General_100_BIN2 NULL,
    decomposed_by_sender    bit      NOT NULL,
    decomposed_by_recipient bit      NOT NULL,
    -- Loading a message's recipients in order.
    PRIMARY KEY (message_id, idx)
);
--bun:split
-- ListVisible: the messages an identity received; MarkReceived.
CREATE INDEX message_recipients_address_idx ON message_recipients (address, message_id);
--bun:split
-- CountUnreceived.
CREATE INDEX message_recipients_unreceived_idx ON message_recipients (sender, address, received_at);
--bun:split

CREATE TABLE message_attachments (
    message_id nvarchar(64) COLLATE Latin1_General_100_BIN2 NOT NULL,
    -- Order within the message: 0, 1, 2, …
    idx        smallint    NOT NULL,
    file_id    nvarchar(64) COLLATE Latin1_General_100_BIN2 NOT NULL,
    PRIMARY KEY (message_id, idx)
);
--bun:split

CREATE TABLE tokens (
    id                  nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL PRIMARY KEY,
    -- NULL when created anonymously.
    created_by          nvarchar(100) COLLATE Latin1_General_100_BIN2 NULL,
    created_by_device   nvarchar(64)  COLLATE Latin1_General_100_BIN2 NULL,
    created_at          datetime2(6)  NOT NULL,
    expires_at          datetime2(6)  NOT NULL,
    -- varbinary(max) NULL: NULL (none) and empty differ.
    content             varbinary(max)        NULL,
    for_identity        nvarchar(100) COLLATE Latin1_General_100_BIN2 NULL,
    password            varbinary(max)        NULL,
    access_failed_count integer      NOT NULL
);
--bun:split

CREATE TABLE token_allocations (
    token_id            nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    allocated_by        nvarchar(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
    allocated_by_device nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    allocated_at        datetime2(6)  NOT NULL,
    -- One allocation per identity and token; also IsAllocatedBy, List and
    -- deleting a token's allocations.
    PRIMARY KEY (token_id, allocated_by)
);
