-- The message, message recipient, message attachment, token and token
-- allocation tables.
--
-- Conventions as in 0001 to 0003; no foreign keys: deleting a token
-- deletes its allocations in the adapter.

CREATE TABLE IF NOT EXISTS messages (
    id                varchar(64)  COLLATE "C" NOT NULL PRIMARY KEY,
    created_at        timestamptz  NOT NULL,
    created_by        varchar(100) NOT NULL,
    created_by_device varchar(64)  NOT NULL,
    body              bytea        NOT NULL
);
-- ListVisible: the messages an identity sent, oldest first.
CREATE INDEX IF NOT EXISTS messages_created_by_idx ON messages (created_by, created_at);

CREATE TABLE IF NOT EXISTS message_recipients (
    message_id              varchar(64)  COLLATE "C" NOT NULL,
    -- Order within the message: 0, 1, 2, …
    idx                     smallint     NOT NULL,
    -- The message's created_by, copied so that CountUnreceived needs no
    -- join; whoever changes one changes the other.
    sender                  varchar(100) NOT NULL,
    address                 varchar(100) NOT NULL,
    relationship_id         varchar(64)  NOT NULL,
    encrypted_key           bytea        NOT NULL,
    received_at             timestamptz  NULL,
    received_by_device      varchar(64)  NULL,
    decomposed_by_sender    boolean      NOT NULL,
    decomposed_by_recipient boolean      NOT NULL,
    -- Loading a message's recipients in order.
    PRIMARY KEY (message_id, idx)
);
-- ListVisible: the messages an identity received; MarkReceived.
CREATE INDEX IF NOT EXISTS message_recipients_address_idx ON message_recipients (address, message_id);
-- CountUnreceived.
CREATE INDEX IF NOT EXISTS message_recipients_unreceived_idx ON message_recipients (sender, address, received_at);

CREATE TABLE IF NOT EXISTS message_attachments (
    message_id varchar(64) COLLATE "C" NOT NULL,
    -- Order within the message: 0, 1, 2, …
    idx        smallint    NOT NULL,
    file_id    varchar(64) NOT NULL,
    PRIMARY KEY (message_id, idx)
);

CREATE TABLE IF NOT EXISTS tokens (
    id                  varchar(64)  COLLATE "C" NOT NULL PRIMARY KEY,
    -- NULL when created anonymously.
    created_by          varchar(100) NULL,
    created_by_device   varchar(64)  NULL,
    created_at          timestamptz  NOT NULL,
    expires_at          timestamptz  NOT NULL,
    -- bytea NULL: NULL (none) and empty differ.
    content             bytea        NULL,
    for_identity        varchar(100) NULL,
    password            bytea        NULL,
    access_failed_count integer      NOT NULL
);

CREATE TABLE IF NOT EXISTS token_allocations (
    token_id            varchar(64)  COLLATE "C" NOT NULL,
    allocated_by        varchar(100) NOT NULL,
    allocated_by_device varchar(64)  NOT NULL,
    allocated_at        timestamptz  NOT NULL,
    -- One allocation per identity and token; also IsAllocatedBy, List and
    -- deleting a token's allocations.
    PRIMARY KEY (token_id, allocated_by)
);
