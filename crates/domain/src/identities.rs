//! Corporate device identifiers (`importedDeviceIdentity`, beta): devices an admin declares
//! corporate before they enroll, by IMEI, serial number, or (Windows) manufacturer, model and
//! serial. Autopilot device preparation uses them instead of a hardware hash. Intune keeps an
//! identifier normalized (upper case; in a Windows tuple, spaces, dashes and periods removed
//! from each part), so a look-up finds it however the script spelled it; [`normalize`] is that
//! rule, and what does not pass it is the "Invalid Device Identifier parameter" error.

use time::OffsetDateTime;
use uuid::Uuid;

use crate::EnrollmentState;

/// How an identifier names a device (`importedDeviceIdentityType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdentityType {
    Unknown,
    Imei,
    SerialNumber,
    ManufacturerModelSerial,
}

impl IdentityType {
    pub const ALL: [IdentityType; 4] = [
        IdentityType::Unknown,
        IdentityType::Imei,
        IdentityType::SerialNumber,
        IdentityType::ManufacturerModelSerial,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IdentityType::Unknown => "unknown",
            IdentityType::Imei => "imei",
            IdentityType::SerialNumber => "serialNumber",
            IdentityType::ManufacturerModelSerial => "manufacturerModelSerial",
        }
    }

    /// The type a name stands for, in any case.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(name.trim()))
    }
}

/// The platform of an identified device (`platform`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Platform {
    Unknown,
    Ios,
    Android,
    Windows,
    WindowsMobile,
    MacOs,
    VisionOs,
    TvOs,
}

impl Platform {
    pub const ALL: [Platform; 8] = [
        Platform::Unknown,
        Platform::Ios,
        Platform::Android,
        Platform::Windows,
        Platform::WindowsMobile,
        Platform::MacOs,
        Platform::VisionOs,
        Platform::TvOs,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Unknown => "unknown",
            Platform::Ios => "ios",
            Platform::Android => "android",
            Platform::Windows => "windows",
            Platform::WindowsMobile => "windowsMobile",
            Platform::MacOs => "macOS",
            Platform::VisionOs => "visionOS",
            Platform::TvOs => "tvOS",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(name.trim()))
    }
}

/// A corporate device identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedIdentity {
    pub id: Uuid,
    /// As [`normalize`] keeps it.
    pub identifier: String,
    pub identity_type: IdentityType,
    pub description: String,
    pub enrollment_state: EnrollmentState,
    pub platform: Platform,
    pub created_at: OffsetDateTime,
    pub modified_at: OffsetDateTime,
    /// `None` until the device contacts Intune.
    pub last_contacted: Option<OffsetDateTime>,
}

/// The most identifiers one call takes (the admin center's file limit).
pub const MAX_PER_CALL: usize = 5000;

/// An identifier as Intune keeps it, or `None` when it is not one of its type.
pub fn normalize(identity_type: IdentityType, raw: &str) -> Option<String> {
    let raw = raw.trim();
    match identity_type {
        IdentityType::Unknown => None,
        IdentityType::Imei => {
            let digits: String = raw.chars().filter(|c| *c != ' ').collect();
            ((14..=16).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()))
                .then_some(digits)
        }
        IdentityType::SerialNumber => {
            let serial = raw.to_uppercase();
            (!serial.is_empty() && serial.chars().count() <= 128 && !serial.contains(','))
                .then_some(serial)
        }
        IdentityType::ManufacturerModelSerial => {
            let parts: Vec<String> = raw
                .split(',')
                .map(|p| {
                    p.chars()
                        .filter(|c| !matches!(c, ' ' | '-' | '.'))
                        .collect::<String>()
                        .to_uppercase()
                })
                .collect();
            let fits = parts.len() == 3
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && p.chars().count() <= 128);
            fits.then(|| parts.join(","))
        }
    }
}

/// What an import did with one identifier: `status` is true when it was written (new, or
/// replaced with `overwriteImportedDeviceIdentities`), false when one was there already and
/// is kept as it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportResult {
    pub identity: ImportedIdentity,
    pub status: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn identifiers_are_kept_as_intune_keeps_them() {
        let mms = IdentityType::ManufacturerModelSerial;
        assert_eq!(
            normalize(
                mms,
                "Microsoft Corporation,Virtual Machine,7801-5131-4473-3387-5637-4002-18"
            )
            .as_deref(),
            Some("MICROSOFTCORPORATION,VIRTUALMACHINE,78015131447333875637400218")
        );
        assert_eq!(
            normalize(mms, " Dell Inc.,Latitude 7440,ab.12 ").as_deref(),
            Some("DELLINC,LATITUDE7440,AB12")
        );
        for bad in ["", "Dell,Latitude", "Dell,,SN1", "a,b,c,d", " , , "] {
            assert_eq!(normalize(mms, bad), None, "{bad}");
        }
        assert_eq!(
            normalize(IdentityType::Imei, "35 209900 176148 1").as_deref(),
            Some("352099001761481")
        );
        assert_eq!(normalize(IdentityType::Imei, "35209900176148A"), None);
        assert_eq!(
            normalize(IdentityType::SerialNumber, "sn-1").as_deref(),
            Some("SN-1")
        );
        assert_eq!(normalize(IdentityType::Unknown, "x"), None);
        assert_eq!(IdentityType::parse("MANUFACTURERMODELSERIAL"), Some(mms));
        assert_eq!(Platform::parse("macos"), Some(Platform::MacOs));
    }

    proptest! {
        /// Normalizing twice changes nothing, and a kept tuple has three non-empty parts.
        #[test]
        fn normalizing_is_stable(raw in "[ -~]{0,40}") {
            for t in IdentityType::ALL {
                if let Some(once) = normalize(t, &raw) {
                    prop_assert_eq!(normalize(t, &once), Some(once.clone()));
                    if t == IdentityType::ManufacturerModelSerial {
                        prop_assert_eq!(once.split(',').filter(|p| !p.is_empty()).count(), 3);
                    }
                }
            }
        }
    }
}
