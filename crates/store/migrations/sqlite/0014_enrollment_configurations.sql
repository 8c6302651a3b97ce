-- Enrollment Status Page configurations (beta deviceEnrollmentConfigurations of the kind
-- windows10EnrollmentCompletionPageConfiguration). `id` is the GUID part of the wire id and
-- `kind` its suffix (the default's or an admin's); the page's settings and its assignments are
-- kept as JSON. Priorities are renumbered by the domain's rules inside one transaction.
CREATE TABLE enrollment_configurations (
    tenant              TEXT    NOT NULL,
    id                  TEXT    NOT NULL,
    kind                TEXT    NOT NULL,
    display_name        TEXT    NOT NULL,
    description         TEXT    NOT NULL,
    priority            INTEGER NOT NULL,
    version             INTEGER NOT NULL,
    created_at          INTEGER,
    modified_at         INTEGER NOT NULL,
    configuration_type  INTEGER NOT NULL,
    role_scope_tag_ids  TEXT    NOT NULL,
    settings            TEXT    NOT NULL,
    assignments         TEXT    NOT NULL,
    PRIMARY KEY (tenant, id)
) WITHOUT ROWID;
