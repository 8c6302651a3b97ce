-- beta windowsAutopilotDeploymentProfiles and their assignments. A profile's own properties
-- (everything but id, type and timestamps) are kept as the JSON object the client sent.
CREATE TABLE deployment_profiles (
    tenant       TEXT    NOT NULL,
    id           TEXT    NOT NULL,
    odata_type   TEXT    NOT NULL,
    properties   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    modified_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant, id)
) WITHOUT ROWID;

CREATE TABLE deployment_profile_assignments (
    tenant      TEXT    NOT NULL,
    id          TEXT    NOT NULL,
    profile_id  TEXT    NOT NULL,
    -- NULL: all devices; else the group id the target names.
    group_id    TEXT,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant, id)
) WITHOUT ROWID;
