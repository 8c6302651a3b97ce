-- Applications registered for the client-credentials token endpoint. The secret is kept only
-- as SHA-256 of a random salt and the secret.
CREATE TABLE applications (
    tenant       TEXT    NOT NULL,
    client_id    TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    secret_salt  BLOB    NOT NULL,
    secret_hash  BLOB    NOT NULL,
    roles        TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (tenant, client_id)
) WITHOUT ROWID;
