-- Certificates registered on applications (their public part): a client assertion names its
-- signing key by SHA-1 (`x5t`) or SHA-256 (`x5t#S256`) thumbprint.
CREATE TABLE application_certificates (
    tenant      TEXT COLLATE "C" NOT NULL,
    client_id   TEXT COLLATE "C" NOT NULL,
    sha1        BYTEA  NOT NULL,
    sha256      BYTEA  NOT NULL,
    der         BYTEA  NOT NULL,
    not_before  BIGINT NOT NULL,
    not_after   BIGINT NOT NULL,
    added_at    BIGINT NOT NULL,
    PRIMARY KEY (tenant, client_id, sha256)
);

-- Device codes of the device-code grant, of every tenant: the client's code is kept only as
-- its SHA-256; the user code is what an admin approves or declines.
CREATE TABLE device_codes (
    device_hash   BYTEA  NOT NULL PRIMARY KEY,
    user_code     TEXT COLLATE "C" NOT NULL,
    tenant        TEXT COLLATE "C" NOT NULL,
    client_id     TEXT COLLATE "C" NOT NULL,
    scopes        TEXT COLLATE "C" NOT NULL,
    openid        BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    state         TEXT COLLATE "C" NOT NULL,
    user_tenant   TEXT COLLATE "C",
    user_id       TEXT COLLATE "C",
    user_upn      TEXT COLLATE "C",
    user_name     TEXT COLLATE "C"
);

CREATE INDEX device_codes_user_code ON device_codes (user_code, expires_at);
CREATE INDEX device_codes_tenant ON device_codes (tenant, expires_at);
CREATE INDEX device_codes_expiry ON device_codes (expires_at);
