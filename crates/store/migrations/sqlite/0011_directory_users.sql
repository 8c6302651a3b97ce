-- Entra ID users: who a device may be assigned to. A user principal name is unique in its
-- tenant whatever its case. No password is kept.

CREATE TABLE directory_users (
    tenant               TEXT    NOT NULL,
    id                   TEXT    NOT NULL,
    user_principal_name  TEXT    NOT NULL,
    display_name         TEXT    NOT NULL,
    mail_nickname        TEXT    NOT NULL,
    given_name           TEXT,
    surname              TEXT,
    job_title            TEXT,
    mail                 TEXT,
    account_enabled      INTEGER NOT NULL,
    created_at           INTEGER NOT NULL,
    PRIMARY KEY (tenant, id)
) WITHOUT ROWID;

CREATE UNIQUE INDEX directory_users_upn ON directory_users (tenant, user_principal_name COLLATE NOCASE);
CREATE INDEX directory_users_display_name ON directory_users (tenant, display_name COLLATE NOCASE);
