-- A tenant's organization (microsoft.graph.organization): its display name and verified
-- domains (a JSON array of {name, isDefault, isInitial}). A tenant nobody set up has no row.

CREATE TABLE organizations (
    tenant            TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    display_name      TEXT COLLATE "C" NOT NULL,
    verified_domains  TEXT COLLATE "C" NOT NULL,
    created_at        BIGINT NOT NULL
);
