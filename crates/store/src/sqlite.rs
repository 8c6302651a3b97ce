//! The SQLite implementation of the store.

use std::str::FromStr;
use std::time::Duration;

use autopilot_domain::{
    AutopilotDevice, ImportBatch, ImportState, ImportStatus, ImportedDevice, Page, PageRequest,
    ProcessReport, Store, StoreError, TenantId, Upload, UploadStatus, UploadTarget,
};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Row, Sqlite, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::OpenError;
use crate::lower::{Column, Kind, Table};
use crate::time_codec::{from_micros, to_micros};
use autopilot_odata::entity;

/// Devices per multi-row INSERT (10 parameters each, well under SQLite's variable limit).
const INSERT_CHUNK: usize = 100;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

/// Autopilot data in one SQLite database.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
}

pub(crate) fn backend(err: sqlx::Error) -> StoreError {
    StoreError::Backend(err.to_string())
}

/// The columns [`device_from_row`] reads (the hash comes from its own table, `h`).
const SELECT_DEVICE_COLUMNS: &str = "SELECT d.id, d.import_id, d.upload_id, d.serial_number, \
     d.group_tag, d.product_key, d.assigned_user, d.status, d.registration_id, d.error_code, \
     d.error_name, d.created_at, h.hash";

/// Queryable properties of imported records.
const IMPORTED: Table = Table {
    id: "d.id",
    tenant: "d.tenant",
    columns: &[
        Column::new("id", "d.id", Kind::Text),
        Column::new("groupTag", "d.group_tag", Kind::Text),
        Column::new("serialNumber", "d.serial_number", Kind::Text),
        Column::new("productKey", "d.product_key", Kind::Text),
        Column::new("importId", "d.import_id", Kind::Text),
        Column::new("assignedUserPrincipalName", "d.assigned_user", Kind::Text),
        Column::new(
            "state/deviceImportStatus",
            "d.status",
            Kind::Enum(entity::IMPORT_STATUS),
        ),
        Column::new(
            "state/deviceRegistrationId",
            "d.registration_id",
            Kind::Text,
        ),
        Column::new("state/deviceErrorCode", "d.error_code", Kind::Int),
        Column::new("state/deviceErrorName", "d.error_name", Kind::Text),
    ],
};

/// Queryable properties of uploads (over the derived table of [`uploads_scope`]).
const UPLOADS: Table = Table {
    id: "x.id",
    tenant: "x.tenant",
    columns: &[
        Column::new("id", "x.id", Kind::Text),
        Column::new("createdDateTimeUtc", "x.created_at", Kind::Time),
        Column::new("status", "x.status", Kind::Enum(entity::UPLOAD_STATUS)),
    ],
};

/// Upload statuses by their index in `entity::UPLOAD_STATUS`.
const UPLOAD_STATUSES: [UploadStatus; 4] = [
    UploadStatus::NoUpload,
    UploadStatus::Pending,
    UploadStatus::Complete,
    UploadStatus::Error,
];

/// The uploads of a tenant with their computed status, as a derived table `x`.
fn uploads_scope(qb: &mut sqlx::QueryBuilder<Sqlite>, tenant: &str) {
    qb.push(
        " FROM (SELECT u.tenant AS tenant, u.id AS id, u.created_at AS created_at, \
         CASE WHEN count(d.id) = 0 THEN 0 WHEN sum(d.status IN (0, 1)) > 0 THEN 1 \
         WHEN sum(d.status = 4) > 0 THEN 3 ELSE 2 END AS status \
         FROM uploads u \
         LEFT JOIN imported_devices d ON d.tenant = u.tenant AND d.upload_id = u.id \
         WHERE u.tenant = ",
    );
    qb.push_bind(tenant.to_owned());
    qb.push(" GROUP BY u.id, u.created_at) x WHERE 1 = 1");
}

/// The columns [`device_from_row`] reads, with the hash joined from its own table.
macro_rules! select_devices {
    () => {
        "SELECT d.id, d.import_id, d.upload_id, d.serial_number, d.group_tag, d.product_key, \
         d.assigned_user, d.status, d.registration_id, d.error_code, d.error_name, d.created_at, \
         h.hash FROM imported_devices d \
         JOIN imported_hashes h ON h.tenant = d.tenant AND h.id = d.id "
    };
}

impl SqliteStore {
    /// Opens `sqlite://PATH` (created when missing, WAL mode) or `sqlite::memory:`, and runs the
    /// migrations.
    pub async fn open(url: &str) -> Result<Self, OpenError> {
        let memory = url.contains(":memory:") || url.contains("mode=memory");
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| OpenError::Connect(e.to_string()))?
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let options = if memory {
            options
        } else {
            options
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
        };
        // An in-memory database lives as long as its one connection: keep exactly one, forever.
        let pool = if memory {
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            SqlitePoolOptions::new().max_connections(4)
        }
        .connect_with(options)
        .await
        .map_err(|e| OpenError::Connect(e.to_string()))?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| OpenError::Migrate(e.to_string()))?;
        Ok(SqliteStore { pool })
    }

    /// A write transaction, taking the write lock at once (`BEGIN IMMEDIATE`): a deferred
    /// transaction that reads first could fail to upgrade while another connection writes.
    pub(crate) async fn write(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        self.pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(backend)
    }

    /// The connection pool (tests, maintenance).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

fn device_from_row(row: &SqliteRow) -> Result<ImportedDevice, StoreError> {
    let id: String = row.try_get(0).map_err(backend)?;
    let upload: Option<String> = row.try_get(2).map_err(backend)?;
    let status: i64 = row.try_get(7).map_err(backend)?;
    let error_code: i64 = row.try_get(9).map_err(backend)?;
    Ok(ImportedDevice {
        id: parse_id(&id)?,
        import_id: row.try_get(1).map_err(backend)?,
        upload_id: upload.as_deref().map(parse_id).transpose()?,
        serial_number: row.try_get(3).map_err(backend)?,
        group_tag: row.try_get(4).map_err(backend)?,
        product_key: row.try_get(5).map_err(backend)?,
        assigned_user_principal_name: row.try_get(6).map_err(backend)?,
        state: ImportState {
            device_import_status: ImportStatus::from_code(status)
                .ok_or_else(|| StoreError::Backend(format!("bad status {status} on {id}")))?,
            device_registration_id: row.try_get(8).map_err(backend)?,
            device_error_code: i32::try_from(error_code).unwrap_or(i32::MAX),
            device_error_name: row.try_get(10).map_err(backend)?,
        },
        created_at: from_micros(row.try_get(11).map_err(backend)?),
        hardware_identifier: row.try_get(12).map_err(backend)?,
    })
}

pub(crate) fn parse_id(text: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(text).map_err(|e| StoreError::Backend(format!("bad id '{text}': {e}")))
}

pub(crate) fn id_text(id: Uuid) -> String {
    id.hyphenated().to_string()
}

async fn upload_exists(
    tx: &mut Transaction<'_, Sqlite>,
    tenant: &TenantId,
    id: Uuid,
) -> Result<bool, StoreError> {
    let found = sqlx::query("SELECT 1 FROM uploads WHERE tenant = ?1 AND id = ?2")
        .bind(tenant.as_str())
        .bind(id_text(id))
        .fetch_optional(&mut **tx)
        .await
        .map_err(backend)?;
    Ok(found.is_some())
}

async fn upload_status(
    pool: &SqlitePool,
    tenant: &TenantId,
    id: Uuid,
) -> Result<UploadStatus, StoreError> {
    let row = sqlx::query(
        "SELECT count(*), coalesce(sum(status IN (0, 1)), 0), coalesce(sum(status = 4), 0) \
         FROM imported_devices WHERE tenant = ?1 AND upload_id = ?2",
    )
    .bind(tenant.as_str())
    .bind(id_text(id))
    .fetch_one(pool)
    .await
    .map_err(backend)?;
    status_from_row(&row, 0)
}

fn status_from_row(row: &SqliteRow, first: usize) -> Result<UploadStatus, StoreError> {
    let n = |i: usize| -> Result<u64, StoreError> {
        let v: i64 = row.try_get(first + i).map_err(backend)?;
        Ok(u64::try_from(v).unwrap_or(0))
    };
    Ok(UploadStatus::from_counts(n(0)?, n(1)?, n(2)?))
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    async fn import_devices(
        &self,
        tenant: &TenantId,
        batch: ImportBatch,
    ) -> Result<Vec<ImportedDevice>, StoreError> {
        if batch.ids.len() != batch.devices.len() || batch.due_at.len() != batch.devices.len() {
            return Err(StoreError::Backend(format!(
                "an import batch has {} ids and {} due times for {} devices",
                batch.ids.len(),
                batch.due_at.len(),
                batch.devices.len()
            )));
        }
        let mut tx = self.write().await?;
        let upload_id = match batch.upload {
            UploadTarget::None => None,
            UploadTarget::Existing(id) => {
                if !upload_exists(&mut tx, tenant, id).await? {
                    return Err(StoreError::UploadNotFound(id));
                }
                Some(id)
            }
            UploadTarget::New(id) => {
                sqlx::query("INSERT INTO uploads (tenant, id, created_at) VALUES (?1, ?2, ?3)")
                    .bind(tenant.as_str())
                    .bind(id_text(id))
                    .bind(to_micros(batch.created_at))
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                Some(id)
            }
        };
        let upload_text = upload_id.map(id_text);
        let created = to_micros(batch.created_at);
        let due: Vec<i64> = batch.due_at.iter().map(|t| to_micros(*t)).collect();
        let ids: Vec<String> = batch.ids.iter().map(|id| id_text(*id)).collect();
        // Multi-row inserts: one statement per chunk, not two per device.
        for ((chunk_ids, chunk), chunk_due) in ids
            .chunks(INSERT_CHUNK)
            .zip(batch.devices.chunks(INSERT_CHUNK))
            .zip(due.chunks(INSERT_CHUNK))
        {
            let mut devices = sqlx::QueryBuilder::<Sqlite>::new(
                "INSERT INTO imported_devices (tenant, id, import_id, upload_id, serial_number, \
                 group_tag, product_key, assigned_user, created_at, due_at) ",
            );
            devices.push_values(
                chunk_ids.iter().zip(chunk).zip(chunk_due),
                |mut row, ((id, device), due)| {
                    row.push_bind(tenant.as_str())
                        .push_bind(id.as_str())
                        .push_bind(batch.import_id.as_str())
                        .push_bind(upload_text.as_deref())
                        .push_bind(device.serial_number.as_str())
                        .push_bind(device.group_tag.as_str())
                        .push_bind(device.product_key.as_str())
                        .push_bind(device.assigned_user_principal_name.as_str())
                        .push_bind(created)
                        .push_bind(*due);
                },
            );
            devices.build().execute(&mut *tx).await.map_err(backend)?;
            let mut hashes = sqlx::QueryBuilder::<Sqlite>::new(
                "INSERT INTO imported_hashes (tenant, id, hash) ",
            );
            hashes.push_values(chunk_ids.iter().zip(chunk), |mut row, (id, device)| {
                row.push_bind(tenant.as_str())
                    .push_bind(id.as_str())
                    .push_bind(device.hardware_identifier.as_slice());
            });
            hashes.build().execute(&mut *tx).await.map_err(backend)?;
        }
        let out = batch
            .ids
            .iter()
            .zip(batch.devices)
            .map(|(id, device)| ImportedDevice {
                id: *id,
                import_id: batch.import_id.clone(),
                upload_id,
                serial_number: device.serial_number,
                group_tag: device.group_tag,
                product_key: device.product_key,
                assigned_user_principal_name: device.assigned_user_principal_name,
                hardware_identifier: device.hardware_identifier,
                state: ImportState::default(),
                created_at: from_micros(created),
            })
            .collect();
        tx.commit().await.map_err(backend)?;
        Ok(out)
    }

    async fn get_imported(
        &self,
        tenant: &TenantId,
        id: Uuid,
        upload: Option<Uuid>,
    ) -> Result<Option<ImportedDevice>, StoreError> {
        let row = sqlx::query(concat!(
            select_devices!(),
            "WHERE d.tenant = ?1 AND d.id = ?2 AND (?3 IS NULL OR d.upload_id = ?3)"
        ))
        .bind(tenant.as_str())
        .bind(id_text(id))
        .bind(upload.map(id_text))
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        row.as_ref().map(device_from_row).transpose()
    }

    async fn list_imported(
        &self,
        tenant: &TenantId,
        upload: Option<Uuid>,
        page: PageRequest,
    ) -> Result<Page<ImportedDevice>, StoreError> {
        let tenant = tenant.as_str().to_owned();
        let upload = upload.map(id_text);
        let scope = |qb: &mut sqlx::QueryBuilder<Sqlite>| {
            qb.push(
                " FROM imported_devices d \
                 JOIN imported_hashes h ON h.tenant = d.tenant AND h.id = d.id WHERE d.tenant = ",
            );
            qb.push_bind(tenant.clone());
            if let Some(upload) = &upload {
                qb.push(" AND d.upload_id = ");
                qb.push_bind(upload.clone());
            }
        };
        crate::listing::page(
            &self.pool,
            SELECT_DEVICE_COLUMNS,
            13,
            &IMPORTED,
            &scope,
            &page,
            |row| {
                device_from_row(row).map(|d| {
                    let id = d.id;
                    (d, id)
                })
            },
        )
        .await
    }

    async fn count_imported(
        &self,
        tenant: &TenantId,
        upload: Option<Uuid>,
        filter: Option<&autopilot_odata::Expr>,
    ) -> Result<u64, StoreError> {
        let tenant = tenant.as_str().to_owned();
        let upload = upload.map(id_text);
        let scope = |qb: &mut sqlx::QueryBuilder<Sqlite>| {
            qb.push(" FROM imported_devices d WHERE d.tenant = ");
            qb.push_bind(tenant.clone());
            if let Some(upload) = &upload {
                qb.push(" AND d.upload_id = ");
                qb.push_bind(upload.clone());
            }
        };
        crate::listing::count(&self.pool, &IMPORTED, &scope, filter).await
    }

    async fn delete_imported(
        &self,
        tenant: &TenantId,
        id: Uuid,
        upload: Option<Uuid>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        let done = sqlx::query(
            "DELETE FROM imported_devices \
             WHERE tenant = ?1 AND id = ?2 AND (?3 IS NULL OR upload_id = ?3)",
        )
        .bind(tenant.as_str())
        .bind(id_text(id))
        .bind(upload.map(id_text))
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM imported_hashes WHERE tenant = ?1 AND id = ?2")
            .bind(tenant.as_str())
            .bind(id_text(id))
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(true)
    }

    async fn create_upload(
        &self,
        tenant: &TenantId,
        id: Uuid,
        created_at: OffsetDateTime,
    ) -> Result<Upload, StoreError> {
        let created = to_micros(created_at);
        sqlx::query("INSERT INTO uploads (tenant, id, created_at) VALUES (?1, ?2, ?3)")
            .bind(tenant.as_str())
            .bind(id_text(id))
            .bind(created)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(Upload {
            id,
            created_date_time_utc: from_micros(created),
            status: UploadStatus::NoUpload,
        })
    }

    async fn get_upload(&self, tenant: &TenantId, id: Uuid) -> Result<Option<Upload>, StoreError> {
        let created: Option<i64> =
            sqlx::query_scalar("SELECT created_at FROM uploads WHERE tenant = ?1 AND id = ?2")
                .bind(tenant.as_str())
                .bind(id_text(id))
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
        let Some(created) = created else {
            return Ok(None);
        };
        Ok(Some(Upload {
            id,
            created_date_time_utc: from_micros(created),
            status: upload_status(&self.pool, tenant, id).await?,
        }))
    }

    async fn list_uploads(
        &self,
        tenant: &TenantId,
        page: PageRequest,
    ) -> Result<Page<Upload>, StoreError> {
        let tenant = tenant.as_str().to_owned();
        let scope = |qb: &mut sqlx::QueryBuilder<Sqlite>| uploads_scope(qb, &tenant);
        crate::listing::page(
            &self.pool,
            "SELECT x.id, x.created_at, x.status",
            3,
            &UPLOADS,
            &scope,
            &page,
            |row| {
                let id: String = row.try_get(0).map_err(backend)?;
                let status: i64 = row.try_get(2).map_err(backend)?;
                let id = parse_id(&id)?;
                let upload = Upload {
                    id,
                    created_date_time_utc: from_micros(row.try_get(1).map_err(backend)?),
                    status: UPLOAD_STATUSES
                        .get(usize::try_from(status).unwrap_or(usize::MAX))
                        .copied()
                        .ok_or_else(|| {
                            StoreError::Backend(format!("bad upload status {status}"))
                        })?,
                };
                Ok((upload, id))
            },
        )
        .await
    }

    async fn count_uploads(
        &self,
        tenant: &TenantId,
        filter: Option<&autopilot_odata::Expr>,
    ) -> Result<u64, StoreError> {
        let tenant = tenant.as_str().to_owned();
        let scope = |qb: &mut sqlx::QueryBuilder<Sqlite>| uploads_scope(qb, &tenant);
        crate::listing::count(&self.pool, &UPLOADS, &scope, filter).await
    }

    async fn process_due(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<ProcessReport, StoreError> {
        crate::sqlite_registry::process_due(self, now, limit).await
    }

    async fn next_due(&self) -> Result<Option<OffsetDateTime>, StoreError> {
        crate::sqlite_registry::next_due(self).await
    }

    async fn get_device(
        &self,
        tenant: &TenantId,
        id: Uuid,
    ) -> Result<Option<AutopilotDevice>, StoreError> {
        crate::sqlite_registry::get_device(self, tenant, id).await
    }

    async fn list_devices(
        &self,
        tenant: &TenantId,
        page: PageRequest,
    ) -> Result<Page<AutopilotDevice>, StoreError> {
        crate::sqlite_registry::list_devices(self, tenant, page).await
    }

    async fn count_devices(
        &self,
        tenant: &TenantId,
        filter: Option<&autopilot_odata::Expr>,
    ) -> Result<u64, StoreError> {
        crate::sqlite_registry::count_devices(self, tenant, filter).await
    }

    async fn delete_device(&self, tenant: &TenantId, id: Uuid) -> Result<bool, StoreError> {
        crate::sqlite_registry::delete_device(self, tenant, id).await
    }

    async fn sync_state(
        &self,
        tenant: &TenantId,
    ) -> Result<
        (
            Uuid,
            autopilot_domain::sync::SyncTimes,
            Option<OffsetDateTime>,
        ),
        StoreError,
    > {
        crate::sqlite_registry::sync_state(self, tenant).await
    }

    async fn trigger_sync(
        &self,
        tenant: &TenantId,
        now: OffsetDateTime,
        interval: time::Duration,
        duration: time::Duration,
    ) -> Result<autopilot_domain::sync::SyncDecision, StoreError> {
        crate::sqlite_registry::trigger_sync(self, tenant, now, interval, duration).await
    }

    async fn add_application(
        &self,
        tenant: &TenantId,
        app: &autopilot_domain::Application,
    ) -> Result<(), StoreError> {
        crate::sqlite_profiles::add_application(self, tenant, app).await
    }

    async fn get_application(
        &self,
        tenant: &TenantId,
        client_id: Uuid,
    ) -> Result<Option<autopilot_domain::Application>, StoreError> {
        crate::sqlite_profiles::get_application(self, tenant, client_id).await
    }

    async fn list_profiles(
        &self,
        tenant: &TenantId,
    ) -> Result<Vec<autopilot_domain::DeploymentProfile>, StoreError> {
        crate::sqlite_profiles::list_profiles(self, tenant).await
    }

    async fn put_profile(
        &self,
        tenant: &TenantId,
        profile: &autopilot_domain::DeploymentProfile,
    ) -> Result<(), StoreError> {
        crate::sqlite_profiles::put_profile(self, tenant, profile).await
    }

    async fn delete_profile(&self, tenant: &TenantId, id: Uuid) -> Result<bool, StoreError> {
        crate::sqlite_profiles::delete_profile(self, tenant, id).await
    }

    async fn list_assignments(
        &self,
        tenant: &TenantId,
    ) -> Result<Vec<autopilot_domain::ProfileAssignment>, StoreError> {
        crate::sqlite_profiles::list_assignments(self, tenant).await
    }

    async fn add_assignment(
        &self,
        tenant: &TenantId,
        assignment: &autopilot_domain::ProfileAssignment,
    ) -> Result<bool, StoreError> {
        crate::sqlite_profiles::add_assignment(self, tenant, assignment).await
    }

    async fn delete_assignment(
        &self,
        tenant: &TenantId,
        profile_id: Uuid,
        id: Uuid,
    ) -> Result<bool, StoreError> {
        crate::sqlite_profiles::delete_assignment(self, tenant, profile_id, id).await
    }

    async fn update_device(
        &self,
        tenant: &TenantId,
        id: Uuid,
        patch: &autopilot_domain::DevicePatch,
    ) -> Result<bool, StoreError> {
        crate::sqlite_registry::update_device(self, tenant, id, patch).await
    }

    async fn delete_devices_by_serial(
        &self,
        tenant: &TenantId,
        serials: &[String],
    ) -> Result<Vec<autopilot_domain::DeletedDevice>, StoreError> {
        crate::sqlite_registry::delete_devices_by_serial(self, tenant, serials).await
    }

    async fn delete_upload(&self, tenant: &TenantId, id: Uuid) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        let id_str = id_text(id);
        sqlx::query(
            "DELETE FROM imported_hashes WHERE tenant = ?1 AND id IN \
             (SELECT id FROM imported_devices WHERE tenant = ?1 AND upload_id = ?2)",
        )
        .bind(tenant.as_str())
        .bind(&id_str)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        sqlx::query("DELETE FROM imported_devices WHERE tenant = ?1 AND upload_id = ?2")
            .bind(tenant.as_str())
            .bind(&id_str)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        let done = sqlx::query("DELETE FROM uploads WHERE tenant = ?1 AND id = ?2")
            .bind(tenant.as_str())
            .bind(&id_str)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        if done.rows_affected() == 0 {
            // Nothing was there; nothing was deleted.
            tx.rollback().await.map_err(backend)?;
            return Ok(false);
        }
        tx.commit().await.map_err(backend)?;
        Ok(true)
    }
}
