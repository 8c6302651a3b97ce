-- A tenant's organization (microsoft.graph.organization): its display name and verified
-- domains (a JSON array of {name, isDefault, isInitial}). A tenant nobody set up has no row.

CREATE TABLE organizations (
    tenant            TEXT    NOT NULL PRIMARY KEY,
    display_name      TEXT    NOT NULL,
    verified_domains  TEXT    NOT NULL,
    created_at        INTEGER NOT NULL
) WITHOUT ROWID;
