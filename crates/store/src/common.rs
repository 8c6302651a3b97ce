//! The [`Store`] implementation both databases share: every method written once over
//! [`Backend`], which each database implements with its pool, its transactions, and its way of
//! running the registration service's rounds.

use async_trait::async_trait;
use autopilot_domain::sync::{SyncDecision, SyncTimes};
use autopilot_domain::{
    Application, AutopilotDevice, DeletedDevice, DeploymentProfile, DevicePatch, EnrollmentState,
    ImportBatch, ImportState, ImportStatus, ImportedDevice, Page, PageRequest, ProcessReport,
    ProfileAssignment, Store, StoreError, TenantId, Upload, UploadStatus, UploadTarget,
    UserlessEnrollmentStatus,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::lower::{Column, Kind, Table};
use crate::sql::{Arg, Dialect, Exec, Record, Sql};
use crate::time_codec::{from_micros, to_micros};
use autopilot_odata::entity;

/// Devices per multi-row INSERT (10 values each: well under both databases' limits).
pub(crate) const INSERT_CHUNK: usize = 100;

/// A transaction: statements, then commit (dropping it rolls back).
#[async_trait]
pub(crate) trait Tx: Exec {
    async fn commit(self) -> Result<(), StoreError>;
}

/// What a database provides to the shared store.
#[async_trait]
pub(crate) trait Backend: Send + Sync + std::fmt::Debug + 'static {
    type Pool: Exec + Clone + Sync;
    type Tx: Tx;
    const DIALECT: Dialect;
    /// A handle on the pool for reads outside a transaction.
    fn pool(&self) -> Self::Pool;
    /// A write transaction.
    async fn write(&self) -> Result<Self::Tx, StoreError>;
    /// When the next record falls due (see [`Store::next_due`]).
    async fn next_due(&self) -> Result<Option<OffsetDateTime>, StoreError>;
    /// Wakes on work made by other processes (see [`Store::watch_due`]).
    async fn watch_due(
        &self,
        wake: std::sync::Arc<dyn Fn() + Send + Sync>,
    ) -> Result<(), StoreError>;
    /// Shared request counters (see [`Store::count_request`]); `None` for one process.
    async fn count_request(
        &self,
        window: i64,
        keys: &[(String, u32)],
    ) -> Result<Option<bool>, StoreError> {
        let _ = (window, keys);
        Ok(None)
    }
    /// Statements an import adds to its transaction (PostgreSQL: the notification).
    fn after_import(&self) -> Option<Sql> {
        None
    }
    /// One round of the registration service (see [`Store::process_due`]).
    async fn process_due(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<ProcessReport, StoreError>;
}

/// A store on one database.
#[derive(Debug, Clone)]
pub struct SqlStore<B> {
    pub(crate) backend: B,
}

pub(crate) fn parse_id(text: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(text).map_err(|e| StoreError::Backend(format!("bad id '{text}': {e}")))
}

pub(crate) fn id_text(id: Uuid) -> String {
    id.hyphenated().to_string()
}

/// The columns [`device_from_row`] reads (the hash comes from its own table, `h`).
const SELECT_IMPORTED: &str = "SELECT d.id, d.import_id, d.upload_id, d.serial_number, \
     d.group_tag, d.product_key, d.assigned_user, d.status, d.registration_id, d.error_code, \
     d.error_name, d.created_at, h.hash";
const SELECT_IMPORTED_COLUMNS: usize = 13;
const FROM_IMPORTED: &str = " FROM imported_devices d \
     JOIN imported_hashes h ON h.tenant = d.tenant AND h.id = d.id ";

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

/// The counts an upload's status follows from: devices, undecided, failed.
const UPLOAD_COUNTS: &str = "count(d.id), \
     coalesce(sum(CASE WHEN d.status IN (0, 1) THEN 1 ELSE 0 END), 0), \
     coalesce(sum(CASE WHEN d.status = 4 THEN 1 ELSE 0 END), 0)";

/// The uploads of a tenant with their computed status, as a derived table `x`.
fn uploads_scope(qb: &mut Sql, tenant: &str) {
    qb.push(
        " FROM (SELECT u.tenant AS tenant, u.id AS id, u.created_at AS created_at, \
         CASE WHEN count(d.id) = 0 THEN 0 \
         WHEN sum(CASE WHEN d.status IN (0, 1) THEN 1 ELSE 0 END) > 0 THEN 1 \
         WHEN sum(CASE WHEN d.status = 4 THEN 1 ELSE 0 END) > 0 THEN 3 ELSE 2 END AS status \
         FROM uploads u \
         LEFT JOIN imported_devices d ON d.tenant = u.tenant AND d.upload_id = u.id \
         WHERE u.tenant = ",
    );
    qb.bind(tenant);
    qb.push(" GROUP BY u.tenant, u.id, u.created_at) x WHERE 1 = 1");
}

fn imported_from_row(row: &Record) -> Result<ImportedDevice, StoreError> {
    let id = row.text(0)?;
    let status = row.int(7)?;
    Ok(ImportedDevice {
        id: parse_id(&id)?,
        import_id: row.text(1)?,
        upload_id: row.opt_text(2)?.as_deref().map(parse_id).transpose()?,
        serial_number: row.text(3)?,
        group_tag: row.text(4)?,
        product_key: row.text(5)?,
        assigned_user_principal_name: row.text(6)?,
        state: ImportState {
            device_import_status: ImportStatus::from_code(status)
                .ok_or_else(|| StoreError::Backend(format!("bad status {status} on {id}")))?,
            device_registration_id: row.text(8)?,
            device_error_code: i32::try_from(row.int(9)?).unwrap_or(i32::MAX),
            device_error_name: row.text(10)?,
        },
        created_at: from_micros(row.int(11)?),
        hardware_identifier: row.bytes(12)?,
    })
}

fn status_from_row(row: &Record, first: usize) -> Result<UploadStatus, StoreError> {
    let n = |i: usize| -> Result<u64, StoreError> {
        Ok(u64::try_from(row.int(first + i)?).unwrap_or(0))
    };
    Ok(UploadStatus::from_counts(n(0)?, n(1)?, n(2)?))
}

/// Queryable properties of registered devices.
const DEVICES: Table = Table {
    id: "a.id",
    tenant: "a.tenant",
    columns: &[
        Column::new("id", "a.id", Kind::Text),
        Column::new("groupTag", "a.group_tag", Kind::Text),
        Column::new(
            "purchaseOrderIdentifier",
            "a.purchase_order_identifier",
            Kind::Text,
        ),
        Column::indexed(
            "serialNumber",
            "a.serial_number",
            ("autopilot_devices_serials", "serial_number"),
        ),
        Column::new("productKey", "a.product_key", Kind::Text),
        Column::new("manufacturer", "a.manufacturer", Kind::Text),
        Column::new("model", "a.model", Kind::Text),
        Column::new(
            "enrollmentState",
            "a.enrollment_state",
            Kind::Enum(entity::ENROLLMENT_STATE),
        ),
        // Never contacted sorts first, as 0001-01-01 would.
        Column::new(
            "lastContactedDateTime",
            "coalesce(a.last_contacted_at, -62135596800000000)",
            Kind::Time,
        ),
        Column::new("addressableUserName", "a.addressable_user_name", Kind::Text),
        Column::new("userPrincipalName", "a.user_principal_name", Kind::Text),
        Column::new("resourceName", "a.resource_name", Kind::Text),
        Column::new("skuNumber", "a.sku_number", Kind::Text),
        Column::new("systemFamily", "a.system_family", Kind::Text),
        Column::new(
            "azureActiveDirectoryDeviceId",
            "a.azure_ad_device_id",
            Kind::Text,
        ),
        Column::new("azureAdDeviceId", "a.azure_ad_device_id", Kind::Text),
        Column::new("managedDeviceId", "a.managed_device_id", Kind::Text),
        Column::new("displayName", "a.display_name", Kind::Text),
        Column::new("deviceAccountUpn", "a.device_account_upn", Kind::Text),
        Column::new("deviceFriendlyName", "a.device_friendly_name", Kind::Text),
    ],
};

/// How many columns [`SELECT_DEVICE`] names (the sort keys follow them).
const SELECT_DEVICE_COLUMNS: usize = 24;

const SELECT_DEVICE: &str = "SELECT a.id, a.hardware_key, a.import_id, a.serial_number, \
     a.manufacturer, a.model, a.sku_number, a.system_family, a.product_key, a.group_tag, \
     a.purchase_order_identifier, a.user_principal_name, a.addressable_user_name, \
     a.display_name, a.resource_name, a.azure_ad_device_id, a.managed_device_id, \
     a.enrollment_state, a.last_contacted_at, a.device_account_upn, a.device_account_password, \
     a.device_friendly_name, a.created_at, a.userless_enrollment_status";

fn device_from_row(row: &Record) -> Result<AutopilotDevice, StoreError> {
    debug_assert_eq!(
        SELECT_DEVICE.matches(", ").count() + 1,
        SELECT_DEVICE_COLUMNS
    );
    let id = row.text(0)?;
    let state = row.int(17)?;
    Ok(AutopilotDevice {
        id: parse_id(&id)?,
        hardware_key: row.text(1)?,
        import_id: row.text(2)?,
        serial_number: row.text(3)?,
        manufacturer: row.text(4)?,
        model: row.text(5)?,
        sku_number: row.text(6)?,
        system_family: row.text(7)?,
        product_key: row.text(8)?,
        group_tag: row.text(9)?,
        purchase_order_identifier: row.text(10)?,
        user_principal_name: row.text(11)?,
        addressable_user_name: row.text(12)?,
        display_name: row.text(13)?,
        resource_name: row.text(14)?,
        azure_ad_device_id: row.text(15)?,
        managed_device_id: row.text(16)?,
        enrollment_state: EnrollmentState::from_code(state)
            .ok_or_else(|| StoreError::Backend(format!("bad enrollment state {state} on {id}")))?,
        last_contacted: row.opt_int(18)?.map(from_micros),
        device_account_upn: row.text(19)?,
        device_account_password: row.text(20)?,
        device_friendly_name: row.text(21)?,
        created_at: from_micros(row.int(22)?),
        userless_enrollment_status: UserlessEnrollmentStatus::from_code(row.int(23)?),
    })
}

fn with_id<T>(
    read: impl Fn(&Record) -> Result<T, StoreError>,
    id: impl Fn(&T) -> Uuid,
) -> impl Fn(&Record) -> Result<(T, Uuid), StoreError> {
    move |row| {
        let item = read(row)?;
        let key = id(&item);
        Ok((item, key))
    }
}

async fn upload_exists(
    tx: &mut impl Exec,
    tenant: &TenantId,
    id: Uuid,
) -> Result<bool, StoreError> {
    let sql = Sql::with(
        "SELECT 1 FROM uploads WHERE tenant = $1 AND id = $2",
        vec![tenant.as_str().into(), id_text(id).into()],
    );
    Ok(tx.row(&sql).await?.is_some())
}

fn tenant_scope(from: &'static str, tenant: &TenantId) -> impl Fn(&mut Sql) + Sync {
    let tenant = tenant.as_str().to_owned();
    move |qb: &mut Sql| {
        qb.push(from);
        qb.bind(tenant.as_str());
    }
}

/// `d.upload_id = $n` when listing one upload's devices.
fn imported_scope(
    tenant: &TenantId,
    upload: Option<Uuid>,
    join_hash: bool,
) -> impl Fn(&mut Sql) + Sync {
    let tenant = tenant.as_str().to_owned();
    let upload = upload.map(id_text);
    move |qb: &mut Sql| {
        qb.push(if join_hash {
            FROM_IMPORTED
        } else {
            " FROM imported_devices d "
        });
        qb.push("WHERE d.tenant = ").bind(tenant.as_str());
        if let Some(upload) = &upload {
            qb.push(" AND d.upload_id = ").bind(upload.as_str());
        }
    }
}

/// Inserts imported devices in multi-row statements.
async fn insert_imported(
    tx: &mut impl Exec,
    tenant: &TenantId,
    batch: &ImportBatch,
    upload: Option<&str>,
) -> Result<(), StoreError> {
    let created = to_micros(batch.created_at);
    for ((ids, devices), due) in batch
        .ids
        .chunks(INSERT_CHUNK)
        .zip(batch.devices.chunks(INSERT_CHUNK))
        .zip(batch.due_at.chunks(INSERT_CHUNK))
    {
        let mut rows = Sql::new(
            "INSERT INTO imported_devices (tenant, id, import_id, upload_id, serial_number, \
             group_tag, product_key, assigned_user, created_at, due_at) ",
        );
        rows.values(
            ids.iter().zip(devices).zip(due),
            |row, ((id, device), due)| {
                row.bind(tenant.as_str())
                    .bind(id_text(*id))
                    .bind(batch.import_id.as_str())
                    .bind(upload.map(str::to_owned))
                    .bind(device.serial_number.as_str())
                    .bind(device.group_tag.as_str())
                    .bind(device.product_key.as_str())
                    .bind(device.assigned_user_principal_name.as_str())
                    .bind(created)
                    .bind(to_micros(*due));
            },
        );
        tx.exec(&rows).await?;
        let mut hashes = Sql::new("INSERT INTO imported_hashes (tenant, id, hash) ");
        hashes.values(ids.iter().zip(devices), |row, (id, device)| {
            row.bind(tenant.as_str())
                .bind(id_text(*id))
                .bind(device.hardware_identifier.as_slice());
        });
        tx.exec(&hashes).await?;
    }
    Ok(())
}

type SettingsRow = (String, Option<i64>, Option<i64>, Option<i64>);

async fn settings_row(tx: &mut impl Exec, tenant: &TenantId) -> Result<SettingsRow, StoreError> {
    let select = Sql::with(
        "SELECT id, last_trigger_at, completes_at, previous_sync_at \
         FROM autopilot_settings WHERE tenant = $1",
        vec![tenant.as_str().into()],
    );
    if let Some(row) = tx.row(&select).await? {
        return Ok((
            row.text(0)?,
            row.opt_int(1)?,
            row.opt_int(2)?,
            row.opt_int(3)?,
        ));
    }
    let id = id_text(Uuid::new_v4());
    // Two first requests at once: the second one's insert does nothing, and it reads the
    // first one's row.
    tx.exec(&Sql::with(
        "INSERT INTO autopilot_settings (tenant, id) VALUES ($1, $2) \
         ON CONFLICT (tenant) DO NOTHING",
        vec![tenant.as_str().into(), id.into()],
    ))
    .await?;
    let row = tx
        .row(&select)
        .await?
        .ok_or_else(|| StoreError::Backend("the settings row vanished".into()))?;
    Ok((
        row.text(0)?,
        row.opt_int(1)?,
        row.opt_int(2)?,
        row.opt_int(3)?,
    ))
}

/// Deletes a registered device and frees its hardware.
async fn delete_registered(
    tx: &mut impl Exec,
    tenant: &TenantId,
    id: &str,
) -> Result<bool, StoreError> {
    let deleted = tx
        .row(&Sql::with(
            "DELETE FROM autopilot_devices WHERE tenant = $1 AND id = $2 RETURNING hardware_key",
            vec![tenant.as_str().into(), id.into()],
        ))
        .await?;
    let Some(row) = deleted else {
        return Ok(false);
    };
    tx.exec(&Sql::with(
        "DELETE FROM registered_hardware \
         WHERE hardware_key = $1 AND tenant = $2 AND device_id = $3",
        vec![row.text(0)?.into(), tenant.as_str().into(), id.into()],
    ))
    .await?;
    Ok(true)
}

#[async_trait]
impl<B: Backend> Store for SqlStore<B> {
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
        let mut tx = self.backend.write().await?;
        let upload_id = match batch.upload {
            UploadTarget::None => None,
            UploadTarget::Existing(id) => {
                if !upload_exists(&mut tx, tenant, id).await? {
                    return Err(StoreError::UploadNotFound(id));
                }
                Some(id)
            }
            UploadTarget::New(id) => {
                tx.exec(&Sql::with(
                    "INSERT INTO uploads (tenant, id, created_at) VALUES ($1, $2, $3)",
                    vec![
                        tenant.as_str().into(),
                        id_text(id).into(),
                        to_micros(batch.created_at).into(),
                    ],
                ))
                .await?;
                Some(id)
            }
        };
        insert_imported(&mut tx, tenant, &batch, upload_id.map(id_text).as_deref()).await?;
        if let Some(notify) = self.backend.after_import() {
            tx.exec(&notify).await?;
        }
        tx.commit().await?;
        let created = from_micros(to_micros(batch.created_at));
        Ok(batch
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
                created_at: created,
            })
            .collect())
    }

    async fn get_imported(
        &self,
        tenant: &TenantId,
        id: Uuid,
        upload: Option<Uuid>,
    ) -> Result<Option<ImportedDevice>, StoreError> {
        let mut sql = Sql::new(SELECT_IMPORTED);
        imported_scope(tenant, upload, true)(&mut sql);
        sql.push(" AND d.id = ").bind(id_text(id));
        let row = self.backend.pool().row(&sql).await?;
        row.as_ref().map(imported_from_row).transpose()
    }

    async fn list_imported(
        &self,
        tenant: &TenantId,
        upload: Option<Uuid>,
        page: PageRequest,
    ) -> Result<Page<ImportedDevice>, StoreError> {
        crate::listing::page(
            &mut self.backend.pool(),
            B::DIALECT,
            SELECT_IMPORTED,
            SELECT_IMPORTED_COLUMNS,
            &IMPORTED,
            &imported_scope(tenant, upload, true),
            &page,
            with_id(imported_from_row, |d| d.id),
        )
        .await
    }

    async fn count_imported(
        &self,
        tenant: &TenantId,
        upload: Option<Uuid>,
        filter: Option<&autopilot_odata::Expr>,
    ) -> Result<u64, StoreError> {
        crate::listing::count(
            &mut self.backend.pool(),
            B::DIALECT,
            &IMPORTED,
            &imported_scope(tenant, upload, false),
            filter,
        )
        .await
    }

    async fn delete_imported(
        &self,
        tenant: &TenantId,
        id: Uuid,
        upload: Option<Uuid>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.backend.write().await?;
        let mut delete = Sql::new("DELETE FROM imported_devices WHERE tenant = ");
        delete
            .bind(tenant.as_str())
            .push(" AND id = ")
            .bind(id_text(id));
        if let Some(upload) = upload {
            delete.push(" AND upload_id = ").bind(id_text(upload));
        }
        if tx.exec(&delete).await? == 0 {
            return Ok(false);
        }
        tx.exec(&Sql::with(
            "DELETE FROM imported_hashes WHERE tenant = $1 AND id = $2",
            vec![tenant.as_str().into(), id_text(id).into()],
        ))
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn create_upload(
        &self,
        tenant: &TenantId,
        id: Uuid,
        created_at: OffsetDateTime,
    ) -> Result<Upload, StoreError> {
        let created = to_micros(created_at);
        let mut tx = self.backend.write().await?;
        tx.exec(&Sql::with(
            "INSERT INTO uploads (tenant, id, created_at) VALUES ($1, $2, $3)",
            vec![tenant.as_str().into(), id_text(id).into(), created.into()],
        ))
        .await?;
        tx.commit().await?;
        Ok(Upload {
            id,
            created_date_time_utc: from_micros(created),
            status: UploadStatus::NoUpload,
        })
    }

    async fn get_upload(&self, tenant: &TenantId, id: Uuid) -> Result<Option<Upload>, StoreError> {
        let sql = Sql::with(
            &format!(
                "SELECT u.created_at, {UPLOAD_COUNTS} FROM uploads u \
                 LEFT JOIN imported_devices d ON d.tenant = u.tenant AND d.upload_id = u.id \
                 WHERE u.tenant = $1 AND u.id = $2 GROUP BY u.tenant, u.id, u.created_at"
            ),
            vec![tenant.as_str().into(), id_text(id).into()],
        );
        let Some(row) = self.backend.pool().row(&sql).await? else {
            return Ok(None);
        };
        Ok(Some(Upload {
            id,
            created_date_time_utc: from_micros(row.int(0)?),
            status: status_from_row(&row, 1)?,
        }))
    }

    async fn list_uploads(
        &self,
        tenant: &TenantId,
        page: PageRequest,
    ) -> Result<Page<Upload>, StoreError> {
        let tenant = tenant.as_str().to_owned();
        let scope = move |qb: &mut Sql| uploads_scope(qb, &tenant);
        crate::listing::page(
            &mut self.backend.pool(),
            B::DIALECT,
            "SELECT x.id, x.created_at, x.status",
            3,
            &UPLOADS,
            &scope,
            &page,
            |row| {
                let id = parse_id(&row.text(0)?)?;
                let status = row.int(2)?;
                let upload = Upload {
                    id,
                    created_date_time_utc: from_micros(row.int(1)?),
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
        let scope = move |qb: &mut Sql| uploads_scope(qb, &tenant);
        crate::listing::count(
            &mut self.backend.pool(),
            B::DIALECT,
            &UPLOADS,
            &scope,
            filter,
        )
        .await
    }

    async fn delete_upload(&self, tenant: &TenantId, id: Uuid) -> Result<bool, StoreError> {
        let mut tx = self.backend.write().await?;
        let args = || vec![Arg::from(tenant.as_str()), Arg::from(id_text(id))];
        tx.exec(&Sql::with(
            "DELETE FROM imported_hashes WHERE tenant = $1 AND id IN \
             (SELECT id FROM imported_devices WHERE tenant = $1 AND upload_id = $2)",
            args(),
        ))
        .await?;
        tx.exec(&Sql::with(
            "DELETE FROM imported_devices WHERE tenant = $1 AND upload_id = $2",
            args(),
        ))
        .await?;
        let done = tx
            .exec(&Sql::with(
                "DELETE FROM uploads WHERE tenant = $1 AND id = $2",
                args(),
            ))
            .await?;
        if done == 0 {
            // Nothing was there; dropping the transaction deletes nothing.
            return Ok(false);
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn process_due(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<ProcessReport, StoreError> {
        self.backend.process_due(now, limit).await
    }

    async fn next_due(&self) -> Result<Option<OffsetDateTime>, StoreError> {
        self.backend.next_due().await
    }

    async fn watch_due(
        &self,
        wake: std::sync::Arc<dyn Fn() + Send + Sync>,
    ) -> Result<(), StoreError> {
        self.backend.watch_due(wake).await
    }

    async fn count_request(
        &self,
        window: i64,
        keys: &[(String, u32)],
    ) -> Result<Option<bool>, StoreError> {
        self.backend.count_request(window, keys).await
    }

    async fn get_device(
        &self,
        tenant: &TenantId,
        id: Uuid,
    ) -> Result<Option<AutopilotDevice>, StoreError> {
        let sql = Sql::with(
            &format!("{SELECT_DEVICE} FROM autopilot_devices a WHERE a.tenant = $1 AND a.id = $2"),
            vec![tenant.as_str().into(), id_text(id).into()],
        );
        let row = self.backend.pool().row(&sql).await?;
        row.as_ref().map(device_from_row).transpose()
    }

    async fn list_devices(
        &self,
        tenant: &TenantId,
        page: PageRequest,
    ) -> Result<Page<AutopilotDevice>, StoreError> {
        crate::listing::page(
            &mut self.backend.pool(),
            B::DIALECT,
            SELECT_DEVICE,
            SELECT_DEVICE_COLUMNS,
            &DEVICES,
            &tenant_scope(" FROM autopilot_devices a WHERE a.tenant = ", tenant),
            &page,
            with_id(device_from_row, |d| d.id),
        )
        .await
    }

    async fn count_devices(
        &self,
        tenant: &TenantId,
        filter: Option<&autopilot_odata::Expr>,
    ) -> Result<u64, StoreError> {
        crate::listing::count(
            &mut self.backend.pool(),
            B::DIALECT,
            &DEVICES,
            &tenant_scope(" FROM autopilot_devices a WHERE a.tenant = ", tenant),
            filter,
        )
        .await
    }

    async fn sync_state(
        &self,
        tenant: &TenantId,
    ) -> Result<(Uuid, SyncTimes, Option<OffsetDateTime>), StoreError> {
        let mut tx = self.backend.write().await?;
        let (id, last, end, previous) = settings_row(&mut tx, tenant).await?;
        tx.commit().await?;
        Ok((
            parse_id(&id)?,
            SyncTimes {
                last_trigger: last.map(from_micros),
                completes_at: end.map(from_micros),
            },
            previous.map(from_micros),
        ))
    }

    async fn trigger_sync(
        &self,
        tenant: &TenantId,
        now: OffsetDateTime,
        interval: time::Duration,
        duration: time::Duration,
    ) -> Result<SyncDecision, StoreError> {
        let mut tx = self.backend.write().await?;
        // Read under the write lock (SQLite) or a row lock (PostgreSQL), so that two
        // triggers at once cannot both start a sync.
        settings_row(&mut tx, tenant).await?;
        let locked = tx
            .row(&Sql::with(
                &format!(
                    "SELECT last_trigger_at, completes_at FROM autopilot_settings \
                     WHERE tenant = $1{}",
                    match B::DIALECT {
                        Dialect::Sqlite => "",
                        Dialect::Postgres => " FOR UPDATE",
                    }
                ),
                vec![tenant.as_str().into()],
            ))
            .await?
            .ok_or_else(|| StoreError::Backend("the settings row vanished".into()))?;
        let times = SyncTimes {
            last_trigger: locked.opt_int(0)?.map(from_micros),
            completes_at: locked.opt_int(1)?.map(from_micros),
        };
        let decision = autopilot_domain::sync::trigger(times, now, interval, duration);
        if let SyncDecision::Start { completes_at } = decision {
            // The run that just ended (if any) becomes the previous sync.
            tx.exec(&Sql::with(
                "UPDATE autopilot_settings SET previous_sync_at = completes_at, \
                 last_trigger_at = $2, completes_at = $3 WHERE tenant = $1",
                vec![
                    tenant.as_str().into(),
                    to_micros(now).into(),
                    to_micros(completes_at).into(),
                ],
            ))
            .await?;
        }
        tx.commit().await?;
        Ok(decision)
    }

    async fn delete_device(&self, tenant: &TenantId, id: Uuid) -> Result<bool, StoreError> {
        let mut tx = self.backend.write().await?;
        let deleted = delete_registered(&mut tx, tenant, &id_text(id)).await?;
        if deleted {
            tx.commit().await?;
        }
        Ok(deleted)
    }

    async fn update_device(
        &self,
        tenant: &TenantId,
        id: Uuid,
        patch: &DevicePatch,
    ) -> Result<bool, StoreError> {
        let mut qb = Sql::new("UPDATE autopilot_devices SET tenant = tenant");
        let mut set = |column: &str, value: &Option<String>| {
            if let Some(v) = value {
                qb.push(&format!(", {column} = ")).bind(v.as_str());
            }
        };
        set("user_principal_name", &patch.user_principal_name);
        set("addressable_user_name", &patch.addressable_user_name);
        set("group_tag", &patch.group_tag);
        set("display_name", &patch.display_name);
        set("resource_name", &patch.resource_name);
        set("device_account_upn", &patch.device_account_upn);
        set("device_account_password", &patch.device_account_password);
        set("device_friendly_name", &patch.device_friendly_name);
        if let Some(status) = patch.userless_enrollment_status {
            qb.push(", userless_enrollment_status = ")
                .bind(status.code());
        }
        qb.push(" WHERE tenant = ").bind(tenant.as_str());
        qb.push(" AND id = ").bind(id_text(id));
        let mut tx = self.backend.write().await?;
        let done = tx.exec(&qb).await?;
        tx.commit().await?;
        Ok(done > 0)
    }

    async fn delete_devices_by_serial(
        &self,
        tenant: &TenantId,
        serials: &[String],
    ) -> Result<Vec<DeletedDevice>, StoreError> {
        let mut tx = self.backend.write().await?;
        let mut out = Vec::with_capacity(serials.len());
        let same_serial = match B::DIALECT {
            Dialect::Sqlite => "serial_number = $2 COLLATE NOCASE",
            Dialect::Postgres => "lower(serial_number) = lower($2)",
        };
        for serial in serials {
            let found = tx
                .row(&Sql::with(
                    &format!(
                        "SELECT id FROM autopilot_devices WHERE tenant = $1 AND {same_serial} \
                         ORDER BY id LIMIT 1"
                    ),
                    vec![tenant.as_str().into(), serial.into()],
                ))
                .await?;
            match found {
                Some(row) => {
                    let id = row.text(0)?;
                    delete_registered(&mut tx, tenant, &id).await?;
                    out.push(DeletedDevice {
                        serial_number: serial.clone(),
                        device_registration_id: id,
                        accepted: true,
                        error_message: String::new(),
                    });
                }
                None => out.push(DeletedDevice {
                    serial_number: serial.clone(),
                    device_registration_id: String::new(),
                    accepted: false,
                    error_message: format!("No Autopilot device with serial number '{serial}'."),
                }),
            }
        }
        tx.commit().await?;
        Ok(out)
    }

    async fn add_application(
        &self,
        tenant: &TenantId,
        app: &Application,
    ) -> Result<(), StoreError> {
        let mut tx = self.backend.write().await?;
        tx.exec(&Sql::with(
            "INSERT INTO applications (tenant, client_id, name, secret_salt, secret_hash, roles, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            vec![
                tenant.as_str().into(),
                id_text(app.client_id).into(),
                app.name.as_str().into(),
                app.secret_salt.clone().into(),
                app.secret_hash.clone().into(),
                app.roles.join(" ").into(),
                to_micros(app.created_at).into(),
            ],
        ))
        .await?;
        tx.commit().await
    }

    async fn get_application(
        &self,
        tenant: &TenantId,
        client_id: Uuid,
    ) -> Result<Option<Application>, StoreError> {
        let row = self
            .backend
            .pool()
            .row(&Sql::with(
                "SELECT name, secret_salt, secret_hash, roles, created_at FROM applications \
                 WHERE tenant = $1 AND client_id = $2",
                vec![tenant.as_str().into(), id_text(client_id).into()],
            ))
            .await?;
        row.map(|row| {
            Ok(Application {
                client_id,
                name: row.text(0)?,
                secret_salt: row.bytes(1)?,
                secret_hash: row.bytes(2)?,
                roles: row.text(3)?.split_whitespace().map(str::to_owned).collect(),
                created_at: from_micros(row.int(4)?),
            })
        })
        .transpose()
    }

    async fn list_profiles(&self, tenant: &TenantId) -> Result<Vec<DeploymentProfile>, StoreError> {
        let rows = self
            .backend
            .pool()
            .rows(&Sql::with(
                "SELECT id, odata_type, properties, created_at, modified_at \
                 FROM deployment_profiles WHERE tenant = $1 ORDER BY created_at, id",
                vec![tenant.as_str().into()],
            ))
            .await?;
        rows.iter()
            .map(|row| {
                Ok(DeploymentProfile {
                    id: parse_id(&row.text(0)?)?,
                    odata_type: row.text(1)?,
                    properties: row.text(2)?,
                    created_at: from_micros(row.int(3)?),
                    modified_at: from_micros(row.int(4)?),
                })
            })
            .collect()
    }

    async fn put_profile(
        &self,
        tenant: &TenantId,
        p: &DeploymentProfile,
    ) -> Result<(), StoreError> {
        let mut tx = self.backend.write().await?;
        tx.exec(&Sql::with(
            "INSERT INTO deployment_profiles \
             (tenant, id, odata_type, properties, created_at, modified_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (tenant, id) DO UPDATE SET odata_type = excluded.odata_type, \
             properties = excluded.properties, modified_at = excluded.modified_at",
            vec![
                tenant.as_str().into(),
                id_text(p.id).into(),
                p.odata_type.as_str().into(),
                p.properties.as_str().into(),
                to_micros(p.created_at).into(),
                to_micros(p.modified_at).into(),
            ],
        ))
        .await?;
        tx.commit().await
    }

    async fn delete_profile(&self, tenant: &TenantId, id: Uuid) -> Result<bool, StoreError> {
        let mut tx = self.backend.write().await?;
        let args = || vec![Arg::from(tenant.as_str()), Arg::from(id_text(id))];
        let done = tx
            .exec(&Sql::with(
                "DELETE FROM deployment_profiles WHERE tenant = $1 AND id = $2",
                args(),
            ))
            .await?;
        tx.exec(&Sql::with(
            "DELETE FROM deployment_profile_assignments WHERE tenant = $1 AND profile_id = $2",
            args(),
        ))
        .await?;
        tx.commit().await?;
        Ok(done > 0)
    }

    async fn list_assignments(
        &self,
        tenant: &TenantId,
    ) -> Result<Vec<ProfileAssignment>, StoreError> {
        let rows = self
            .backend
            .pool()
            .rows(&Sql::with(
                "SELECT id, profile_id, group_id, created_at FROM deployment_profile_assignments \
                 WHERE tenant = $1 ORDER BY created_at, id",
                vec![tenant.as_str().into()],
            ))
            .await?;
        rows.iter()
            .map(|row| {
                Ok(ProfileAssignment {
                    id: parse_id(&row.text(0)?)?,
                    profile_id: parse_id(&row.text(1)?)?,
                    group_id: row.opt_text(2)?,
                    created_at: from_micros(row.int(3)?),
                })
            })
            .collect()
    }

    async fn add_assignment(
        &self,
        tenant: &TenantId,
        a: &ProfileAssignment,
    ) -> Result<bool, StoreError> {
        let mut tx = self.backend.write().await?;
        let profile = tx
            .row(&Sql::with(
                "SELECT 1 FROM deployment_profiles WHERE tenant = $1 AND id = $2",
                vec![tenant.as_str().into(), id_text(a.profile_id).into()],
            ))
            .await?;
        if profile.is_none() {
            return Ok(false);
        }
        tx.exec(&Sql::with(
            "INSERT INTO deployment_profile_assignments \
             (tenant, id, profile_id, group_id, created_at) VALUES ($1, $2, $3, $4, $5)",
            vec![
                tenant.as_str().into(),
                id_text(a.id).into(),
                id_text(a.profile_id).into(),
                a.group_id.clone().into(),
                to_micros(a.created_at).into(),
            ],
        ))
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn delete_assignment(
        &self,
        tenant: &TenantId,
        profile_id: Uuid,
        id: Uuid,
    ) -> Result<bool, StoreError> {
        let mut tx = self.backend.write().await?;
        let done = tx
            .exec(&Sql::with(
                "DELETE FROM deployment_profile_assignments \
                 WHERE tenant = $1 AND profile_id = $2 AND id = $3",
                vec![
                    tenant.as_str().into(),
                    id_text(profile_id).into(),
                    id_text(id).into(),
                ],
            ))
            .await?;
        tx.commit().await?;
        Ok(done > 0)
    }
}
