//! `windowsAutopilotDeviceIdentity` on the wire, v1.0 and beta, and the
//! `deletedWindowsAutopilotDeviceState` of `deleteDevices`.

use autopilot_domain::{AutopilotDevice, DeletedDevice, EnrollmentState};
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;

use super::{NEVER, datetime};

/// A `windowsAutopilotDeviceIdentity` in v1.0: the v1.0 property set only, in Graph's
/// documented order.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceWireV1<'a> {
    id: String,
    group_tag: &'a str,
    purchase_order_identifier: &'a str,
    serial_number: &'a str,
    product_key: &'a str,
    manufacturer: &'a str,
    model: &'a str,
    enrollment_state: &'static str,
    last_contacted_date_time: String,
    addressable_user_name: &'a str,
    user_principal_name: &'a str,
    resource_name: &'a str,
    sku_number: &'a str,
    system_family: &'a str,
    azure_active_directory_device_id: &'a str,
    managed_device_id: &'a str,
    display_name: &'a str,
}

fn last_contacted(d: &AutopilotDevice) -> String {
    d.last_contacted.map_or_else(|| NEVER.to_owned(), datetime)
}

/// v1.0 has no `blocked` enrollment state; a blocked device shows as `unknown` there.
fn v1_enrollment_state(state: EnrollmentState) -> &'static str {
    match state {
        EnrollmentState::Blocked => EnrollmentState::Unknown.as_str(),
        other => other.as_str(),
    }
}

impl<'a> From<&'a AutopilotDevice> for DeviceWireV1<'a> {
    fn from(d: &'a AutopilotDevice) -> Self {
        DeviceWireV1 {
            id: d.id.hyphenated().to_string(),
            group_tag: &d.group_tag,
            purchase_order_identifier: &d.purchase_order_identifier,
            serial_number: &d.serial_number,
            product_key: &d.product_key,
            manufacturer: &d.manufacturer,
            model: &d.model,
            enrollment_state: v1_enrollment_state(d.enrollment_state),
            last_contacted_date_time: last_contacted(d),
            addressable_user_name: &d.addressable_user_name,
            user_principal_name: &d.user_principal_name,
            resource_name: &d.resource_name,
            sku_number: &d.sku_number,
            system_family: &d.system_family,
            azure_active_directory_device_id: &d.azure_ad_device_id,
            managed_device_id: &d.managed_device_id,
            display_name: &d.display_name,
        }
    }
}

/// A `windowsAutopilotDeviceIdentity` in beta: the beta property set, in the documented order,
/// with the defaults of a freshly registered, unassigned device.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceWireBeta<'a> {
    id: String,
    deployment_profile_assignment_status: &'static str,
    deployment_profile_assignment_detailed_status: &'static str,
    deployment_profile_assigned_date_time: String,
    group_tag: &'a str,
    purchase_order_identifier: &'a str,
    serial_number: &'a str,
    product_key: &'a str,
    manufacturer: &'a str,
    model: &'a str,
    enrollment_state: &'static str,
    last_contacted_date_time: String,
    addressable_user_name: &'a str,
    user_principal_name: &'a str,
    resource_name: &'a str,
    sku_number: &'a str,
    system_family: &'a str,
    azure_active_directory_device_id: &'a str,
    azure_ad_device_id: &'a str,
    managed_device_id: &'a str,
    display_name: &'a str,
    device_account_upn: &'a str,
    device_account_password: &'a str,
    device_friendly_name: &'a str,
    remediation_state: &'static str,
    remediation_state_last_modified_date_time: &'static str,
    userless_enrollment_status: &'static str,
}

impl DeviceWireBeta<'_> {
    /// The device's standing with deployment profiles.
    pub fn with_profile(
        mut self,
        status: &'static str,
        assigned_at: Option<OffsetDateTime>,
    ) -> Self {
        self.deployment_profile_assignment_status = status;
        self.deployment_profile_assigned_date_time =
            assigned_at.map_or_else(|| NEVER.to_owned(), datetime);
        self
    }
}

impl<'a> From<&'a AutopilotDevice> for DeviceWireBeta<'a> {
    fn from(d: &'a AutopilotDevice) -> Self {
        DeviceWireBeta {
            id: d.id.hyphenated().to_string(),
            deployment_profile_assignment_status: "notAssigned",
            deployment_profile_assignment_detailed_status: "none",
            deployment_profile_assigned_date_time: NEVER.to_owned(),
            group_tag: &d.group_tag,
            purchase_order_identifier: &d.purchase_order_identifier,
            serial_number: &d.serial_number,
            product_key: &d.product_key,
            manufacturer: &d.manufacturer,
            model: &d.model,
            enrollment_state: d.enrollment_state.as_str(),
            last_contacted_date_time: last_contacted(d),
            addressable_user_name: &d.addressable_user_name,
            user_principal_name: &d.user_principal_name,
            resource_name: &d.resource_name,
            sku_number: &d.sku_number,
            system_family: &d.system_family,
            azure_active_directory_device_id: &d.azure_ad_device_id,
            azure_ad_device_id: &d.azure_ad_device_id,
            managed_device_id: &d.managed_device_id,
            display_name: &d.display_name,
            device_account_upn: &d.device_account_upn,
            // A secret: never echoed.
            device_account_password: "",
            device_friendly_name: &d.device_friendly_name,
            remediation_state: "unknown",
            remediation_state_last_modified_date_time: NEVER,
            userless_enrollment_status: d.userless_enrollment_status.as_str(),
        }
    }
}

/// One serial's outcome of `deleteDevices`.
pub fn deleted_device(r: &DeletedDevice) -> Value {
    serde_json::json!({
        "serialNumber": r.serial_number,
        "deviceRegistrationId": r.device_registration_id,
        "deletionState": if r.accepted { "accepted" } else { "failed" },
        "errorMessage": r.error_message,
    })
}
