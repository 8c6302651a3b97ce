-- Indexes for the common queries: serialNumber eq / startswith / ordering, groupTag, import
-- status (case-insensitive text, as Intune compares it), and trigram full-text tables for
-- contains(serialNumber, '...'). The full-text tables are kept by triggers: each row carries the
-- device's tenant and id, and `key` (tenant '/' id) so that a delete finds its row by index.

CREATE INDEX imported_devices_serial ON imported_devices (tenant, serial_number COLLATE NOCASE);
CREATE INDEX imported_devices_group_tag ON imported_devices (tenant, group_tag COLLATE NOCASE);
CREATE INDEX imported_devices_status ON imported_devices (tenant, status);
CREATE INDEX autopilot_devices_serial ON autopilot_devices (tenant, serial_number COLLATE NOCASE);
CREATE INDEX autopilot_devices_group_tag ON autopilot_devices (tenant, group_tag COLLATE NOCASE);

CREATE VIRTUAL TABLE imported_devices_serials USING fts5(
    serial_number, key, tenant UNINDEXED, id UNINDEXED, tokenize = 'trigram'
);
CREATE VIRTUAL TABLE autopilot_devices_serials USING fts5(
    serial_number, key, tenant UNINDEXED, id UNINDEXED, tokenize = 'trigram'
);

INSERT INTO imported_devices_serials (serial_number, key, tenant, id)
    SELECT serial_number, tenant || '/' || id, tenant, id FROM imported_devices;
INSERT INTO autopilot_devices_serials (serial_number, key, tenant, id)
    SELECT serial_number, tenant || '/' || id, tenant, id FROM autopilot_devices;

CREATE TRIGGER imported_devices_serials_insert AFTER INSERT ON imported_devices BEGIN
    INSERT INTO imported_devices_serials (serial_number, key, tenant, id)
        VALUES (new.serial_number, new.tenant || '/' || new.id, new.tenant, new.id);
END;
CREATE TRIGGER imported_devices_serials_delete AFTER DELETE ON imported_devices BEGIN
    DELETE FROM imported_devices_serials WHERE rowid IN (
        SELECT rowid FROM imported_devices_serials
        WHERE imported_devices_serials MATCH
              '{key} : "' || replace(old.tenant || '/' || old.id, '"', '""') || '"'
          AND key = old.tenant || '/' || old.id);
END;
CREATE TRIGGER autopilot_devices_serials_insert AFTER INSERT ON autopilot_devices BEGIN
    INSERT INTO autopilot_devices_serials (serial_number, key, tenant, id)
        VALUES (new.serial_number, new.tenant || '/' || new.id, new.tenant, new.id);
END;
CREATE TRIGGER autopilot_devices_serials_delete AFTER DELETE ON autopilot_devices BEGIN
    DELETE FROM autopilot_devices_serials WHERE rowid IN (
        SELECT rowid FROM autopilot_devices_serials
        WHERE autopilot_devices_serials MATCH
              '{key} : "' || replace(old.tenant || '/' || old.id, '"', '""') || '"'
          AND key = old.tenant || '/' || old.id);
END;
CREATE TRIGGER autopilot_devices_serials_update AFTER UPDATE OF serial_number ON autopilot_devices
BEGIN
    UPDATE autopilot_devices_serials SET serial_number = new.serial_number WHERE rowid IN (
        SELECT rowid FROM autopilot_devices_serials
        WHERE autopilot_devices_serials MATCH
              '{key} : "' || replace(old.tenant || '/' || old.id, '"', '""') || '"'
          AND key = old.tenant || '/' || old.id);
END;
