//! The Entra ID side of a registration: the device object Autopilot creates for each registered
//! device, and the rules for what it holds.
//!
//! What is public: the registration creates an Entra device whose `physicalIds` carry
//! `[ZTDID]:<Autopilot id>`, `[OrderId]:<group tag>` and `[PurchaseOrderId]:<order>` (memdocs
//! `autopilot/enrollment-autopilot.md`; real `GET /v1.0/devices` payloads), and whose `deviceId`
//! is the Autopilot device's `azureActiveDirectoryDeviceId`. What is not: the other properties
//! of an object no device has joined yet. We give it the serial number as its name (as the
//! portal lists such devices), `Windows`, `RegisteredDevice`, company ownership, no trust type.

use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

/// An Entra ID device object (`microsoft.graph.device`). Unset optional text is `None` (Graph
/// writes `null`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryDevice {
    /// The directory object id (`/devices/{id}`).
    pub id: Uuid,
    /// The Device Registration Service id (`deviceId`; an alternate key).
    pub device_id: String,
    pub display_name: String,
    pub account_enabled: bool,
    pub operating_system: String,
    pub operating_system_version: Option<String>,
    /// `AzureAd`, `ServerAd` or `Workplace` once joined; `None` before.
    pub trust_type: Option<String>,
    pub profile_type: String,
    pub device_ownership: Option<String>,
    pub enrollment_profile_name: Option<String>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub physical_ids: Vec<String>,
    /// The ZTDID of the Autopilot device that made it, if one did.
    pub autopilot_id: Option<Uuid>,
    pub created_at: OffsetDateTime,
}

/// What an Autopilot registration knows about the device it stamps on Entra.
#[derive(Debug, Clone, Copy)]
pub struct AutopilotStamp<'a> {
    pub ztdid: Uuid,
    pub serial_number: &'a str,
    pub group_tag: &'a str,
    pub purchase_order: &'a str,
    pub hardware_key: &'a str,
    pub display_name: &'a str,
}

/// The physical ids of an Autopilot device's Entra object, in the order Entra lists them before
/// a join: the order id (group tag) and purchase order when set, the ZTDID, the hardware id.
pub fn physical_ids(stamp: &AutopilotStamp<'_>) -> Vec<String> {
    let mut ids = Vec::with_capacity(4);
    if !stamp.group_tag.is_empty() {
        ids.push(format!("[OrderId]:{}", stamp.group_tag));
    }
    if !stamp.purchase_order.is_empty() {
        ids.push(format!("[PurchaseOrderId]:{}", stamp.purchase_order));
    }
    ids.push(format!("[ZTDID]:{}", stamp.ztdid.hyphenated()));
    ids.push(format!("[HWID]:h:{}", hardware_digits(stamp.hardware_key)));
    ids
}

/// The 16 digits of `[HWID]:h:`, derived from the hardware identity (Entra's own derivation is
/// not public): the same hardware always gets the same digits.
fn hardware_digits(hardware_key: &str) -> String {
    let digest = Sha256::digest(hardware_key.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    format!("{:016}", u64::from_be_bytes(first) % 10_000_000_000_000_000)
}

/// The name of the Entra object: the Autopilot display name once one is set, else the serial.
pub fn display_name(stamp: &AutopilotStamp<'_>) -> String {
    if stamp.display_name.is_empty() {
        stamp.serial_number.to_owned()
    } else {
        stamp.display_name.to_owned()
    }
}

/// The Entra object a registration creates.
pub fn for_registration(
    stamp: &AutopilotStamp<'_>,
    device_id: &str,
    manufacturer: &str,
    model: &str,
    now: OffsetDateTime,
) -> DirectoryDevice {
    let text = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    DirectoryDevice {
        // Time-ordered, so that a round's new objects land at the end of the tables' keys
        // rather than all over them (a GUID all the same, as Entra's ids are).
        id: Uuid::now_v7(),
        device_id: device_id.to_owned(),
        display_name: display_name(stamp),
        account_enabled: true,
        operating_system: "Windows".to_owned(),
        operating_system_version: None,
        trust_type: None,
        profile_type: "RegisteredDevice".to_owned(),
        device_ownership: Some("Company".to_owned()),
        enrollment_profile_name: None,
        manufacturer: text(manufacturer),
        model: text(model),
        physical_ids: physical_ids(stamp),
        autopilot_id: Some(stamp.ztdid),
        created_at: now,
    }
}

/// Entra's rule for a mail nickname: 1 to 64 ASCII characters, no control character and none
/// of `banned` (groups ban `.` too, users do not).
pub(crate) fn nickname_ok(nickname: &str, banned: &str) -> bool {
    !nickname.is_empty()
        && nickname.len() <= 64
        && nickname
            .chars()
            .all(|c| c.is_ascii() && !c.is_ascii_control() && !banned.contains(c))
}

/// What is wrong with a directory object's display name, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameProblem {
    /// Empty or blank: the property is required.
    Missing,
    /// Over 256 characters.
    TooLong,
}

pub(crate) fn display_name_problem(name: &str) -> Option<NameProblem> {
    if name.trim().is_empty() {
        Some(NameProblem::Missing)
    } else if name.chars().count() > 256 {
        Some(NameProblem::TooLong)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp<'a>(tag: &'a str, po: &'a str) -> AutopilotStamp<'a> {
        AutopilotStamp {
            ztdid: Uuid::from_u128(0x6349),
            serial_number: "SN-1",
            group_tag: tag,
            purchase_order: po,
            hardware_key: "smbios:Contoso:SN-1",
            display_name: "",
        }
    }

    #[test]
    fn physical_ids_carry_the_tag_the_order_and_the_ztdid() {
        let ids = physical_ids(&stamp("Lab", "PO-7"));
        assert_eq!(ids[0], "[OrderId]:Lab");
        assert_eq!(ids[1], "[PurchaseOrderId]:PO-7");
        assert_eq!(ids[2], "[ZTDID]:00000000-0000-0000-0000-000000006349");
        assert!(
            ids[3].starts_with("[HWID]:h:") && ids[3].len() == 9 + 16,
            "{}",
            ids[3]
        );
        assert_eq!(physical_ids(&stamp("", "")).len(), 2);
        // The same hardware, the same hardware id.
        assert_eq!(physical_ids(&stamp("", ""))[1], ids[3]);
    }

    #[test]
    fn the_name_is_the_serial_until_one_is_given() {
        assert_eq!(display_name(&stamp("", "")), "SN-1");
        let named = AutopilotStamp {
            display_name: "LAB-01",
            ..stamp("", "")
        };
        assert_eq!(display_name(&named), "LAB-01");
    }
}
