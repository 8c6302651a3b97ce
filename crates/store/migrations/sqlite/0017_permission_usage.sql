-- Calls counted by application, day, operation (method and path with keys as {id}), the
-- permissions that would allow them (space-separated) and those the token carried: what
-- `autopilot-graph app permissions` reports.
CREATE TABLE permission_usage (
    tenant     TEXT    NOT NULL,
    app_id     TEXT    NOT NULL,
    day        INTEGER NOT NULL,
    operation  TEXT    NOT NULL,
    needed     TEXT    NOT NULL,
    carried    TEXT    NOT NULL,
    calls      INTEGER NOT NULL,
    denied     INTEGER NOT NULL,
    first_at   INTEGER NOT NULL,
    last_at    INTEGER NOT NULL,
    PRIMARY KEY (tenant, app_id, day, operation, needed, carried)
) WITHOUT ROWID;

CREATE INDEX permission_usage_day ON permission_usage (day);
