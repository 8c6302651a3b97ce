-- Corporate device identifiers (beta importedDeviceIdentities), unique per tenant by type and
-- normalized identifier. Enums are kept as their member's position.
CREATE TABLE imported_identities (
    tenant             TEXT    NOT NULL,
    id                 TEXT    NOT NULL,
    identifier         TEXT    NOT NULL,
    identity_type      INTEGER NOT NULL,
    description        TEXT    NOT NULL,
    enrollment_state   INTEGER NOT NULL,
    platform           INTEGER NOT NULL,
    created_at         INTEGER NOT NULL,
    modified_at        INTEGER NOT NULL,
    last_contacted_at  INTEGER,
    PRIMARY KEY (tenant, id)
) WITHOUT ROWID;

CREATE UNIQUE INDEX imported_identities_key ON imported_identities (tenant, identity_type, identifier);
CREATE INDEX imported_identities_identifier ON imported_identities (tenant, identifier COLLATE NOCASE);
