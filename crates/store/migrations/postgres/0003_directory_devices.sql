-- Entra ID device objects (microsoft.graph.device). The registration service creates one with
-- each registered Autopilot device (`autopilot_id` is its ZTDID), in the same transaction; its
-- `device_id` is the Autopilot device's azureActiveDirectoryDeviceId. Unset optional text is
-- NULL, as Graph writes it. Physical ids are rows of their own, so that `physicalIds/any(...)`
-- and membership rules find them by index.

CREATE TABLE directory_devices (
    tenant                    TEXT COLLATE "C" NOT NULL,
    id                        TEXT COLLATE "C" NOT NULL,
    device_id                 TEXT COLLATE "C" NOT NULL,
    display_name              TEXT COLLATE "C" NOT NULL,
    account_enabled           BIGINT NOT NULL,
    operating_system          TEXT COLLATE "C" NOT NULL,
    operating_system_version  TEXT COLLATE "C",
    trust_type                TEXT COLLATE "C",
    profile_type              TEXT COLLATE "C" NOT NULL,
    device_ownership          TEXT COLLATE "C",
    enrollment_profile_name   TEXT COLLATE "C",
    manufacturer              TEXT COLLATE "C",
    model                     TEXT COLLATE "C",
    autopilot_id              TEXT COLLATE "C",
    created_at                BIGINT NOT NULL,
    PRIMARY KEY (tenant, id)
);

CREATE UNIQUE INDEX directory_devices_device_id ON directory_devices (tenant, lower(device_id));
CREATE INDEX directory_devices_display_name ON directory_devices (tenant, lower(display_name));
CREATE INDEX directory_devices_autopilot ON directory_devices (tenant, autopilot_id);

CREATE TABLE directory_device_ids (
    tenant       TEXT COLLATE "C" NOT NULL,
    device       TEXT COLLATE "C" NOT NULL,
    position     BIGINT NOT NULL,
    value        TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (tenant, device, position)
);

CREATE INDEX directory_device_ids_value ON directory_device_ids (tenant, lower(value));
