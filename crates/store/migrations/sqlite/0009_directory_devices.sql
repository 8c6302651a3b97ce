-- Entra ID device objects (microsoft.graph.device). The registration service creates one with
-- each registered Autopilot device (`autopilot_id` is its ZTDID), in the same transaction; its
-- `device_id` is the Autopilot device's azureActiveDirectoryDeviceId. Unset optional text is
-- NULL, as Graph writes it. Physical ids are rows of their own, so that `physicalIds/any(...)`
-- and membership rules find them by index.

CREATE TABLE directory_devices (
    tenant                    TEXT    NOT NULL,
    id                        TEXT    NOT NULL,
    device_id                 TEXT    NOT NULL,
    display_name              TEXT    NOT NULL,
    account_enabled           INTEGER NOT NULL,
    operating_system          TEXT    NOT NULL,
    operating_system_version  TEXT,
    trust_type                TEXT,
    profile_type              TEXT    NOT NULL,
    device_ownership          TEXT,
    enrollment_profile_name   TEXT,
    manufacturer              TEXT,
    model                     TEXT,
    autopilot_id              TEXT,
    created_at                INTEGER NOT NULL,
    PRIMARY KEY (tenant, id)
) WITHOUT ROWID;

CREATE UNIQUE INDEX directory_devices_device_id ON directory_devices (tenant, device_id COLLATE NOCASE);
CREATE INDEX directory_devices_display_name ON directory_devices (tenant, display_name COLLATE NOCASE);
CREATE INDEX directory_devices_autopilot ON directory_devices (tenant, autopilot_id);

CREATE TABLE directory_device_ids (
    tenant       TEXT    NOT NULL,
    device       TEXT    NOT NULL,
    position     INTEGER NOT NULL,
    value        TEXT    NOT NULL,
    PRIMARY KEY (tenant, device, position)
) WITHOUT ROWID;

CREATE INDEX directory_device_ids_value ON directory_device_ids (tenant, value COLLATE NOCASE);
