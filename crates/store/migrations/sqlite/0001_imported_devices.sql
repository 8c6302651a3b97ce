-- Imported device records and uploads. Times are UTC microseconds since the Unix epoch, ids
-- hyphenated lower-case UUIDs (v7, so id order is creation order). The 3000-byte hash lives in
-- its own table so that lists and filters scan narrow rows.

CREATE TABLE uploads (
    tenant      TEXT    NOT NULL,
    id          TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant, id)
) WITHOUT ROWID;

CREATE TABLE imported_devices (
    tenant           TEXT    NOT NULL,
    id               TEXT    NOT NULL,
    import_id        TEXT    NOT NULL,
    upload_id        TEXT,
    serial_number    TEXT    NOT NULL,
    group_tag        TEXT    NOT NULL,
    product_key      TEXT    NOT NULL,
    assigned_user    TEXT    NOT NULL,
    status           INTEGER NOT NULL DEFAULT 0,
    registration_id  TEXT    NOT NULL DEFAULT '',
    error_code       INTEGER NOT NULL DEFAULT 0,
    error_name       TEXT    NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL,
    due_at           INTEGER NOT NULL,
    PRIMARY KEY (tenant, id)
) WITHOUT ROWID;

CREATE INDEX imported_devices_by_upload
    ON imported_devices (tenant, upload_id, id) WHERE upload_id IS NOT NULL;
CREATE INDEX imported_devices_due
    ON imported_devices (due_at) WHERE status = 0;

CREATE TABLE imported_hashes (
    tenant  TEXT NOT NULL,
    id      TEXT NOT NULL,
    hash    BLOB NOT NULL,
    PRIMARY KEY (tenant, id)
) WITHOUT ROWID;
