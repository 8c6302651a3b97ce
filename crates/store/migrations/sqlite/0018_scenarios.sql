-- Scenarios put at run time through the management API, per tenant (by GUID). The document is
-- kept as it was put; the servers read it again and apply it.
CREATE TABLE scenarios (
    tenant      TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    document    TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant, name)
) WITHOUT ROWID;
