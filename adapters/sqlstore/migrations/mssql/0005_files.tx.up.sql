-- The file table: the metadata of encrypted files, whose content lives in
-- the blob store under the file's ID.
--
-- Conventions as in 0001 to 0004.

CREATE TABLE files (
    id                      nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL PRIMARY KEY,
    created_at              datetime2(6)  NOT NULL,
    created_by              nvarchar(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
    created_by_device       nvarchar(64)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    owner                   nvarchar(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
    -- varbinary(max) NULL: NULL (none) and empty differ.
    owner_signature         varbinary(max)        NULL,
    cipher_size             bigint       NOT NULL,
    cipher_hash             varbinary(max)        NULL,
    expires_at              datetime2(6)  NOT NULL,
    encrypted_properties    varbinary(max)        NULL,
    ownership_token         nvarchar(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
    ownership_is_locked     bit      NOT NULL,
    last_ownership_claim_at datetime2(6)  NULL
);
--bun:split
-- List: the files an identity created, oldest first.
CREATE INDEX files_created_by_idx ON files (created_by, created_at);
