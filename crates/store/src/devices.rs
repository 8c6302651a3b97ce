//! Registered devices ([`DeviceStore`]): reads, deregistration (which frees the hardware for a
//! later import and removes the Entra device object) and the changes of their actions.

use async_trait::async_trait;
use autopilot_domain::{
    AutopilotDevice, DeletedDevice, DevicePatch, DeviceStore, EnrollmentState, LoadOutcome, Page,
    PageRequest, StoreError, TenantId, UserlessEnrollmentStatus,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::lower::Table;
use crate::sql::{Dialect, Exec, Record, Sql};
use crate::sql_store::{Backend, SqlStore, Tx as _, id_text, parse_id, tenant_scope, with_id};
use crate::time_codec::from_micros;
use autopilot_odata::entity;

/// Registered devices as queries see them: `autopilot_devices a`.
pub(crate) const DEVICES: Table = Table {
    entity: &entity::AUTOPILOT_DEVICE,
    alias: "a",
    id: "a.id",
    tenant: "a.tenant",
    // Never contacted sorts first, as 0001-01-01 would.
    expressions: &[(
        "lastContactedDateTime",
        "coalesce(a.last_contacted_at, -62135596800000000)",
    )],
    substring_indexes: &[(
        "serialNumber",
        ("autopilot_devices_serials", "serial_number"),
    )],
    collections: &[],
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
    crate::directory::delete_for_autopilot(tx, tenant, id).await?;
    Ok(true)
}

#[async_trait]
impl<B: Backend> DeviceStore for SqlStore<B> {
    async fn load_devices(
        &self,
        tenant: &TenantId,
        devices: &[AutopilotDevice],
        now: OffsetDateTime,
    ) -> Result<Vec<LoadOutcome>, StoreError> {
        let mut tx = self.backend.write().await?;
        let outcomes = crate::load::load_devices(&mut tx, tenant, devices, now).await?;
        tx.commit().await?;
        Ok(outcomes)
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
        if filter.is_none() {
            // Kept by the triggers of `device_counts` (its migration).
            let sql = Sql::with(
                "SELECT CAST(coalesce(sum(n), 0) AS BIGINT) FROM device_counts WHERE tenant = $1",
                vec![tenant.as_str().into()],
            );
            let n = match self.backend.pool().row(&sql).await? {
                Some(row) => row.int(0)?,
                None => 0,
            };
            return Ok(u64::try_from(n).unwrap_or(0));
        }
        crate::listing::count(
            &mut self.backend.pool(),
            B::DIALECT,
            &DEVICES,
            &tenant_scope(" FROM autopilot_devices a WHERE a.tenant = ", tenant),
            filter,
        )
        .await
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
        now: OffsetDateTime,
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
        // The Entra object's name and physical ids follow the tag and the name.
        if done > 0 && (patch.group_tag.is_some() || patch.display_name.is_some()) {
            crate::directory::follow_autopilot(&mut tx, tenant, &id_text(id)).await?;
            // Dynamic groups look again at the renamed, re-tagged object.
            crate::groups::touch_dynamic(&mut tx, tenant.as_str(), now).await?;
        }
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
}
