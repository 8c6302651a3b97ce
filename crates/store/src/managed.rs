//! Intune managed devices ([`ManagedDeviceStore`]): written by enrollment, read with OData,
//! deleted, and wiped (the request is kept on the device).

use async_trait::async_trait;
use autopilot_domain::managed::{ManagedDevice, Wipe};
use autopilot_domain::{ManagedDeviceStore, Page, PageRequest, StoreError, TenantId};
use autopilot_odata::entity;
use uuid::Uuid;

use crate::listing::TenantList;
use crate::lower::Table;
use crate::sql::{Exec, Record, Sql};
use crate::sql_store::{Backend, SqlStore, Tx as _, id_text, parse_id, with_id};
use crate::time_codec::{from_micros, to_micros};

/// Managed devices as queries see them: `managed_devices m`.
pub(crate) const MANAGED: Table = Table {
    entity: &entity::MANAGED_DEVICE,
    alias: "m",
    id: "m.id",
    tenant: "m.tenant",
    expressions: &[],
    substring_indexes: &[],
    collections: &[],
};

const SELECT: &str = "SELECT m.id, m.device_name, m.serial_number, m.manufacturer, m.model, \
     m.operating_system, m.os_version, m.azure_ad_device_id, m.user_principal_name, \
     m.user_display_name, m.enrollment_profile_name, m.enrolled_at, m.last_sync_at, \
     m.autopilot_id, m.wipe_keep_enrollment, m.wipe_keep_user, m.wipe_requested_at";
const SELECT_COLUMNS: usize = 17;
const FROM: &str = " FROM managed_devices m WHERE m.tenant = ";
const LIST: TenantList = TenantList {
    select: SELECT,
    columns: SELECT_COLUMNS,
    table: &MANAGED,
    from: FROM,
};

fn from_row(row: &Record) -> Result<ManagedDevice, StoreError> {
    debug_assert_eq!(SELECT.matches(", ").count() + 1, SELECT_COLUMNS);
    let wipe = match (row.opt_int(14)?, row.opt_int(15)?, row.opt_int(16)?) {
        (Some(enrollment), Some(user), Some(at)) => Some(Wipe {
            keep_enrollment_data: enrollment != 0,
            keep_user_data: user != 0,
            requested_at: from_micros(at),
        }),
        _ => None,
    };
    Ok(ManagedDevice {
        id: parse_id(&row.text(0)?)?,
        device_name: row.text(1)?,
        serial_number: row.text(2)?,
        manufacturer: row.text(3)?,
        model: row.text(4)?,
        operating_system: row.text(5)?,
        os_version: row.text(6)?,
        azure_ad_device_id: row.text(7)?,
        user_principal_name: row.text(8)?,
        user_display_name: row.text(9)?,
        enrollment_profile_name: row.text(10)?,
        enrolled_at: from_micros(row.int(11)?),
        last_sync_at: from_micros(row.int(12)?),
        autopilot_id: row.opt_text(13)?.as_deref().map(parse_id).transpose()?,
        wipe,
    })
}

#[async_trait]
impl<B: Backend> ManagedDeviceStore for SqlStore<B> {
    async fn put_managed_device(
        &self,
        tenant: &TenantId,
        d: &ManagedDevice,
    ) -> Result<(), StoreError> {
        let wipe = d.wipe.as_ref();
        let mut tx = self.backend.write().await?;
        tx.exec(&Sql::with(
            "DELETE FROM managed_devices WHERE tenant = $1 AND id = $2",
            vec![tenant.as_str().into(), id_text(d.id).into()],
        ))
        .await?;
        tx.exec(&Sql::with(
            "INSERT INTO managed_devices (tenant, id, device_name, serial_number, manufacturer, \
             model, operating_system, os_version, azure_ad_device_id, user_principal_name, \
             user_display_name, enrollment_profile_name, enrolled_at, last_sync_at, autopilot_id, \
             wipe_keep_enrollment, wipe_keep_user, wipe_requested_at) VALUES ($1, $2, $3, $4, \
             $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
            vec![
                tenant.as_str().into(),
                id_text(d.id).into(),
                d.device_name.as_str().into(),
                d.serial_number.as_str().into(),
                d.manufacturer.as_str().into(),
                d.model.as_str().into(),
                d.operating_system.as_str().into(),
                d.os_version.as_str().into(),
                d.azure_ad_device_id.as_str().into(),
                d.user_principal_name.as_str().into(),
                d.user_display_name.as_str().into(),
                d.enrollment_profile_name.as_str().into(),
                to_micros(d.enrolled_at).into(),
                to_micros(d.last_sync_at).into(),
                d.autopilot_id.map(id_text).into(),
                wipe.map(|w| i64::from(w.keep_enrollment_data)).into(),
                wipe.map(|w| i64::from(w.keep_user_data)).into(),
                wipe.map(|w| to_micros(w.requested_at)).into(),
            ],
        ))
        .await?;
        tx.commit().await
    }

    async fn get_managed_device(
        &self,
        tenant: &TenantId,
        id: Uuid,
    ) -> Result<Option<ManagedDevice>, StoreError> {
        self.backend
            .pool()
            .row(&Sql::with(
                &format!("{SELECT}{FROM}$1 AND m.id = $2"),
                vec![tenant.as_str().into(), id_text(id).into()],
            ))
            .await?
            .as_ref()
            .map(from_row)
            .transpose()
    }

    async fn list_managed_devices(
        &self,
        tenant: &TenantId,
        page: PageRequest,
    ) -> Result<Page<ManagedDevice>, StoreError> {
        LIST.page(&self.backend, tenant, &page, with_id(from_row, |x| x.id))
            .await
    }

    async fn count_managed_devices(
        &self,
        tenant: &TenantId,
        filter: Option<&autopilot_odata::Expr>,
    ) -> Result<u64, StoreError> {
        LIST.count(&self.backend, tenant, filter).await
    }

    async fn delete_managed_device(&self, tenant: &TenantId, id: Uuid) -> Result<bool, StoreError> {
        let mut tx = self.backend.write().await?;
        let done = tx
            .exec(&Sql::with(
                "DELETE FROM managed_devices WHERE tenant = $1 AND id = $2",
                vec![tenant.as_str().into(), id_text(id).into()],
            ))
            .await?;
        tx.commit().await?;
        Ok(done > 0)
    }

    async fn wipe_managed_device(
        &self,
        tenant: &TenantId,
        id: Uuid,
        wipe: &Wipe,
    ) -> Result<bool, StoreError> {
        let mut update = Sql::new("UPDATE managed_devices SET wipe_keep_enrollment = ");
        update.bind(i64::from(wipe.keep_enrollment_data));
        update
            .push(", wipe_keep_user = ")
            .bind(i64::from(wipe.keep_user_data));
        update
            .push(", wipe_requested_at = ")
            .bind(to_micros(wipe.requested_at));
        crate::sql_store::update_one(&self.backend, update, tenant, id).await
    }
}
