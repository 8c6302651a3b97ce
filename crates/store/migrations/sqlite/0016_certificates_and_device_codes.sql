-- Certificates registered on applications (their public part): a client assertion names its
-- signing key by SHA-1 (`x5t`) or SHA-256 (`x5t#S256`) thumbprint.
CREATE TABLE application_certificates (
    tenant      TEXT    NOT NULL,
    client_id   TEXT    NOT NULL,
    sha1        BLOB    NOT NULL,
    sha256      BLOB    NOT NULL,
    der         BLOB    NOT NULL,
    not_before  INTEGER NOT NULL,
    not_after   INTEGER NOT NULL,
    added_at    INTEGER NOT NULL,
    PRIMARY KEY (tenant, client_id, sha256)
) WITHOUT ROWID;

-- Device codes of the device-code grant, of every tenant: the client's code is kept only as
-- its SHA-256; the user code is what an admin approves or declines.
CREATE TABLE device_codes (
    device_hash   BLOB    NOT NULL PRIMARY KEY,
    user_code     TEXT    NOT NULL,
    tenant        TEXT    NOT NULL,
    client_id     TEXT    NOT NULL,
    scopes        TEXT    NOT NULL,
    openid        INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    state         TEXT    NOT NULL,
    user_tenant   TEXT,
    user_id       TEXT,
    user_upn      TEXT,
    user_name     TEXT
);

CREATE INDEX device_codes_user_code ON device_codes (user_code, expires_at);
CREATE INDEX device_codes_tenant ON device_codes (tenant, expires_at);
CREATE INDEX device_codes_expiry ON device_codes (expires_at);
