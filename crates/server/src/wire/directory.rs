//! Entra ID directory objects on the wire: `device`, as Graph writes it (unset values `null`).

use autopilot_domain::DirectoryDevice;
use autopilot_odata::{EntityType, entity};

use super::shape::{Described, WireValue, described_serialize};
use crate::route::Version;

/// A `device` on the wire, as its description orders it for the version.
#[derive(Debug)]
pub struct DirectoryDeviceWire<'a>(pub &'a DirectoryDevice, pub Version);

impl Described for DirectoryDeviceWire<'_> {
    const ENTITY: &'static EntityType = &entity::DIRECTORY_DEVICE;

    fn version(&self) -> Version {
        self.1
    }

    fn value(&self, property: &str) -> Option<WireValue<'_>> {
        use WireValue::{Bool, Null, OptTime, Str, Strings};
        let d = self.0;
        Some(match property {
            "id" => WireValue::Id(d.id),
            "accountEnabled" => Bool(d.account_enabled),
            "createdDateTime" | "registrationDateTime" => OptTime(Some(d.created_at)),
            "deviceId" => Str(&d.device_id),
            "deviceOwnership" => WireValue::opt_str(d.device_ownership.as_deref()),
            "displayName" => Str(&d.display_name),
            "enrollmentProfileName" => WireValue::opt_str(d.enrollment_profile_name.as_deref()),
            "manufacturer" => WireValue::opt_str(d.manufacturer.as_deref()),
            "model" => WireValue::opt_str(d.model.as_deref()),
            "operatingSystem" => Str(&d.operating_system),
            "operatingSystemVersion" => WireValue::opt_str(d.operating_system_version.as_deref()),
            "physicalIds" => Strings(&d.physical_ids),
            "profileType" => Str(&d.profile_type),
            "systemLabels" => Strings(&[]),
            "trustType" => WireValue::opt_str(d.trust_type.as_deref()),
            // What an object no device has signed in with, or Intune managed, holds.
            "deletedDateTime"
            | "approximateLastSignInDateTime"
            | "complianceExpirationDateTime"
            | "onPremisesLastSyncDateTime" => OptTime(None),
            "deviceCategory"
            | "deviceMetadata"
            | "deviceVersion"
            | "enrollmentType"
            | "isCompliant"
            | "isManaged"
            | "isRooted"
            | "managementType"
            | "mdmAppId"
            | "onPremisesSyncEnabled" => Null,
            p if p.starts_with("extensionAttributes/") => Null,
            _ => return None,
        })
    }
}

described_serialize!(DirectoryDeviceWire);

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn a_device_object_is_written_as_graph_writes_it() {
        let d = DirectoryDevice {
            id: Uuid::from_u128(0x839c),
            device_id: "8d9f".into(),
            display_name: "SN-1".into(),
            account_enabled: true,
            operating_system: "Windows".into(),
            operating_system_version: None,
            trust_type: None,
            profile_type: "RegisteredDevice".into(),
            device_ownership: Some("Company".into()),
            enrollment_profile_name: None,
            manufacturer: Some("Contoso".into()),
            model: None,
            physical_ids: vec!["[ZTDID]:6349".into()],
            autopilot_id: None,
            created_at: time::macros::datetime!(2026-11-28 09:00:01 UTC),
        };
        let wire = DirectoryDeviceWire(&d, Version::Beta);
        crate::wire::shape::assert_complete(&wire);
        let v: serde_json::Value = serde_json::to_value(&wire).unwrap();
        assert_eq!(v["id"], "00000000-0000-0000-0000-00000000839c");
        assert_eq!(v["deviceId"], "8d9f");
        assert_eq!(v["accountEnabled"], true);
        assert_eq!(v["trustType"], serde_json::Value::Null);
        assert_eq!(v["model"], serde_json::Value::Null);
        assert_eq!(v["physicalIds"], serde_json::json!(["[ZTDID]:6349"]));
        assert_eq!(v["systemLabels"], serde_json::json!([]));
        assert_eq!(v["createdDateTime"], "2026-11-28T09:00:01.0000000Z");
        assert_eq!(
            v["extensionAttributes"]["extensionAttribute15"],
            serde_json::Value::Null
        );
        let text = serde_json::to_string(&wire).unwrap();
        assert!(text.starts_with(r#"{"id":"00000000-0000-0000-0000-00000000839c","deletedDateTime":null,"accountEnabled":true,"#), "{text}");
    }
}
