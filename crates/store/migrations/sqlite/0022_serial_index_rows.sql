-- The trigram index of registered devices' serials indexed each row's key as well (tenant '/'
-- id, some seventy characters, four fifths of the index's trigrams) only so that a delete could
-- find its row; registration spent about a third of its time on that index. The key now lives
-- in a table of its own, mapping each device to its row of the index, and the index holds the
-- serial alone (without the per-row column sizes, which only ranking reads).
DROP TRIGGER autopilot_devices_serials_insert;
DROP TRIGGER autopilot_devices_serials_delete;
DROP TRIGGER autopilot_devices_serials_update;
DROP TABLE autopilot_devices_serials;

CREATE VIRTUAL TABLE autopilot_devices_serials USING fts5(
    serial_number, tenant UNINDEXED, id UNINDEXED, tokenize = 'trigram', columnsize = 0
);
CREATE TABLE autopilot_devices_serial_rows (
    tenant  TEXT    NOT NULL,
    id      TEXT    NOT NULL,
    row     INTEGER NOT NULL,
    PRIMARY KEY (tenant, id)
) WITHOUT ROWID;

INSERT INTO autopilot_devices_serials (serial_number, tenant, id)
    SELECT serial_number, tenant, id FROM autopilot_devices;
INSERT INTO autopilot_devices_serial_rows (tenant, id, row)
    SELECT tenant, id, rowid FROM autopilot_devices_serials;

-- `last_insert_rowid()` inside a trigger is the row the trigger itself inserted last.
CREATE TRIGGER autopilot_devices_serials_insert AFTER INSERT ON autopilot_devices BEGIN
    INSERT INTO autopilot_devices_serials (serial_number, tenant, id)
        VALUES (new.serial_number, new.tenant, new.id);
    INSERT INTO autopilot_devices_serial_rows (tenant, id, row)
        VALUES (new.tenant, new.id, last_insert_rowid());
END;
CREATE TRIGGER autopilot_devices_serials_delete AFTER DELETE ON autopilot_devices BEGIN
    DELETE FROM autopilot_devices_serials WHERE rowid = (
        SELECT row FROM autopilot_devices_serial_rows WHERE tenant = old.tenant AND id = old.id);
    DELETE FROM autopilot_devices_serial_rows WHERE tenant = old.tenant AND id = old.id;
END;
CREATE TRIGGER autopilot_devices_serials_update AFTER UPDATE OF serial_number ON autopilot_devices
BEGIN
    UPDATE autopilot_devices_serials SET serial_number = new.serial_number WHERE rowid = (
        SELECT row FROM autopilot_devices_serial_rows WHERE tenant = old.tenant AND id = old.id);
END;
