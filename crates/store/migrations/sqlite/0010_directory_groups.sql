-- Entra ID groups and their members. `dirty_since` is the earliest change a dynamic group's
-- members have not caught up with (its rule, or a device it may select); the registration
-- worker evaluates the group `--membership-delay` after it and clears it. Group types are rows
-- of their own, like a device's physical ids, for `groupTypes/any(...)`.

CREATE TABLE directory_groups (
    tenant             TEXT    NOT NULL,
    id                 TEXT    NOT NULL,
    display_name       TEXT    NOT NULL,
    description        TEXT,
    mail_nickname      TEXT    NOT NULL,
    mail_enabled       INTEGER NOT NULL,
    security_enabled   INTEGER NOT NULL,
    membership_rule    TEXT,
    processing_state   TEXT,
    created_at         INTEGER NOT NULL,
    rule_processed_at  INTEGER,
    dirty_since        INTEGER,
    PRIMARY KEY (tenant, id)
) WITHOUT ROWID;

CREATE INDEX directory_groups_display_name ON directory_groups (tenant, display_name COLLATE NOCASE);
CREATE INDEX directory_groups_dirty ON directory_groups (dirty_since) WHERE dirty_since IS NOT NULL;

CREATE TABLE directory_group_types (
    tenant    TEXT    NOT NULL,
    owner     TEXT    NOT NULL,
    position  INTEGER NOT NULL,
    value     TEXT    NOT NULL,
    PRIMARY KEY (tenant, owner, position)
) WITHOUT ROWID;

CREATE TABLE group_members (
    tenant     TEXT    NOT NULL,
    group_id   TEXT    NOT NULL,
    member_id  TEXT    NOT NULL,
    kind       INTEGER NOT NULL,
    dynamic    INTEGER NOT NULL,
    joined_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant, group_id, member_id)
) WITHOUT ROWID;

CREATE INDEX group_members_member ON group_members (tenant, member_id);
