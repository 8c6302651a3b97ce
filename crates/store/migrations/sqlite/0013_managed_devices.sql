-- Intune managed devices: what an enrolled device is to Intune (the device side creates them).
-- A wipe asked for is kept with its options and time.

CREATE TABLE managed_devices (
    tenant                   TEXT    NOT NULL,
    id                       TEXT    NOT NULL,
    device_name              TEXT    NOT NULL,
    serial_number            TEXT    NOT NULL,
    manufacturer             TEXT    NOT NULL,
    model                    TEXT    NOT NULL,
    operating_system         TEXT    NOT NULL,
    os_version               TEXT    NOT NULL,
    azure_ad_device_id       TEXT    NOT NULL,
    user_principal_name      TEXT    NOT NULL,
    user_display_name        TEXT    NOT NULL,
    enrollment_profile_name  TEXT    NOT NULL,
    enrolled_at              INTEGER NOT NULL,
    last_sync_at             INTEGER NOT NULL,
    autopilot_id             TEXT,
    wipe_keep_enrollment     INTEGER,
    wipe_keep_user           INTEGER,
    wipe_requested_at        INTEGER,
    PRIMARY KEY (tenant, id)
) WITHOUT ROWID;

CREATE INDEX managed_devices_serial ON managed_devices (tenant, serial_number COLLATE NOCASE);
CREATE INDEX managed_devices_name ON managed_devices (tenant, device_name COLLATE NOCASE);
