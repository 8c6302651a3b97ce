-- Entra ID groups and their members. `dirty_since` is the earliest change a dynamic group's
-- members have not caught up with (its rule, or a device it may select); the registration
-- worker evaluates the group `--membership-delay` after it and clears it. Group types are rows
-- of their own, like a device's physical ids, for `groupTypes/any(...)`.

CREATE TABLE directory_groups (
    tenant             TEXT COLLATE "C" NOT NULL,
    id                 TEXT COLLATE "C" NOT NULL,
    display_name       TEXT COLLATE "C" NOT NULL,
    description        TEXT COLLATE "C",
    mail_nickname      TEXT COLLATE "C" NOT NULL,
    mail_enabled       BIGINT NOT NULL,
    security_enabled   BIGINT NOT NULL,
    membership_rule    TEXT COLLATE "C",
    processing_state   TEXT COLLATE "C",
    created_at         BIGINT NOT NULL,
    rule_processed_at  BIGINT,
    dirty_since        BIGINT,
    PRIMARY KEY (tenant, id)
);

CREATE INDEX directory_groups_display_name ON directory_groups (tenant, lower(display_name));
CREATE INDEX directory_groups_dirty ON directory_groups (dirty_since) WHERE dirty_since IS NOT NULL;

CREATE TABLE directory_group_types (
    tenant    TEXT COLLATE "C" NOT NULL,
    owner     TEXT COLLATE "C" NOT NULL,
    position  BIGINT NOT NULL,
    value     TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (tenant, owner, position)
);

CREATE TABLE group_members (
    tenant     TEXT COLLATE "C" NOT NULL,
    group_id   TEXT COLLATE "C" NOT NULL,
    member_id  TEXT COLLATE "C" NOT NULL,
    kind       BIGINT NOT NULL,
    dynamic    BIGINT NOT NULL,
    joined_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant, group_id, member_id)
);

CREATE INDEX group_members_member ON group_members (tenant, member_id);
