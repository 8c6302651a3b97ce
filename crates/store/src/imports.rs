//! Imported identities and their uploads ([`ImportStore`]): the records clients import, their
//! hashes, and the uploads whose status follows from their devices.

use async_trait::async_trait;
use autopilot_domain::registration;
use autopilot_domain::{
    ImportBatch, ImportState, ImportStatus, ImportStore, ImportedDevice, Page, PageRequest,
    StoreError, TenantId, Upload, UploadStatus, UploadTarget,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::lower::Table;
use crate::sql::{Arg, Exec, Record, Sql};
use crate::sql_store::{Backend, INSERT_CHUNK, SqlStore, Tx as _, id_text, parse_id, with_id};
use crate::time_codec::{from_micros, to_micros};
use autopilot_odata::entity;

/// The columns [`device_from_row`] reads (the hash comes from its own table, `h`).
const SELECT_IMPORTED: &str = "SELECT d.id, d.import_id, d.upload_id, d.serial_number, \
     d.group_tag, d.product_key, d.assigned_user, d.status, d.registration_id, d.error_code, \
     d.error_name, d.created_at, h.hash";
const SELECT_IMPORTED_COLUMNS: usize = 13;
const FROM_IMPORTED: &str = " FROM imported_devices d \
     JOIN imported_hashes h ON h.tenant = d.tenant AND h.id = d.id ";

/// Imported records as queries see them: `imported_devices d` of [`FROM_IMPORTED`].
pub(crate) const IMPORTED: Table = Table {
    entity: &entity::IMPORTED_DEVICE,
    alias: "d",
    id: "d.id",
    tenant: "d.tenant",
    expressions: &[],
    substring_indexes: &[],
    collections: &[],
};

/// Uploads as queries see them: the derived table `x` of [`uploads_scope`].
pub(crate) const UPLOADS: Table = Table {
    entity: &entity::UPLOAD,
    alias: "x",
    id: "x.id",
    tenant: "x.tenant",
    expressions: &[],
    substring_indexes: &[],
    collections: &[],
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

/// The multi-row statements that insert a batch's devices, built before the write
/// transaction is taken so that the writer holds it only to run them.
fn insert_imported(tenant: &TenantId, batch: &ImportBatch, upload: Option<&str>) -> Vec<Sql> {
    let mut statements = Vec::with_capacity(2 * batch.devices.len().div_ceil(INSERT_CHUNK));
    let created = to_micros(batch.created_at);
    for (chunk, ((ids, devices), due)) in batch
        .ids
        .chunks(INSERT_CHUNK)
        .zip(batch.devices.chunks(INSERT_CHUNK))
        .zip(batch.due_at.chunks(INSERT_CHUNK))
        .enumerate()
    {
        let mut rows = Sql::new(
            "INSERT INTO imported_devices (tenant, id, import_id, upload_id, serial_number, \
             group_tag, product_key, assigned_user, created_at, due_at, position, facts) ",
        );
        let first = chunk * INSERT_CHUNK + 1;
        rows.values(
            ids.iter().zip(devices).zip(due).enumerate(),
            |row, (i, ((id, device), due))| {
                row.bind(tenant.as_str())
                    .bind(id_text(*id))
                    .bind(batch.import_id.as_str())
                    .bind(upload.map(str::to_owned))
                    .bind(device.serial_number.as_str())
                    .bind(device.group_tag.as_str())
                    .bind(device.product_key.as_str())
                    .bind(device.assigned_user_principal_name.as_str())
                    .bind(created)
                    .bind(to_micros(*due))
                    .bind(i64::try_from(first + i).unwrap_or(i64::MAX))
                    .bind(crate::round::facts_text(&registration::evaluate(
                        &device.hardware_identifier,
                        &device.serial_number,
                    )));
            },
        );
        statements.push(rows);
        let mut hashes = Sql::new("INSERT INTO imported_hashes (tenant, id, hash) ");
        hashes.values(ids.iter().zip(devices), |row, (id, device)| {
            row.bind(tenant.as_str())
                .bind(id_text(*id))
                .bind(device.hardware_identifier.as_slice());
        });
        statements.push(hashes);
    }
    statements
}

#[async_trait]
impl<B: Backend> ImportStore for SqlStore<B> {
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
        let upload_text = match batch.upload {
            UploadTarget::None => None,
            UploadTarget::Existing(id) | UploadTarget::New(id) => Some(id_text(id)),
        };
        let statements = insert_imported(tenant, &batch, upload_text.as_deref());
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
        for statement in &statements {
            tx.exec(statement).await?;
        }
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
}
