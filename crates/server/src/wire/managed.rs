//! Intune managed devices on the wire, and the body of `wipe`.

use autopilot_domain::managed::{ManagedDevice, Wipe};
use autopilot_odata::{EntityType, entity};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::shape::{Described, WireValue, described_serialize};
use crate::error::GraphError;

/// A `managedDevice` on the wire, as its description orders it.
#[derive(Debug)]
pub struct ManagedDeviceWire<'a>(pub &'a ManagedDevice);

impl Described for ManagedDeviceWire<'_> {
    const ENTITY: &'static EntityType = &entity::MANAGED_DEVICE;

    fn value(&self, property: &str) -> Option<WireValue<'_>> {
        use WireValue::{Bool, Int, Str, Time};
        let d = self.0;
        Some(match property {
            "id" => WireValue::Id(d.id),
            "deviceName" | "managedDeviceName" => Str(&d.device_name),
            "serialNumber" => Str(&d.serial_number),
            "manufacturer" => Str(&d.manufacturer),
            "model" => Str(&d.model),
            "operatingSystem" => Str(&d.operating_system),
            "osVersion" => Str(&d.os_version),
            "azureADDeviceId" => Str(&d.azure_ad_device_id),
            "userPrincipalName" | "emailAddress" => Str(&d.user_principal_name),
            "userDisplayName" => Str(&d.user_display_name),
            "enrolledDateTime" => Time(Some(d.enrolled_at)),
            "lastSyncDateTime" => Time(Some(d.last_sync_at)),
            "managedDeviceOwnerType" => Str("company"),
            "complianceState" => Str("unknown"),
            "jailBroken" => Str("Unknown"),
            "managementAgent" => Str("mdm"),
            "deviceEnrollmentType" => Str("windowsAzureADJoin"),
            "deviceRegistrationState" => Str("registered"),
            "exchangeAccessState" => Str("none"),
            "exchangeAccessStateReason" => Str("none"),
            "partnerReportedThreatState" => Str("unknown"),
            "deviceCategoryDisplayName" => Str("Unknown"),
            "azureADRegistered" => Bool(true),
            "easActivated" | "isSupervised" | "isEncrypted" => Bool(false),
            "easActivationDateTime"
            | "exchangeLastSuccessfulSyncDateTime"
            | "complianceGracePeriodExpirationDateTime" => Time(None),
            "totalStorageSpaceInBytes" | "freeStorageSpaceInBytes" => Int(0),
            "deviceActionResults" => WireValue::Json(action_results(d)),
            "userId"
            | "easDeviceId"
            | "activationLockBypassCode"
            | "remoteAssistanceSessionUrl"
            | "remoteAssistanceSessionErrorDetails"
            | "imei"
            | "phoneNumber"
            | "androidSecurityPatchLevel"
            | "wiFiMacAddress"
            | "subscriberCarrier"
            | "meid" => Str(""),
            _ => return None,
        })
    }
}

described_serialize!(ManagedDeviceWire);

/// The device's actions as Intune reports them: a wipe stays `pending` until the device
/// checks in.
fn action_results(d: &ManagedDevice) -> Value {
    let at = |t: OffsetDateTime| super::datetime(t);
    match d.wipe {
        Some(w) => json!([{
            "actionName": "wipe",
            "actionState": "pending",
            "startDateTime": at(w.requested_at),
            "lastUpdatedDateTime": at(w.requested_at),
        }]),
        None => json!([]),
    }
}

/// The body of `wipe`: `keepEnrollmentData`, `keepUserData` (booleans, default false); the
/// other parameters Graph lists (`macOsUnlockCode`, `persistEsimDataPlan`) are taken and
/// ignored.
pub fn parse_wipe(body: &Value, now: OffsetDateTime) -> Result<Wipe, GraphError> {
    let object = match body {
        Value::Null => {
            return Ok(Wipe {
                keep_enrollment_data: false,
                keep_user_data: false,
                requested_at: now,
            });
        }
        Value::Object(o) => o,
        _ => {
            return Err(GraphError::bad_request(
                "The body of 'wipe' must be an object of its parameters.",
            ));
        }
    };
    let flag = |name: &str| match super::object::member(object, name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(GraphError::bad_request(format!(
            "The parameter '{name}' of 'wipe' must be true or false."
        ))),
    };
    for name in object.keys() {
        let known = [
            "keepEnrollmentData",
            "keepUserData",
            "macOsUnlockCode",
            "persistEsimDataPlan",
        ];
        if !name.starts_with('@') && !known.iter().any(|k| k.eq_ignore_ascii_case(name)) {
            return Err(GraphError::bad_request(format!(
                "The parameter '{name}' is not in scope of the action 'wipe'."
            )));
        }
    }
    Ok(Wipe {
        keep_enrollment_data: flag("keepEnrollmentData")?,
        keep_user_data: flag("keepUserData")?,
        requested_at: now,
    })
}
