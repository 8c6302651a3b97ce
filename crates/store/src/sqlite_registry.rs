//! The registration service's storage on SQLite: processing due records in one transaction,
//! and the registered devices.

use std::collections::HashMap;

use autopilot_domain::registration::{self, Decision, Existing};
use autopilot_domain::sync::{SyncDecision, SyncTimes};
use autopilot_domain::{
    AutopilotDevice, DeletedDevice, DevicePatch, EnrollmentState, NO_MANAGED_DEVICE, Page,
    PageRequest, ProcessReport, StoreError, TenantId, UserlessEnrollmentStatus,
};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::lower::{Column, Kind, Table};
use crate::sqlite::{SqliteStore, backend, id_text, parse_id};
use crate::time_codec::{from_micros, to_micros};
use autopilot_odata::entity;

/// Rows per multi-row statement.
const CHUNK: usize = 100;

/// A registry entry: which tenant holds the hardware, and from which import.
#[derive(Debug, Clone)]
struct Holder {
    tenant: String,
    import_id: String,
}

/// The outcome for one record.
struct Outcome {
    tenant: String,
    id: String,
    status: i64,
    registration_id: String,
    error_code: i64,
    error_name: &'static str,
}

pub(crate) async fn process_due(
    store: &SqliteStore,
    now: OffsetDateTime,
    limit: u32,
) -> Result<ProcessReport, StoreError> {
    let mut tx = store.write().await?;
    let rows = sqlx::query(
        "SELECT d.tenant, d.id, d.import_id, d.serial_number, d.group_tag, d.product_key, \
                d.assigned_user, h.hash \
         FROM imported_devices d \
         JOIN imported_hashes h ON h.tenant = d.tenant AND h.id = d.id \
         WHERE d.status = 0 AND d.due_at <= ?1 \
         ORDER BY d.due_at, d.id LIMIT ?2",
    )
    .bind(to_micros(now))
    .bind(i64::from(limit))
    .fetch_all(&mut *tx)
    .await
    .map_err(backend)?;
    if rows.is_empty() {
        return Ok(ProcessReport::default());
    }

    // Rule 1 for every record, without touching the database.
    struct Record {
        tenant: String,
        id: String,
        import_id: String,
        group_tag: String,
        product_key: String,
        assigned_user: String,
        facts: Result<registration::DeviceFacts, registration::Failure>,
    }
    let mut records = Vec::with_capacity(rows.len());
    for row in &rows {
        let hash: &[u8] = row.try_get(7).map_err(backend)?;
        let serial: &str = row.try_get(3).map_err(backend)?;
        records.push(Record {
            tenant: row.try_get(0).map_err(backend)?,
            id: row.try_get(1).map_err(backend)?,
            import_id: row.try_get(2).map_err(backend)?,
            group_tag: row.try_get(4).map_err(backend)?,
            product_key: row.try_get(5).map_err(backend)?,
            assigned_user: row.try_get(6).map_err(backend)?,
            facts: registration::evaluate(hash, serial),
        });
    }

    // Who holds the hardware already.
    let keys: Vec<&str> = records
        .iter()
        .filter_map(|r| r.facts.as_ref().ok().map(|f| f.hardware_key.as_str()))
        .collect();
    let mut holders: HashMap<String, Holder> = HashMap::new();
    for chunk in keys.chunks(CHUNK * 5) {
        let mut query = QueryBuilder::<Sqlite>::new(
            "SELECT hardware_key, tenant, import_id FROM registered_hardware WHERE hardware_key IN (",
        );
        let mut list = query.separated(", ");
        for key in chunk {
            list.push_bind(*key);
        }
        query.push(")");
        for row in query.build().fetch_all(&mut *tx).await.map_err(backend)? {
            holders.insert(
                row.try_get(0).map_err(backend)?,
                Holder {
                    tenant: row.try_get(1).map_err(backend)?,
                    import_id: row.try_get(2).map_err(backend)?,
                },
            );
        }
    }

    // Rules 2 to 5, in due order; a registration made in this round counts for later records.
    let created = to_micros(now);
    let mut outcomes = Vec::with_capacity(records.len());
    let mut devices: Vec<(Record, registration::DeviceFacts, String)> = Vec::new();
    for record in records {
        let decision = match &record.facts {
            Err(failure) => Decision::Fail(*failure),
            Ok(facts) => {
                let existing = holders.get(&facts.hardware_key).map(|h| Existing {
                    same_tenant: h.tenant == record.tenant,
                    same_import: h.tenant == record.tenant && h.import_id == record.import_id,
                });
                registration::decide(facts.clone(), existing.as_ref(), false)
            }
        };
        match decision {
            Decision::Fail(failure) => outcomes.push(Outcome {
                tenant: record.tenant.clone(),
                id: record.id.clone(),
                status: 4,
                registration_id: String::new(),
                error_code: i64::from(failure.code),
                error_name: failure.name,
            }),
            Decision::Register(facts) => {
                let device_id = id_text(Uuid::now_v7());
                holders.insert(
                    facts.hardware_key.clone(),
                    Holder {
                        tenant: record.tenant.clone(),
                        import_id: record.import_id.clone(),
                    },
                );
                outcomes.push(Outcome {
                    tenant: record.tenant.clone(),
                    id: record.id.clone(),
                    status: 3,
                    registration_id: device_id.clone(),
                    error_code: 0,
                    error_name: "None",
                });
                devices.push((record, facts, device_id));
            }
        }
    }

    for chunk in devices.chunks(CHUNK) {
        let mut insert = QueryBuilder::<Sqlite>::new(
            "INSERT INTO autopilot_devices (tenant, id, hardware_key, import_id, serial_number, \
             manufacturer, model, sku_number, system_family, product_key, group_tag, \
             user_principal_name, azure_ad_device_id, managed_device_id, enrollment_state, \
             created_at) ",
        );
        insert.push_values(chunk, |mut row, (record, facts, device_id)| {
            row.push_bind(record.tenant.as_str())
                .push_bind(device_id.as_str())
                .push_bind(facts.hardware_key.as_str())
                .push_bind(record.import_id.as_str())
                .push_bind(facts.serial_number.as_str())
                .push_bind(facts.manufacturer.as_str())
                .push_bind(facts.model.as_str())
                .push_bind(facts.sku_number.as_str())
                .push_bind(facts.system_family.as_str())
                .push_bind(record.product_key.as_str())
                .push_bind(record.group_tag.as_str())
                .push_bind(record.assigned_user.as_str())
                .push_bind(Uuid::new_v4().hyphenated().to_string())
                .push_bind(NO_MANAGED_DEVICE)
                .push_bind(i64::from(EnrollmentState::NotContacted.code()))
                .push_bind(created);
        });
        insert.build().execute(&mut *tx).await.map_err(backend)?;
        let mut registry = QueryBuilder::<Sqlite>::new(
            "INSERT INTO registered_hardware (hardware_key, tenant, device_id, import_id) ",
        );
        registry.push_values(chunk, |mut row, (record, facts, device_id)| {
            row.push_bind(facts.hardware_key.as_str())
                .push_bind(record.tenant.as_str())
                .push_bind(device_id.as_str())
                .push_bind(record.import_id.as_str());
        });
        registry.build().execute(&mut *tx).await.map_err(backend)?;
    }

    for chunk in outcomes.chunks(CHUNK) {
        // One UPDATE per chunk, joined to the outcomes as a VALUES table; `status = 0` keeps a
        // record that something else decided meanwhile as it is.
        let mut update = QueryBuilder::<Sqlite>::new(
            "WITH v(tenant, id, status, registration_id, error_code, error_name) AS (",
        );
        update.push_values(chunk, |mut row, o| {
            row.push_bind(o.tenant.as_str())
                .push_bind(o.id.as_str())
                .push_bind(o.status)
                .push_bind(o.registration_id.as_str())
                .push_bind(o.error_code)
                .push_bind(o.error_name);
        });
        update.push(
            ") UPDATE imported_devices SET status = v.status, \
             registration_id = v.registration_id, error_code = v.error_code, \
             error_name = v.error_name FROM v \
             WHERE imported_devices.tenant = v.tenant AND imported_devices.id = v.id \
             AND imported_devices.status = 0",
        );
        update.build().execute(&mut *tx).await.map_err(backend)?;
    }
    tx.commit().await.map_err(backend)?;
    Ok(ProcessReport {
        processed: outcomes.len(),
        completed: devices.len(),
    })
}

pub(crate) async fn next_due(store: &SqliteStore) -> Result<Option<OffsetDateTime>, StoreError> {
    let due: Option<i64> =
        sqlx::query_scalar("SELECT min(due_at) FROM imported_devices WHERE status = 0")
            .fetch_one(&store.pool)
            .await
            .map_err(backend)?;
    Ok(due.map(from_micros))
}

macro_rules! device_select {
    ($tail:literal) => {
        concat!(
            "SELECT id, hardware_key, import_id, serial_number, manufacturer, model, sku_number, \
             system_family, product_key, group_tag, purchase_order_identifier, \
             user_principal_name, addressable_user_name, display_name, resource_name, \
             azure_ad_device_id, managed_device_id, enrollment_state, last_contacted_at, \
             device_account_upn, device_account_password, device_friendly_name, created_at, \
             userless_enrollment_status FROM autopilot_devices ",
            $tail
        )
    };
}

fn device_from_row(row: &SqliteRow) -> Result<AutopilotDevice, StoreError> {
    debug_assert_eq!(
        SELECT_DEVICE.matches(", ").count() + 1,
        SELECT_DEVICE_COLUMNS
    );
    let text = |i: usize| -> Result<String, StoreError> { row.try_get(i).map_err(backend) };
    let id = text(0)?;
    let state: i64 = row.try_get(17).map_err(backend)?;
    let contacted: Option<i64> = row.try_get(18).map_err(backend)?;
    Ok(AutopilotDevice {
        id: parse_id(&id)?,
        hardware_key: text(1)?,
        import_id: text(2)?,
        serial_number: text(3)?,
        manufacturer: text(4)?,
        model: text(5)?,
        sku_number: text(6)?,
        system_family: text(7)?,
        product_key: text(8)?,
        group_tag: text(9)?,
        purchase_order_identifier: text(10)?,
        user_principal_name: text(11)?,
        addressable_user_name: text(12)?,
        display_name: text(13)?,
        resource_name: text(14)?,
        azure_ad_device_id: text(15)?,
        managed_device_id: text(16)?,
        enrollment_state: EnrollmentState::from_code(state)
            .ok_or_else(|| StoreError::Backend(format!("bad enrollment state {state} on {id}")))?,
        last_contacted: contacted.map(from_micros),
        device_account_upn: text(19)?,
        device_account_password: text(20)?,
        device_friendly_name: text(21)?,
        created_at: from_micros(row.try_get(22).map_err(backend)?),
        userless_enrollment_status: UserlessEnrollmentStatus::from_code(
            row.try_get(23).map_err(backend)?,
        ),
    })
}

pub(crate) async fn get_device(
    store: &SqliteStore,
    tenant: &TenantId,
    id: Uuid,
) -> Result<Option<AutopilotDevice>, StoreError> {
    let row = sqlx::query(device_select!("WHERE tenant = ?1 AND id = ?2"))
        .bind(tenant.as_str())
        .bind(id_text(id))
        .fetch_optional(&store.pool)
        .await
        .map_err(backend)?;
    row.as_ref().map(device_from_row).transpose()
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

pub(crate) async fn list_devices(
    store: &SqliteStore,
    tenant: &TenantId,
    page: PageRequest,
) -> Result<Page<AutopilotDevice>, StoreError> {
    let tenant = tenant.as_str().to_owned();
    let scope = |qb: &mut QueryBuilder<Sqlite>| {
        qb.push(" FROM autopilot_devices a WHERE a.tenant = ");
        qb.push_bind(tenant.clone());
    };
    crate::listing::page(
        &store.pool,
        SELECT_DEVICE,
        SELECT_DEVICE_COLUMNS,
        &DEVICES,
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

pub(crate) async fn count_devices(
    store: &SqliteStore,
    tenant: &TenantId,
    filter: Option<&autopilot_odata::Expr>,
) -> Result<u64, StoreError> {
    let tenant = tenant.as_str().to_owned();
    let scope = |qb: &mut QueryBuilder<Sqlite>| {
        qb.push(" FROM autopilot_devices a WHERE a.tenant = ");
        qb.push_bind(tenant.clone());
    };
    crate::listing::count(&store.pool, &DEVICES, &scope, filter).await
}

pub(crate) async fn delete_device(
    store: &SqliteStore,
    tenant: &TenantId,
    id: Uuid,
) -> Result<bool, StoreError> {
    let mut tx = store.write().await?;
    let key: Option<String> = sqlx::query_scalar(
        "DELETE FROM autopilot_devices WHERE tenant = ?1 AND id = ?2 RETURNING hardware_key",
    )
    .bind(tenant.as_str())
    .bind(id_text(id))
    .fetch_optional(&mut *tx)
    .await
    .map_err(backend)?;
    let Some(key) = key else {
        return Ok(false);
    };
    sqlx::query(
        "DELETE FROM registered_hardware WHERE hardware_key = ?1 AND tenant = ?2 AND device_id = ?3",
    )
    .bind(&key)
    .bind(tenant.as_str())
    .bind(id_text(id))
    .execute(&mut *tx)
    .await
    .map_err(backend)?;
    tx.commit().await.map_err(backend)?;
    Ok(true)
}

pub(crate) async fn update_device(
    store: &SqliteStore,
    tenant: &TenantId,
    id: Uuid,
    patch: &DevicePatch,
) -> Result<bool, StoreError> {
    let mut qb = QueryBuilder::<Sqlite>::new("UPDATE autopilot_devices SET tenant = tenant");
    let mut set = |column: &str, value: &Option<String>| {
        if let Some(v) = value {
            qb.push(format!(", {column} = "));
            qb.push_bind(v.clone());
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
        qb.push(", userless_enrollment_status = ");
        qb.push_bind(status.code());
    }
    qb.push(" WHERE tenant = ");
    qb.push_bind(tenant.as_str().to_owned());
    qb.push(" AND id = ");
    qb.push_bind(id_text(id));
    let mut tx = store.write().await?;
    let done = qb.build().execute(&mut *tx).await.map_err(backend)?;
    tx.commit().await.map_err(backend)?;
    Ok(done.rows_affected() > 0)
}

pub(crate) async fn delete_devices_by_serial(
    store: &SqliteStore,
    tenant: &TenantId,
    serials: &[String],
) -> Result<Vec<DeletedDevice>, StoreError> {
    let mut tx = store.write().await?;
    let mut out = Vec::with_capacity(serials.len());
    for serial in serials {
        let found: Option<(String, String)> = sqlx::query_as(
            "SELECT id, hardware_key FROM autopilot_devices \
             WHERE tenant = ?1 AND serial_number = ?2 COLLATE NOCASE ORDER BY id LIMIT 1",
        )
        .bind(tenant.as_str())
        .bind(serial)
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend)?;
        match found {
            Some((id, key)) => {
                sqlx::query("DELETE FROM autopilot_devices WHERE tenant = ?1 AND id = ?2")
                    .bind(tenant.as_str())
                    .bind(&id)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                sqlx::query(
                    "DELETE FROM registered_hardware \
                     WHERE hardware_key = ?1 AND tenant = ?2 AND device_id = ?3",
                )
                .bind(&key)
                .bind(tenant.as_str())
                .bind(&id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
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
    tx.commit().await.map_err(backend)?;
    Ok(out)
}

type SettingsRow = (String, Option<i64>, Option<i64>, Option<i64>);

async fn settings_row(
    tx: &mut sqlx::Transaction<'static, Sqlite>,
    tenant: &TenantId,
) -> Result<SettingsRow, StoreError> {
    let row: Option<SettingsRow> = sqlx::query_as(
        "SELECT id, last_trigger_at, completes_at, previous_sync_at \
         FROM autopilot_settings WHERE tenant = ?1",
    )
    .bind(tenant.as_str())
    .fetch_optional(&mut **tx)
    .await
    .map_err(backend)?;
    if let Some(row) = row {
        return Ok(row);
    }
    let id = id_text(Uuid::new_v4());
    sqlx::query("INSERT INTO autopilot_settings (tenant, id) VALUES (?1, ?2)")
        .bind(tenant.as_str())
        .bind(&id)
        .execute(&mut **tx)
        .await
        .map_err(backend)?;
    Ok((id, None, None, None))
}

pub(crate) async fn sync_state(
    store: &SqliteStore,
    tenant: &TenantId,
) -> Result<(Uuid, SyncTimes, Option<OffsetDateTime>), StoreError> {
    let mut tx = store.write().await?;
    let (id, last, end, previous) = settings_row(&mut tx, tenant).await?;
    tx.commit().await.map_err(backend)?;
    Ok((
        parse_id(&id)?,
        SyncTimes {
            last_trigger: last.map(from_micros),
            completes_at: end.map(from_micros),
        },
        previous.map(from_micros),
    ))
}

pub(crate) async fn trigger_sync(
    store: &SqliteStore,
    tenant: &TenantId,
    now: OffsetDateTime,
    interval: time::Duration,
    duration: time::Duration,
) -> Result<SyncDecision, StoreError> {
    let mut tx = store.write().await?;
    let (_, last, end, _) = settings_row(&mut tx, tenant).await?;
    let times = SyncTimes {
        last_trigger: last.map(from_micros),
        completes_at: end.map(from_micros),
    };
    let decision = autopilot_domain::sync::trigger(times, now, interval, duration);
    if let SyncDecision::Start { completes_at } = decision {
        // The run that just ended (if any) becomes the previous sync.
        sqlx::query(
            "UPDATE autopilot_settings SET previous_sync_at = completes_at, \
             last_trigger_at = ?2, completes_at = ?3 WHERE tenant = ?1",
        )
        .bind(tenant.as_str())
        .bind(to_micros(now))
        .bind(to_micros(completes_at))
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
    }
    tx.commit().await.map_err(backend)?;
    Ok(decision)
}
