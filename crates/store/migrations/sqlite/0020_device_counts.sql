-- Each tenant's number of registered devices, kept by triggers in the transaction that
-- registers or deletes a device, so that `$count` without a filter reads one row instead of
-- counting a million.
CREATE TABLE device_counts (
    tenant  TEXT    NOT NULL PRIMARY KEY,
    n       INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO device_counts (tenant, n)
    SELECT tenant, count(*) FROM autopilot_devices GROUP BY tenant;

CREATE TRIGGER autopilot_devices_counted AFTER INSERT ON autopilot_devices
BEGIN
    INSERT INTO device_counts (tenant, n) VALUES (NEW.tenant, 1)
        ON CONFLICT (tenant) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER autopilot_devices_uncounted AFTER DELETE ON autopilot_devices
BEGIN
    UPDATE device_counts SET n = n - 1 WHERE tenant = OLD.tenant;
END;
