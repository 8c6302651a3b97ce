-- Calls counted by application, day, operation (method and path with keys as {id}), the
-- permissions that would allow them (space-separated) and those the token carried: what
-- `autopilot-graph app permissions` reports.
CREATE TABLE permission_usage (
    tenant     TEXT COLLATE "C" NOT NULL,
    app_id     TEXT COLLATE "C" NOT NULL,
    day        BIGINT NOT NULL,
    operation  TEXT COLLATE "C" NOT NULL,
    needed     TEXT COLLATE "C" NOT NULL,
    carried    TEXT COLLATE "C" NOT NULL,
    calls      BIGINT NOT NULL,
    denied     BIGINT NOT NULL,
    first_at   BIGINT NOT NULL,
    last_at    BIGINT NOT NULL,
    PRIMARY KEY (tenant, app_id, day, operation, needed, carried)
);

CREATE INDEX permission_usage_day ON permission_usage (day);
