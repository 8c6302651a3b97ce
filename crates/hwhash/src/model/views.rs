//! Views of records whose values carry more than one fact: the TPM version string, the
//! locale record and the Software Protection Platform hardware id.

use super::*;

/// The parsed type-13 TPM version string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TpmVersion<'a> {
    /// `2.0` or `01.02`.
    pub version: &'a str,
    /// TPM 2.0 `Level` / TPM 1.2 `SpecLevel`.
    pub level: &'a str,
    /// TPM 2.0 spec revision, e.g. `1.38`.
    pub revision: &'a str,
    /// The manufacturer's four-character id, trailing spaces trimmed (`IFX`, `NTC`, `MSFT`).
    pub vendor_id: &'a str,
    pub firmware: &'a str,
}

impl<'a> TpmVersion<'a> {
    /// Parses `TPM-Version:2.0 -Level:0-Revision:1.38-VendorID:'IFX '-Firmware:458837.1166080`;
    /// parts it cannot find are empty.
    pub fn parse(value: &'a str) -> Self {
        let field = |name: &str| -> &'a str {
            let Some(start) = value.find(name).map(|i| i + name.len()) else {
                return "";
            };
            let rest = value.get(start..).unwrap_or("");
            if let Some(quoted) = rest.strip_prefix('\'') {
                return quoted.split('\'').next().unwrap_or("").trim_end();
            }
            rest.split('-').next().unwrap_or("").trim()
        };
        let level = match field("-Level:") {
            "" => field("-SpecLevel:"),
            level => level,
        };
        TpmVersion {
            version: field("TPM-Version:"),
            level,
            revision: field("-Revision:"),
            vendor_id: field("-VendorID:"),
            firmware: field("-Firmware:"),
        }
    }
}

/// The parsed type-36 record: five `|`-separated fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LocaleInfo<'a> {
    /// OSDefaultLanguage, e.g. `en-US`.
    pub os_default_language: &'a str,
    /// DefaultSystemLocale.
    pub default_system_locale: &'a str,
    /// OSDefaultTimeZone, e.g. `Eastern Standard Time`.
    pub os_default_time_zone: &'a str,
    /// OSInstalledLanguagePacks (may hold several values).
    pub installed_language_packs: &'a str,
    /// KeyboardCode, e.g. `0409:00000409`.
    pub keyboard_code: &'a str,
}

impl<'a> LocaleInfo<'a> {
    /// Splits the record; missing fields are empty.
    pub fn parse(value: &'a str) -> Self {
        let mut parts = value.splitn(5, '|');
        let mut next = || parts.next().unwrap_or("");
        LocaleInfo {
            os_default_language: next(),
            default_system_locale: next(),
            os_default_time_zone: next(),
            installed_language_packs: next(),
            keyboard_code: next(),
        }
    }
}

/// The parsed type-37 SPP (activation) hardware-id block.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SppHwid {
    /// The size the block declares.
    pub size: u16,
    pub version: u16,
    /// Instance counts: CD-ROM, disk controllers, disks, displays, SCSI/Bluetooth, audio,
    /// unused, network adapters, CPUs.
    pub instances: [u16; 9],
    pub dock: u16,
    pub ram_hash: u16,
    pub bios_hash: u16,
    /// One hash per instance counted above.
    pub instance_hashes: Vec<u16>,
    /// Whether `size` equals the block length and `28 + 2 * sum(instances)`.
    pub consistent: bool,
}

impl SppHwid {
    /// The fixed part of the block, before the instance hashes.
    pub const HEADER_LEN: usize = 28;

    /// Whether a block's declared size, its length and its instance counts agree, without
    /// parsing it into a value.
    pub fn is_consistent(block: &[u8]) -> bool {
        let word = |i: usize| match block.get(2 * i..2 * i + 2) {
            Some(&[a, b]) => usize::from(u16::from_le_bytes([a, b])),
            _ => 0,
        };
        let total: usize = (2..11).map(word).sum();
        block.len() >= Self::HEADER_LEN
            && word(0) == block.len()
            && block.len() == Self::HEADER_LEN + 2 * total
    }

    /// Parses the block; `None` when it is shorter than its fixed header.
    pub fn parse(block: &[u8]) -> Option<Self> {
        let mut words = block.chunks_exact(2).map(|w| match *w {
            [a, b] => u16::from_le_bytes([a, b]),
            _ => 0,
        });
        if block.len() < Self::HEADER_LEN {
            return None;
        }
        let size = words.next()?;
        let version = words.next()?;
        let mut instances = [0u16; 9];
        for slot in &mut instances {
            *slot = words.next()?;
        }
        let dock = words.next()?;
        let ram_hash = words.next()?;
        let bios_hash = words.next()?;
        let instance_hashes: Vec<u16> = words.collect();
        let consistent = Self::is_consistent(block);
        Some(SppHwid {
            size,
            version,
            instances,
            dock,
            ram_hash,
            bios_hash,
            instance_hashes,
            consistent,
        })
    }
}
