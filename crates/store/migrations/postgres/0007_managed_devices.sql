-- Intune managed devices: what an enrolled device is to Intune (the device side creates them).
-- A wipe asked for is kept with its options and time.

CREATE TABLE managed_devices (
    tenant                   TEXT COLLATE "C" NOT NULL,
    id                       TEXT COLLATE "C" NOT NULL,
    device_name              TEXT COLLATE "C" NOT NULL,
    serial_number            TEXT COLLATE "C" NOT NULL,
    manufacturer             TEXT COLLATE "C" NOT NULL,
    model                    TEXT COLLATE "C" NOT NULL,
    operating_system         TEXT COLLATE "C" NOT NULL,
    os_version               TEXT COLLATE "C" NOT NULL,
    azure_ad_device_id       TEXT COLLATE "C" NOT NULL,
    user_principal_name      TEXT COLLATE "C" NOT NULL,
    user_display_name        TEXT COLLATE "C" NOT NULL,
    enrollment_profile_name  TEXT COLLATE "C" NOT NULL,
    enrolled_at              BIGINT NOT NULL,
    last_sync_at             BIGINT NOT NULL,
    autopilot_id             TEXT COLLATE "C",
    wipe_keep_enrollment     BIGINT,
    wipe_keep_user           BIGINT,
    wipe_requested_at        BIGINT,
    PRIMARY KEY (tenant, id)
);

CREATE INDEX managed_devices_serial ON managed_devices (tenant, lower(serial_number));
CREATE INDEX managed_devices_name ON managed_devices (tenant, lower(device_name));
