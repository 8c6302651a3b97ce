-- Corporate device identifiers (beta importedDeviceIdentities), unique per tenant by type and
-- normalized identifier. Enums are kept as their member's position.
CREATE TABLE imported_identities (
    tenant             TEXT COLLATE "C" NOT NULL,
    id                 TEXT COLLATE "C" NOT NULL,
    identifier         TEXT COLLATE "C" NOT NULL,
    identity_type      BIGINT NOT NULL,
    description        TEXT COLLATE "C" NOT NULL,
    enrollment_state   BIGINT NOT NULL,
    platform           BIGINT NOT NULL,
    created_at         BIGINT NOT NULL,
    modified_at        BIGINT NOT NULL,
    last_contacted_at  BIGINT,
    PRIMARY KEY (tenant, id)
);

CREATE UNIQUE INDEX imported_identities_key ON imported_identities (tenant, identity_type, identifier);
CREATE INDEX imported_identities_identifier ON imported_identities (tenant, lower(identifier));
