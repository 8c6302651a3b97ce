-- Entra ID users: who a device may be assigned to. A user principal name is unique in its
-- tenant whatever its case. No password is kept.

CREATE TABLE directory_users (
    tenant               TEXT COLLATE "C" NOT NULL,
    id                   TEXT COLLATE "C" NOT NULL,
    user_principal_name  TEXT COLLATE "C" NOT NULL,
    display_name         TEXT COLLATE "C" NOT NULL,
    mail_nickname        TEXT COLLATE "C" NOT NULL,
    given_name           TEXT COLLATE "C",
    surname              TEXT COLLATE "C",
    job_title            TEXT COLLATE "C",
    mail                 TEXT COLLATE "C",
    account_enabled      BIGINT NOT NULL,
    created_at           BIGINT NOT NULL,
    PRIMARY KEY (tenant, id)
);

CREATE UNIQUE INDEX directory_users_upn ON directory_users (tenant, lower(user_principal_name));
CREATE INDEX directory_users_display_name ON directory_users (tenant, lower(display_name));
