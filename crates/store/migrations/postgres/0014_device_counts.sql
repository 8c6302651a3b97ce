-- Each tenant's number of registered devices, kept by triggers in the transaction that
-- registers or deletes a device, so that `$count` without a filter reads a few rows instead of
-- counting a million. Each database session adds to a shard of its own (its backend pid), so
-- that two instances registering devices of one tenant at once do not wait on one row; the
-- count is the sum of the tenant's shards.
CREATE TABLE device_counts (
    tenant  TEXT COLLATE "C" NOT NULL,
    shard   INTEGER NOT NULL,
    n       BIGINT  NOT NULL,
    PRIMARY KEY (tenant, shard)
);

INSERT INTO device_counts (tenant, shard, n)
    SELECT tenant, 0, count(*) FROM autopilot_devices GROUP BY tenant;

CREATE FUNCTION autopilot_devices_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO device_counts (tenant, shard, n)
            VALUES (NEW.tenant, pg_backend_pid() % 16, 1)
            ON CONFLICT (tenant, shard) DO UPDATE SET n = device_counts.n + 1;
    ELSE
        INSERT INTO device_counts (tenant, shard, n)
            VALUES (OLD.tenant, pg_backend_pid() % 16, -1)
            ON CONFLICT (tenant, shard) DO UPDATE SET n = device_counts.n - 1;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER autopilot_devices_counted AFTER INSERT OR DELETE ON autopilot_devices
    FOR EACH ROW EXECUTE FUNCTION autopilot_devices_count();
