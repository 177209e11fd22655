-- The file table: the metadata of encrypted files, whose content lives in
-- the blob store under the file's ID.
--
-- Conventions as in 0001 to 0004.

CREATE TABLE IF NOT EXISTS files (
    id                      TEXT    NOT NULL PRIMARY KEY,
    created_at              TEXT    NOT NULL,
    created_by              TEXT    NOT NULL,
    created_by_device       TEXT    NOT NULL,
    owner                   TEXT    NOT NULL,
    -- NULL (none) and empty differ.
    owner_signature         BLOB    NULL,
    cipher_size             INTEGER NOT NULL,
    cipher_hash             BLOB    NULL,
    expires_at              TEXT    NOT NULL,
    encrypted_properties    BLOB    NULL,
    ownership_token         TEXT    NOT NULL,
    ownership_is_locked     INTEGER NOT NULL,
    last_ownership_claim_at TEXT    NULL
) STRICT;
--bun:split
-- List: the files an identity created, oldest first.
CREATE INDEX IF NOT EXISTS files_created_by_idx ON files (created_by, created_at);
