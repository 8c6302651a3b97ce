//! Registered devices brought from another tenant's export (`autopilot-graph tenant load`):
//! written with their hardware in the registry and their Entra device object, all in one
//! transaction, skipping what is there already.

use autopilot_domain::directory::{self, AutopilotStamp};
use autopilot_domain::{AutopilotDevice, LoadOutcome, StoreError, TenantId};
use time::OffsetDateTime;

use crate::sql::{Exec, Sql};
use crate::sql_store::id_text;
use crate::time_codec::to_micros;

pub(crate) async fn load_devices(
    tx: &mut impl Exec,
    tenant: &TenantId,
    devices: &[AutopilotDevice],
    now: OffsetDateTime,
) -> Result<Vec<LoadOutcome>, StoreError> {
    let mut outcomes = Vec::with_capacity(devices.len());
    let mut loaded = Vec::new();
    let mut entra_ids: Vec<String> = Vec::new();
    for d in devices {
        let id_taken = tx
            .row(&Sql::with(
                "SELECT 1 FROM autopilot_devices WHERE tenant = $1 AND id = $2",
                vec![tenant.as_str().into(), id_text(d.id).into()],
            ))
            .await?
            .is_some();
        if id_taken {
            outcomes.push(LoadOutcome::IdTaken);
            continue;
        }
        let hardware_taken = tx
            .row(&Sql::with(
                "SELECT 1 FROM registered_hardware WHERE hardware_key = $1",
                vec![d.hardware_key.as_str().into()],
            ))
            .await?
            .is_some();
        if hardware_taken {
            outcomes.push(LoadOutcome::HardwareTaken);
            continue;
        }
        // An Entra device id the tenant has already (or that the export repeats) is replaced:
        // it names one object only.
        let mut entra_id = d.azure_ad_device_id.clone();
        let entra_taken = entra_ids.contains(&entra_id)
            || tx
                .row(&Sql::with(
                    "SELECT 1 FROM directory_devices WHERE tenant = $1 AND device_id = $2",
                    vec![tenant.as_str().into(), entra_id.as_str().into()],
                ))
                .await?
                .is_some();
        if entra_taken {
            entra_id = uuid::Uuid::new_v4().hyphenated().to_string();
        }
        entra_ids.push(entra_id.clone());
        tx.exec(&Sql::with(
            "INSERT INTO autopilot_devices (tenant, id, hardware_key, import_id, serial_number, \
             manufacturer, model, sku_number, system_family, product_key, group_tag, \
             purchase_order_identifier, user_principal_name, addressable_user_name, \
             display_name, resource_name, azure_ad_device_id, managed_device_id, \
             enrollment_state, last_contacted_at, device_account_upn, device_friendly_name, \
             userless_enrollment_status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, \
             $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)",
            vec![
                tenant.as_str().into(),
                id_text(d.id).into(),
                d.hardware_key.as_str().into(),
                d.import_id.as_str().into(),
                d.serial_number.as_str().into(),
                d.manufacturer.as_str().into(),
                d.model.as_str().into(),
                d.sku_number.as_str().into(),
                d.system_family.as_str().into(),
                d.product_key.as_str().into(),
                d.group_tag.as_str().into(),
                d.purchase_order_identifier.as_str().into(),
                d.user_principal_name.as_str().into(),
                d.addressable_user_name.as_str().into(),
                d.display_name.as_str().into(),
                d.resource_name.as_str().into(),
                entra_id.as_str().into(),
                d.managed_device_id.as_str().into(),
                i64::from(d.enrollment_state.code()).into(),
                d.last_contacted.map(to_micros).into(),
                d.device_account_upn.as_str().into(),
                d.device_friendly_name.as_str().into(),
                d.userless_enrollment_status.code().into(),
                to_micros(d.created_at).into(),
            ],
        ))
        .await?;
        tx.exec(&Sql::with(
            "INSERT INTO registered_hardware (hardware_key, tenant, device_id, import_id) \
             VALUES ($1, $2, $3, $4)",
            vec![
                d.hardware_key.as_str().into(),
                tenant.as_str().into(),
                id_text(d.id).into(),
                d.import_id.as_str().into(),
            ],
        ))
        .await?;
        let stamp = AutopilotStamp {
            ztdid: d.id,
            serial_number: &d.serial_number,
            group_tag: &d.group_tag,
            purchase_order: &d.purchase_order_identifier,
            hardware_key: &d.hardware_key,
            display_name: &d.display_name,
        };
        loaded.push(directory::for_registration(
            &stamp,
            &entra_id,
            &d.manufacturer,
            &d.model,
            now,
        ));
        outcomes.push(LoadOutcome::Loaded);
    }
    if !loaded.is_empty() {
        crate::directory::insert(tx, tenant.as_str(), &loaded).await?;
        crate::groups::touch_dynamic(tx, tenant.as_str(), now).await?;
    }
    Ok(outcomes)
}
