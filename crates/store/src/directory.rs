//! Entra ID device objects ([`DirectoryStore`]): reads and deletes, and what the registration
//! round and the device actions call to keep them in step with the Autopilot devices (creation
//! in the round's transaction, the name and physical ids after `updateDeviceProperties`,
//! removal with the Autopilot device).

use async_trait::async_trait;
use autopilot_domain::directory::{self, AutopilotStamp};
use autopilot_domain::{
    DirectoryDevice, DirectoryKey, DirectoryStore, Page, PageRequest, StoreError, TenantId,
};
use autopilot_odata::entity;
use uuid::Uuid;

use crate::lower::{Collection, Table};
use crate::sql::{Dialect, Exec, Record, Sql};
use crate::sql_store::{Backend, INSERT_CHUNK, SqlStore, Tx as _, id_text, parse_id, tenant_scope};
use crate::time_codec::{from_micros, to_micros};

/// Device objects as queries see them: `directory_devices e`.
pub(crate) const DIRECTORY_DEVICES: Table = Table {
    entity: &entity::DIRECTORY_DEVICE,
    alias: "e",
    id: "e.id",
    tenant: "e.tenant",
    expressions: &[],
    substring_indexes: &[],
    collections: &[Collection {
        property: "physicalIds",
        table: "directory_device_ids",
        owner: "device",
    }],
};

pub(crate) const SELECT: &str = "SELECT e.id, e.device_id, e.display_name, e.account_enabled, \
     e.operating_system, e.operating_system_version, e.trust_type, e.profile_type, \
     e.device_ownership, e.enrollment_profile_name, e.manufacturer, e.model, e.autopilot_id, \
     e.created_at";
pub(crate) const SELECT_COLUMNS: usize = 14;
const FROM: &str = " FROM directory_devices e WHERE e.tenant = ";

/// A row of [`SELECT`], without its physical ids (read apart, see [`with_physical_ids`]).
pub(crate) fn from_row(row: &Record) -> Result<DirectoryDevice, StoreError> {
    debug_assert_eq!(SELECT.matches(", ").count() + 1, SELECT_COLUMNS);
    Ok(DirectoryDevice {
        id: parse_id(&row.text(0)?)?,
        device_id: row.text(1)?,
        display_name: row.text(2)?,
        account_enabled: row.int(3)? != 0,
        operating_system: row.text(4)?,
        operating_system_version: row.opt_text(5)?,
        trust_type: row.opt_text(6)?,
        profile_type: row.text(7)?,
        device_ownership: row.opt_text(8)?,
        enrollment_profile_name: row.opt_text(9)?,
        manufacturer: row.opt_text(10)?,
        model: row.opt_text(11)?,
        autopilot_id: row.opt_text(12)?.as_deref().map(parse_id).transpose()?,
        created_at: from_micros(row.int(13)?),
        physical_ids: Vec::new(),
    })
}

/// Fills in the physical ids of a page of devices, in one statement.
pub(crate) async fn with_physical_ids(
    db: &mut impl Exec,
    tenant: &TenantId,
    devices: &mut [DirectoryDevice],
) -> Result<(), StoreError> {
    crate::sql_store::fill_collection(db, "directory_device_ids", "device", tenant, devices, |d| {
        (d.id, &mut d.physical_ids)
    })
    .await
}

/// Writes device objects and their physical ids (the registration round's part).
pub(crate) async fn insert(
    tx: &mut impl Exec,
    tenant: &str,
    devices: &[DirectoryDevice],
) -> Result<(), StoreError> {
    for chunk in devices.chunks(INSERT_CHUNK) {
        let mut insert = Sql::new(
            "INSERT INTO directory_devices (tenant, id, device_id, display_name, \
             account_enabled, operating_system, operating_system_version, trust_type, \
             profile_type, device_ownership, enrollment_profile_name, manufacturer, model, \
             autopilot_id, created_at) ",
        );
        insert.values(chunk, |row, d| {
            row.bind(tenant)
                .bind(id_text(d.id))
                .bind(d.device_id.as_str())
                .bind(d.display_name.as_str())
                .bind(i64::from(d.account_enabled))
                .bind(d.operating_system.as_str())
                .bind(d.operating_system_version.clone())
                .bind(d.trust_type.clone())
                .bind(d.profile_type.as_str())
                .bind(d.device_ownership.clone())
                .bind(d.enrollment_profile_name.clone())
                .bind(d.manufacturer.clone())
                .bind(d.model.clone())
                .bind(d.autopilot_id.map(id_text))
                .bind(to_micros(d.created_at));
        });
        tx.exec(&insert).await?;
        let ids: Vec<(Uuid, usize, &str)> = chunk
            .iter()
            .flat_map(|d| {
                let ids = d.physical_ids.iter().enumerate();
                ids.map(|(i, v)| (d.id, i, v.as_str()))
            })
            .collect();
        insert_ids(tx, tenant, &ids).await?;
    }
    Ok(())
}

/// Writes physical ids: `(device, position, value)`.
async fn insert_ids(
    tx: &mut impl Exec,
    tenant: &str,
    ids: &[(Uuid, usize, &str)],
) -> Result<(), StoreError> {
    for chunk in ids.chunks(INSERT_CHUNK * 2) {
        let mut insert =
            Sql::new("INSERT INTO directory_device_ids (tenant, device, position, value) ");
        insert.values(chunk, |row, (device, position, value)| {
            row.bind(tenant)
                .bind(id_text(*device))
                .bind(i64::try_from(*position).unwrap_or(i64::MAX))
                .bind(*value);
        });
        tx.exec(&insert).await?;
    }
    Ok(())
}

/// Removes the device object an Autopilot device made (with the Autopilot device).
pub(crate) async fn delete_for_autopilot(
    tx: &mut impl Exec,
    tenant: &TenantId,
    autopilot_id: &str,
) -> Result<(), StoreError> {
    let args = || vec![tenant.as_str().into(), autopilot_id.into()];
    for table in [
        ("directory_device_ids", "device"),
        ("group_members", "member_id"),
    ] {
        tx.exec(&Sql::with(
            &format!(
                "DELETE FROM {} WHERE tenant = $1 AND {} IN \
                 (SELECT id FROM directory_devices WHERE tenant = $1 AND autopilot_id = $2)",
                table.0, table.1
            ),
            args(),
        ))
        .await?;
    }
    tx.exec(&Sql::with(
        "DELETE FROM directory_devices WHERE tenant = $1 AND autopilot_id = $2",
        args(),
    ))
    .await?;
    Ok(())
}

/// Brings the device object of an Autopilot device in step with it after a change of its group
/// tag, purchase order or display name: the name and the physical ids are derived again.
pub(crate) async fn follow_autopilot(
    tx: &mut impl Exec,
    tenant: &TenantId,
    autopilot_id: &str,
) -> Result<(), StoreError> {
    let found = tx
        .row(&Sql::with(
            "SELECT e.id, a.serial_number, a.group_tag, a.purchase_order_identifier, \
             a.hardware_key, a.display_name \
             FROM directory_devices e JOIN autopilot_devices a \
             ON a.tenant = e.tenant AND a.id = e.autopilot_id \
             WHERE e.tenant = $1 AND e.autopilot_id = $2",
            vec![tenant.as_str().into(), autopilot_id.into()],
        ))
        .await?;
    let Some(row) = found else {
        return Ok(());
    };
    let object_id = row.text(0)?;
    let (serial, tag, po, key, name) = (
        row.text(1)?,
        row.text(2)?,
        row.text(3)?,
        row.text(4)?,
        row.text(5)?,
    );
    let stamp = AutopilotStamp {
        ztdid: parse_id(autopilot_id)?,
        serial_number: &serial,
        group_tag: &tag,
        purchase_order: &po,
        hardware_key: &key,
        display_name: &name,
    };
    tx.exec(&Sql::with(
        "UPDATE directory_devices SET display_name = $3 WHERE tenant = $1 AND id = $2",
        vec![
            tenant.as_str().into(),
            object_id.as_str().into(),
            directory::display_name(&stamp).into(),
        ],
    ))
    .await?;
    tx.exec(&Sql::with(
        "DELETE FROM directory_device_ids WHERE tenant = $1 AND device = $2",
        vec![tenant.as_str().into(), object_id.as_str().into()],
    ))
    .await?;
    let device = parse_id(&object_id)?;
    let values = directory::physical_ids(&stamp);
    let ids: Vec<_> = values
        .iter()
        .enumerate()
        .map(|(i, v)| (device, i, v.as_str()))
        .collect();
    insert_ids(tx, tenant.as_str(), &ids).await
}

#[async_trait]
impl<B: Backend> DirectoryStore for SqlStore<B> {
    async fn list_directory_devices(
        &self,
        tenant: &TenantId,
        page: PageRequest,
    ) -> Result<Page<DirectoryDevice>, StoreError> {
        let mut db = self.backend.pool();
        let mut page = crate::listing::page(
            &mut db,
            B::DIALECT,
            SELECT,
            SELECT_COLUMNS,
            &DIRECTORY_DEVICES,
            &tenant_scope(FROM, tenant),
            &page,
            crate::sql_store::with_id(from_row, |d| d.id),
        )
        .await?;
        with_physical_ids(&mut db, tenant, &mut page.items).await?;
        Ok(page)
    }

    async fn count_directory_devices(
        &self,
        tenant: &TenantId,
        filter: Option<&autopilot_odata::Expr>,
    ) -> Result<u64, StoreError> {
        crate::listing::count(
            &mut self.backend.pool(),
            B::DIALECT,
            &DIRECTORY_DEVICES,
            &tenant_scope(FROM, tenant),
            filter,
        )
        .await
    }

    async fn get_directory_device(
        &self,
        tenant: &TenantId,
        key: &DirectoryKey,
    ) -> Result<Option<DirectoryDevice>, StoreError> {
        let (condition, value) = match (key, B::DIALECT) {
            (DirectoryKey::Id(id), _) => ("e.id = $2", id_text(*id)),
            (DirectoryKey::DeviceId(d), Dialect::Sqlite) => {
                ("e.device_id = $2 COLLATE NOCASE", d.clone())
            }
            (DirectoryKey::DeviceId(d), Dialect::Postgres) => {
                ("lower(e.device_id) = lower($2)", d.clone())
            }
        };
        let mut db = self.backend.pool();
        let row = db
            .row(&Sql::with(
                &format!("{SELECT} FROM directory_devices e WHERE e.tenant = $1 AND {condition}"),
                vec![tenant.as_str().into(), value.into()],
            ))
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut devices = [from_row(&row)?];
        with_physical_ids(&mut db, tenant, &mut devices).await?;
        let [device] = devices;
        Ok(Some(device))
    }

    async fn delete_directory_device(
        &self,
        tenant: &TenantId,
        id: Uuid,
    ) -> Result<bool, StoreError> {
        let mut tx = self.backend.write().await?;
        let args = || vec![tenant.as_str().into(), id_text(id).into()];
        tx.exec(&Sql::with(
            "DELETE FROM directory_device_ids WHERE tenant = $1 AND device = $2",
            args(),
        ))
        .await?;
        crate::groups::forget_member(&mut tx, tenant, &id_text(id)).await?;
        let deleted = tx
            .exec(&Sql::with(
                "DELETE FROM directory_devices WHERE tenant = $1 AND id = $2",
                args(),
            ))
            .await?;
        tx.commit().await?;
        Ok(deleted > 0)
    }
}
