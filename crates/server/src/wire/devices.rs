//! `windowsAutopilotDeviceIdentity` on the wire, v1.0 and beta, and the
//! `deletedWindowsAutopilotDeviceState` of `deleteDevices`.

use autopilot_domain::{AutopilotDevice, DeletedDevice, EnrollmentState};
use autopilot_odata::{EntityType, entity};
use serde_json::Value;
use time::OffsetDateTime;

use super::shape::{Described, WireValue, described_serialize};
use crate::route::Version;

/// A `windowsAutopilotDeviceIdentity` on the wire: the property set of its version, in the
/// order the entity's description gives (beta's documented order; v1.0 the same without the
/// beta-only properties), with the defaults of an unassigned device until
/// [`DeviceWire::with_profile`] says otherwise.
#[derive(Debug)]
pub struct DeviceWire<'a> {
    device: &'a AutopilotDevice,
    version: Version,
    profile_status: &'static str,
    profile_assigned_at: Option<OffsetDateTime>,
}

impl<'a> DeviceWire<'a> {
    pub fn new(device: &'a AutopilotDevice, version: Version) -> Self {
        DeviceWire {
            device,
            version,
            profile_status: "notAssigned",
            profile_assigned_at: None,
        }
    }

    /// The device's standing with deployment profiles (beta shows it).
    pub fn with_profile(
        mut self,
        status: &'static str,
        assigned_at: Option<OffsetDateTime>,
    ) -> Self {
        self.profile_status = status;
        self.profile_assigned_at = assigned_at;
        self
    }

    /// v1.0 has no `blocked` enrollment state; a blocked device shows as `unknown` there.
    fn enrollment_state(&self) -> &'static str {
        match (self.version, self.device.enrollment_state) {
            (Version::V1, EnrollmentState::Blocked) => EnrollmentState::Unknown.as_str(),
            (_, state) => state.as_str(),
        }
    }
}

impl Described for DeviceWire<'_> {
    const ENTITY: &'static EntityType = &entity::AUTOPILOT_DEVICE;

    fn version(&self) -> Version {
        self.version
    }

    fn value(&self, property: &str) -> Option<WireValue<'_>> {
        use WireValue::{Id, Str, Time};
        let d = self.device;
        Some(match property {
            "id" => Id(d.id),
            "deploymentProfileAssignmentStatus" => Str(self.profile_status),
            "deploymentProfileAssignmentDetailedStatus" => Str("none"),
            "deploymentProfileAssignedDateTime" => Time(self.profile_assigned_at),
            "groupTag" => Str(&d.group_tag),
            "purchaseOrderIdentifier" => Str(&d.purchase_order_identifier),
            "serialNumber" => Str(&d.serial_number),
            "productKey" => Str(&d.product_key),
            "manufacturer" => Str(&d.manufacturer),
            "model" => Str(&d.model),
            "enrollmentState" => Str(self.enrollment_state()),
            "lastContactedDateTime" => Time(d.last_contacted),
            "addressableUserName" => Str(&d.addressable_user_name),
            "userPrincipalName" => Str(&d.user_principal_name),
            "resourceName" => Str(&d.resource_name),
            "skuNumber" => Str(&d.sku_number),
            "systemFamily" => Str(&d.system_family),
            "azureActiveDirectoryDeviceId" | "azureAdDeviceId" => Str(&d.azure_ad_device_id),
            "managedDeviceId" => Str(&d.managed_device_id),
            "displayName" => Str(&d.display_name),
            "deviceAccountUpn" => Str(&d.device_account_upn),
            // A secret: never echoed.
            "deviceAccountPassword" => Str(""),
            "deviceFriendlyName" => Str(&d.device_friendly_name),
            "remediationState" => Str("unknown"),
            "remediationStateLastModifiedDateTime" => Time(None),
            "userlessEnrollmentStatus" => Str(d.userless_enrollment_status.as_str()),
            _ => return None,
        })
    }
}

described_serialize!(DeviceWire);

/// One serial's outcome of `deleteDevices`.
pub fn deleted_device(r: &DeletedDevice) -> Value {
    serde_json::json!({
        "serialNumber": r.serial_number,
        "deviceRegistrationId": r.device_registration_id,
        "deletionState": if r.accepted { "accepted" } else { "failed" },
        "errorMessage": r.error_message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::shape::assert_complete;
    use autopilot_domain::UserlessEnrollmentStatus;

    fn device() -> AutopilotDevice {
        AutopilotDevice {
            id: uuid::Uuid::from_u128(0x1234),
            hardware_key: "key".into(),
            import_id: "import".into(),
            serial_number: "SN-1".into(),
            manufacturer: "Contoso".into(),
            model: "Laptop 7".into(),
            sku_number: "sku".into(),
            system_family: "family".into(),
            product_key: "pk".into(),
            group_tag: "Lab".into(),
            purchase_order_identifier: "PO-9".into(),
            user_principal_name: "ada@contoso.test".into(),
            addressable_user_name: "Ada".into(),
            display_name: "LAB-1".into(),
            resource_name: "res".into(),
            azure_ad_device_id: "aad".into(),
            managed_device_id: "mdm".into(),
            enrollment_state: EnrollmentState::Blocked,
            last_contacted: None,
            device_account_upn: "room@contoso.test".into(),
            device_account_password: "secret".into(),
            device_friendly_name: "Room".into(),
            userless_enrollment_status: UserlessEnrollmentStatus::Allowed,
            created_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    fn keys(value: &str) -> Vec<String> {
        // The members in written order (the values here hold no `":`).
        let mut keys = Vec::new();
        let mut rest = value;
        while let Some(i) = rest.find("\":") {
            let head = &rest[..i];
            let start = head.rfind('"').unwrap();
            keys.push(head[start + 1..].to_owned());
            rest = &rest[i + 2..];
        }
        keys
    }

    #[test]
    fn v1_writes_its_property_set_in_graphs_order() {
        let d = device();
        let text = serde_json::to_string(&DeviceWire::new(&d, Version::V1)).unwrap();
        let expected = [
            "id",
            "groupTag",
            "purchaseOrderIdentifier",
            "serialNumber",
            "productKey",
            "manufacturer",
            "model",
            "enrollmentState",
            "lastContactedDateTime",
            "addressableUserName",
            "userPrincipalName",
            "resourceName",
            "skuNumber",
            "systemFamily",
            "azureActiveDirectoryDeviceId",
            "managedDeviceId",
            "displayName",
        ];
        assert_eq!(keys(&text), expected);
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["id"], "00000000-0000-0000-0000-000000001234");
        // v1.0 has no `blocked`.
        assert_eq!(v["enrollmentState"], "unknown");
        assert_eq!(v["lastContactedDateTime"], "0001-01-01T00:00:00Z");
        assert_eq!(v["azureActiveDirectoryDeviceId"], "aad");
    }

    #[test]
    fn beta_writes_its_property_set_in_graphs_order() {
        let d = device();
        let at = time::macros::datetime!(2026-11-28 09:00:01 UTC);
        let wire = DeviceWire::new(&d, Version::Beta).with_profile("assigned", Some(at));
        assert_complete(&wire);
        let text = serde_json::to_string(&wire).unwrap();
        let expected = [
            "id",
            "deploymentProfileAssignmentStatus",
            "deploymentProfileAssignmentDetailedStatus",
            "deploymentProfileAssignedDateTime",
            "groupTag",
            "purchaseOrderIdentifier",
            "serialNumber",
            "productKey",
            "manufacturer",
            "model",
            "enrollmentState",
            "lastContactedDateTime",
            "addressableUserName",
            "userPrincipalName",
            "resourceName",
            "skuNumber",
            "systemFamily",
            "azureActiveDirectoryDeviceId",
            "azureAdDeviceId",
            "managedDeviceId",
            "displayName",
            "deviceAccountUpn",
            "deviceAccountPassword",
            "deviceFriendlyName",
            "remediationState",
            "remediationStateLastModifiedDateTime",
            "userlessEnrollmentStatus",
        ];
        assert_eq!(keys(&text), expected);
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["enrollmentState"], "blocked");
        assert_eq!(v["deploymentProfileAssignmentStatus"], "assigned");
        assert_eq!(
            v["deploymentProfileAssignedDateTime"],
            "2026-11-28T09:00:01.0000000Z"
        );
        assert_eq!(v["deploymentProfileAssignmentDetailedStatus"], "none");
        assert_eq!(v["deviceAccountPassword"], "", "the secret is never echoed");
        assert_eq!(v["remediationState"], "unknown");
        assert_eq!(v["userlessEnrollmentStatus"], "allowed");
        assert_eq!(v["azureAdDeviceId"], "aad");
    }
}
