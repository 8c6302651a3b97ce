-- Enrollment Status Page configurations (beta deviceEnrollmentConfigurations of the kind
-- windows10EnrollmentCompletionPageConfiguration). `id` is the GUID part of the wire id and
-- `kind` its suffix (the default's or an admin's); the page's settings and its assignments are
-- kept as JSON. Priorities are renumbered by the domain's rules inside one transaction, which
-- locks the tenant's default row first.
CREATE TABLE enrollment_configurations (
    tenant              TEXT COLLATE "C" NOT NULL,
    id                  TEXT COLLATE "C" NOT NULL,
    kind                TEXT COLLATE "C" NOT NULL,
    display_name        TEXT COLLATE "C" NOT NULL,
    description         TEXT COLLATE "C" NOT NULL,
    priority            BIGINT NOT NULL,
    version             BIGINT NOT NULL,
    created_at          BIGINT,
    modified_at         BIGINT NOT NULL,
    configuration_type  BIGINT NOT NULL,
    role_scope_tag_ids  TEXT COLLATE "C" NOT NULL,
    settings            TEXT COLLATE "C" NOT NULL,
    assignments         TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (tenant, id)
);
