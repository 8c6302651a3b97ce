-- Scenarios put at run time through the management API, per tenant (by GUID). The document is
-- kept as it was put; the servers read it again and apply it.
CREATE TABLE scenarios (
    tenant      TEXT COLLATE "C" NOT NULL,
    name        TEXT COLLATE "C" NOT NULL,
    document    TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant, name)
);
