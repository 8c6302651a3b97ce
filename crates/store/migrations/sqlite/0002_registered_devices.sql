-- Registered Autopilot devices (windowsAutopilotDeviceIdentity) and the hardware registry the
-- registration service matches imports against: one row per piece of hardware, across tenants,
-- so the same hardware can be registered once only (806 in the same tenant, 808 in another).

CREATE TABLE autopilot_devices (
    tenant                     TEXT    NOT NULL,
    id                         TEXT    NOT NULL,
    hardware_key               TEXT    NOT NULL,
    import_id                  TEXT    NOT NULL,
    serial_number              TEXT    NOT NULL,
    manufacturer               TEXT    NOT NULL,
    model                      TEXT    NOT NULL,
    sku_number                 TEXT    NOT NULL,
    system_family              TEXT    NOT NULL,
    product_key                TEXT    NOT NULL,
    group_tag                  TEXT    NOT NULL,
    purchase_order_identifier  TEXT    NOT NULL DEFAULT '',
    user_principal_name        TEXT    NOT NULL DEFAULT '',
    addressable_user_name      TEXT    NOT NULL DEFAULT '',
    display_name               TEXT    NOT NULL DEFAULT '',
    resource_name              TEXT    NOT NULL DEFAULT '',
    azure_ad_device_id         TEXT    NOT NULL,
    managed_device_id          TEXT    NOT NULL,
    enrollment_state           INTEGER NOT NULL DEFAULT 4,
    last_contacted_at          INTEGER,
    device_account_upn         TEXT    NOT NULL DEFAULT '',
    device_account_password    TEXT    NOT NULL DEFAULT '',
    device_friendly_name       TEXT    NOT NULL DEFAULT '',
    created_at                 INTEGER NOT NULL,
    PRIMARY KEY (tenant, id)
) WITHOUT ROWID;

CREATE TABLE registered_hardware (
    hardware_key  TEXT NOT NULL PRIMARY KEY,
    tenant        TEXT NOT NULL,
    device_id     TEXT NOT NULL,
    import_id     TEXT NOT NULL
) WITHOUT ROWID;
