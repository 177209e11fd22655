-- The file table: the metadata of encrypted files, whose content lives in
-- the blob store under the file's ID.
--
-- Conventions as in 0001 to 0004.

CREATE TABLE IF NOT EXISTS files (
    id                      varchar(64)  COLLATE "C" NOT NULL PRIMARY KEY,
    created_at              timestamptz  NOT NULL,
    created_by              varchar(100) NOT NULL,
    created_by_device       varchar(64)  NOT NULL,
    owner                   varchar(100) NOT NULL,
    -- bytea NULL: NULL (none) and empty differ.
    owner_signature         bytea        NULL,
    cipher_size             bigint       NOT NULL,
    cipher_hash             bytea        NULL,
    expires_at              timestamptz  NOT NULL,
    encrypted_properties    bytea        NULL,
    ownership_token         varchar(100) NOT NULL,
    ownership_is_locked     boolean      NOT NULL,
    last_ownership_claim_at timestamptz  NULL
);
-- List: the files an identity created, oldest first.
CREATE INDEX IF NOT EXISTS files_created_by_idx ON files (created_by, created_at);
