-- The whole schema on PostgreSQL, the same tables as on SQLite. Text is in the "C" collation,
-- so that lower() folds ASCII letters only and orders bytewise, as SQLite's NOCASE does: lists
-- sort and compare the same on both databases. Times are UTC microseconds since the Unix epoch,
-- ids hyphenated lower-case UUIDs (v7: id order is creation order).

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE uploads (
    tenant      TEXT COLLATE "C" NOT NULL,
    id          TEXT COLLATE "C" NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant, id)
);

-- claimed_by / claim_until: the registration service instance working on a record, and until
-- when its claim holds (a crashed instance's records are taken over after that).
CREATE TABLE imported_devices (
    tenant           TEXT COLLATE "C" NOT NULL,
    id               TEXT COLLATE "C" NOT NULL,
    import_id        TEXT COLLATE "C" NOT NULL,
    upload_id        TEXT COLLATE "C",
    serial_number    TEXT COLLATE "C" NOT NULL,
    group_tag        TEXT COLLATE "C" NOT NULL,
    product_key      TEXT COLLATE "C" NOT NULL,
    assigned_user    TEXT COLLATE "C" NOT NULL,
    status           BIGINT NOT NULL DEFAULT 0,
    registration_id  TEXT COLLATE "C" NOT NULL DEFAULT '',
    error_code       BIGINT NOT NULL DEFAULT 0,
    error_name       TEXT COLLATE "C" NOT NULL DEFAULT '',
    created_at       BIGINT NOT NULL,
    due_at           BIGINT NOT NULL,
    claimed_by       TEXT COLLATE "C",
    claim_until      BIGINT,
    PRIMARY KEY (tenant, id)
);

CREATE INDEX imported_devices_by_upload
    ON imported_devices (tenant, upload_id, id) WHERE upload_id IS NOT NULL;
CREATE INDEX imported_devices_due ON imported_devices (due_at, id) WHERE status = 0;
CREATE INDEX imported_devices_serial ON imported_devices (tenant, lower(serial_number));
CREATE INDEX imported_devices_group_tag ON imported_devices (tenant, lower(group_tag));
CREATE INDEX imported_devices_status ON imported_devices (tenant, status);

CREATE TABLE imported_hashes (
    tenant  TEXT COLLATE "C" NOT NULL,
    id      TEXT COLLATE "C" NOT NULL,
    hash    BYTEA NOT NULL,
    PRIMARY KEY (tenant, id)
);

CREATE TABLE autopilot_devices (
    tenant                      TEXT COLLATE "C" NOT NULL,
    id                          TEXT COLLATE "C" NOT NULL,
    hardware_key                TEXT COLLATE "C" NOT NULL,
    import_id                   TEXT COLLATE "C" NOT NULL,
    serial_number               TEXT COLLATE "C" NOT NULL,
    manufacturer                TEXT COLLATE "C" NOT NULL,
    model                       TEXT COLLATE "C" NOT NULL,
    sku_number                  TEXT COLLATE "C" NOT NULL,
    system_family               TEXT COLLATE "C" NOT NULL,
    product_key                 TEXT COLLATE "C" NOT NULL,
    group_tag                   TEXT COLLATE "C" NOT NULL,
    purchase_order_identifier   TEXT COLLATE "C" NOT NULL DEFAULT '',
    user_principal_name         TEXT COLLATE "C" NOT NULL DEFAULT '',
    addressable_user_name       TEXT COLLATE "C" NOT NULL DEFAULT '',
    display_name                TEXT COLLATE "C" NOT NULL DEFAULT '',
    resource_name               TEXT COLLATE "C" NOT NULL DEFAULT '',
    azure_ad_device_id          TEXT COLLATE "C" NOT NULL,
    managed_device_id           TEXT COLLATE "C" NOT NULL,
    enrollment_state            BIGINT NOT NULL DEFAULT 4,
    last_contacted_at           BIGINT,
    device_account_upn          TEXT COLLATE "C" NOT NULL DEFAULT '',
    device_account_password     TEXT COLLATE "C" NOT NULL DEFAULT '',
    device_friendly_name        TEXT COLLATE "C" NOT NULL DEFAULT '',
    created_at                  BIGINT NOT NULL,
    userless_enrollment_status  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant, id)
);

CREATE INDEX autopilot_devices_serial ON autopilot_devices (tenant, lower(serial_number));
CREATE INDEX autopilot_devices_group_tag ON autopilot_devices (tenant, lower(group_tag));
-- contains / endswith on serial numbers.
CREATE INDEX autopilot_devices_serial_trgm
    ON autopilot_devices USING gin (lower(serial_number) gin_trgm_ops);

-- One row per piece of hardware, across tenants: its primary key makes a second registration
-- of the same hardware fail, however many instances try at once.
CREATE TABLE registered_hardware (
    hardware_key  TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    tenant        TEXT COLLATE "C" NOT NULL,
    device_id     TEXT COLLATE "C" NOT NULL,
    import_id     TEXT COLLATE "C" NOT NULL
);

CREATE TABLE autopilot_settings (
    tenant            TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    id                TEXT COLLATE "C" NOT NULL,
    last_trigger_at   BIGINT,
    completes_at      BIGINT,
    previous_sync_at  BIGINT
);

CREATE TABLE deployment_profiles (
    tenant       TEXT COLLATE "C" NOT NULL,
    id           TEXT COLLATE "C" NOT NULL,
    odata_type   TEXT COLLATE "C" NOT NULL,
    properties   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    modified_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant, id)
);

CREATE TABLE deployment_profile_assignments (
    tenant      TEXT COLLATE "C" NOT NULL,
    id          TEXT COLLATE "C" NOT NULL,
    profile_id  TEXT COLLATE "C" NOT NULL,
    group_id    TEXT COLLATE "C",
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant, id)
);

CREATE TABLE applications (
    tenant       TEXT COLLATE "C" NOT NULL,
    client_id    TEXT COLLATE "C" NOT NULL,
    name         TEXT NOT NULL,
    secret_salt  BYTEA NOT NULL,
    secret_hash  BYTEA NOT NULL,
    roles        TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (tenant, client_id)
);

-- Request counters shared by every instance (throttling): one row per key and window.
CREATE TABLE throttle_windows (
    key           TEXT COLLATE "C" NOT NULL,
    window_start  BIGINT NOT NULL,
    count         BIGINT NOT NULL,
    PRIMARY KEY (key, window_start)
);
