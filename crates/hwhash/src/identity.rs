//! The hardware identity: how the registration service recognises one device across captures.
//!
//! Two captures of the same machine never have the same bytes: type 1 holds the capture time
//! and OS build, so the checksum differs too. The identity is therefore taken from the fields
//! that name the hardware, in this order:
//!
//! 1. **manufacturer + SMBIOS serial number**, when both are real values. This is what Autopilot
//!    itself keys on ("both the manufacturer and serial number information need to be included").
//! 2. the **SMBIOS UUID**, when the serial is missing, Windows' `SMBIOS_STRING_INDEX_0`
//!    placeholder, or a generic firmware filler such as `To be filled by O.E.M.`, `Default string`
//!    or a run of one repeated character (see [`is_generic_serial`]). UUIDs that firmware uses to
//!    mean "unset" (all zeros, all ones, the AMI default) do not count.
//! 3. the **offline device id** (type 11: the SHA-256 of the TPM endorsement key, or the seed
//!    Windows keeps on TPM-less machines), failing both.
//!
//! Values are compared after trimming surrounding whitespace and upper-casing, so `pf5nrh33 ` and
//! `PF5NRH33` are the same serial. A hash with none of the three has no identity.

use std::fmt;

use crate::model::{HardwareHash, SmbiosUuid};

/// A stable key for one piece of hardware. See the module documentation for the rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HardwareIdentity {
    /// Manufacturer and serial number, normalised (trimmed, upper case).
    Serial {
        manufacturer: String,
        serial: String,
    },
    /// The SMBIOS system UUID.
    SmbiosUuid(SmbiosUuid),
    /// The type-11 offline device id.
    OfflineDeviceId([u8; 32]),
}

impl HardwareIdentity {
    /// The identity as one string, suitable as a database key and readable in logs:
    /// `serial:<manufacturer length>:<MANUFACTURER>:<SERIAL>`, `uuid:<uuid>` or
    /// `odid:<64 hex digits>`. The length prefix keeps the key unambiguous when the manufacturer
    /// contains a colon.
    pub fn key(&self) -> String {
        self.to_string()
    }

    /// Which rule produced the identity: `serial`, `uuid` or `odid`.
    pub fn rule(&self) -> &'static str {
        match self {
            Self::Serial { .. } => "serial",
            Self::SmbiosUuid(_) => "uuid",
            Self::OfflineDeviceId(_) => "odid",
        }
    }
}

impl fmt::Display for HardwareIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Serial {
                manufacturer,
                serial,
            } => write!(f, "serial:{}:{manufacturer}:{serial}", manufacturer.len()),
            Self::SmbiosUuid(uuid) => write!(f, "uuid:{uuid}"),
            Self::OfflineDeviceId(id) => write!(f, "odid:{}", crate::error::hex(id)),
        }
    }
}

impl serde::Serialize for HardwareIdentity {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

fn normalise(value: &str) -> String {
    value.trim_ascii().to_uppercase()
}

/// True for serial numbers that firmware writes when nobody set a real one.
pub fn is_generic_serial(serial: &str) -> bool {
    const FILLERS: &[&str] = &[
        "TO BE FILLED BY O.E.M.",
        "TO BE FILLED BY OEM",
        "DEFAULT STRING",
        "SYSTEM SERIAL NUMBER",
        "CHASSIS SERIAL NUMBER",
        "SERIAL NUMBER",
        "NOT SPECIFIED",
        "NOT APPLICABLE",
        "NOT AVAILABLE",
        "NONE",
        "N/A",
        "NA",
        "INVALID",
        "UNKNOWN",
        "OEM",
        "O.E.M.",
        "0123456789",
        "123456789",
        "1234567890",
        "SERIAL",
    ];
    let s = serial.trim_ascii();
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return true;
    };
    chars.all(|c| c.eq_ignore_ascii_case(&first))
        || FILLERS.iter().any(|f| f.eq_ignore_ascii_case(s))
}

impl HardwareHash {
    /// The key by which the registration service recognises this hardware in a later capture.
    /// See the [`identity`](crate::identity) module for the rule.
    pub fn hardware_identity(&self) -> Option<HardwareIdentity> {
        if let (Some(manufacturer), Some(serial)) = (self.manufacturer(), self.serial())
            && !is_generic_serial(serial)
        {
            return Some(HardwareIdentity::Serial {
                manufacturer: normalise(manufacturer),
                serial: normalise(serial),
            });
        }
        if let Some(uuid) = self.smbios_uuid.filter(|u| !u.is_placeholder()) {
            return Some(HardwareIdentity::SmbiosUuid(uuid));
        }
        self.offline_device_id
            .filter(|o| o.id != [0; 32])
            .map(|o| HardwareIdentity::OfflineDeviceId(o.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::OfflineDeviceId;

    fn hash(manufacturer: Option<&str>, serial: Option<&str>) -> HardwareHash {
        HardwareHash {
            manufacturer: manufacturer.map(Into::into),
            serial_number: serial.map(Into::into),
            smbios_uuid: Some(SmbiosUuid([7; 16])),
            offline_device_id: Some(OfflineDeviceId {
                id: [9; 32],
                ..OfflineDeviceId::default()
            }),
            ..HardwareHash::default()
        }
    }

    #[test]
    fn serial_rule_normalises_case_and_spaces() {
        let a = hash(Some("LENOVO"), Some("pf5nrh33 ")).hardware_identity();
        let b = hash(Some(" lenovo"), Some("PF5NRH33")).hardware_identity();
        assert_eq!(a, b);
        assert_eq!(a.unwrap().key(), "serial:6:LENOVO:PF5NRH33");
    }

    #[test]
    fn placeholders_fall_back_to_uuid_then_offline_id() {
        for serial in [
            Some("SMBIOS_STRING_INDEX_0"),
            Some("To be filled by O.E.M."),
            Some("0000000000"),
            Some("   "),
            None,
        ] {
            let id = hash(Some("QEMU"), serial).hardware_identity().unwrap();
            assert_eq!(id.rule(), "uuid", "{serial:?}");
        }
        let mut h = hash(None, Some("ABC123"));
        assert_eq!(h.hardware_identity().unwrap().rule(), "uuid");
        h.smbios_uuid = Some(SmbiosUuid([0xFF; 16]));
        let id = h.hardware_identity().unwrap();
        assert_eq!(id.rule(), "odid");
        assert_eq!(id.key(), format!("odid:{}", "09".repeat(32)));
        h.offline_device_id = None;
        assert_eq!(h.hardware_identity(), None);
    }

    #[test]
    fn manufacturer_with_colon_stays_unambiguous() {
        let a = hash(Some("A:B"), Some("C")).hardware_identity().unwrap();
        let b = hash(Some("A"), Some("B:C")).hardware_identity().unwrap();
        assert_ne!(a.key(), b.key());
    }
}
