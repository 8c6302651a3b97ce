//! Names for the Windows and SMBIOS enumerations a hash stores as numbers, spelled as OA3Tool
//! prints them where it prints them. `None` means the value has no known name.

/// `PROCESSOR_ARCHITECTURE_*`.
pub fn architecture(value: u16) -> Option<&'static str> {
    Some(match value {
        0 => "x86",
        5 => "ARM",
        6 => "ia64",
        9 => "x64",
        12 => "ARM64",
        _ => return None,
    })
}

/// OSType.
pub fn os_type(value: u8) -> Option<&'static str> {
    (value == 2).then_some("FullOS")
}

/// `STORAGE_BUS_TYPE`.
pub fn storage_bus(value: u16) -> Option<&'static str> {
    Some(match value {
        1 => "SCSI",
        2 => "ATAPI",
        3 => "ATA",
        4 => "1394",
        5 => "SSA",
        6 => "Fibre",
        7 => "USB",
        8 => "RAID",
        9 => "iSCSI",
        10 => "SAS",
        11 => "SATA",
        12 => "SD",
        13 => "MMC",
        14 => "Virtual",
        15 => "FileBackedVirtual",
        16 => "Spaces",
        17 => "NVMe",
        18 => "SCM",
        19 => "UFS",
        _ => return None,
    })
}

/// `NDIS_PHYSICAL_MEDIUM`.
pub fn physical_medium(value: u32) -> Option<&'static str> {
    Some(match value {
        0 => "Unspecified",
        1 => "WirelessLan",
        2 => "CableModem",
        3 => "PhoneLine",
        4 => "PowerLine",
        5 => "DSL",
        6 => "FibreChannel",
        7 => "1394",
        8 => "WirelessWan",
        9 => "Native802_11",
        10 => "Bluetooth",
        11 => "Infiniband",
        12 => "WiMax",
        13 => "UWB",
        14 => "802_3",
        15 => "802_5",
        16 => "Irda",
        17 => "WiredWAN",
        18 => "WiredCoWan",
        19 => "Other",
        20 => "Native802_15_4",
        _ => return None,
    })
}

/// `POWER_PLATFORM_ROLE`.
pub fn power_platform_role(value: u8) -> Option<&'static str> {
    Some(match value {
        0 => "Unspecified",
        1 => "Desktop",
        2 => "Mobile",
        3 => "Workstation",
        4 => "EnterpriseServer",
        5 => "SOHOServer",
        6 => "AppliancePC",
        7 => "PerformanceServer",
        8 => "Slate",
        _ => return None,
    })
}

/// SMBIOS type-3 chassis type.
pub fn chassis(value: u8) -> Option<&'static str> {
    Some(match value {
        0x01 => "Other",
        0x02 => "Unknown",
        0x03 => "Desktop",
        0x04 => "Low Profile Desktop",
        0x05 => "Pizza Box",
        0x06 => "Mini Tower",
        0x07 => "Tower",
        0x08 => "Portable",
        0x09 => "Laptop",
        0x0A => "Notebook",
        0x0B => "Hand Held",
        0x0C => "Docking Station",
        0x0D => "All in One",
        0x0E => "Sub Notebook",
        0x0F => "Space-saving",
        0x10 => "Lunch Box",
        0x11 => "Main Server Chassis",
        0x17 => "Rack Mount Chassis",
        0x1E => "Tablet",
        0x1F => "Convertible",
        0x20 => "Detachable",
        0x21 => "IoT Gateway",
        0x22 => "Embedded PC",
        0x23 => "Mini PC",
        0x24 => "Stick PC",
        _ => return None,
    })
}

/// SMBIOS type-16 memory error correction.
pub fn error_correction(value: u8) -> Option<&'static str> {
    Some(match value {
        1 => "Other",
        2 => "Unknown",
        3 => "None",
        4 => "Parity",
        5 => "Single-bit ECC",
        6 => "Multi-bit ECC",
        7 => "CRC",
        _ => return None,
    })
}

/// `CM_REMOVAL_POLICY`.
pub fn removal_policy(value: u8) -> Option<&'static str> {
    Some(match value {
        1 => "NoRemoval",
        2 => "ExpectOrderlyRemoval",
        3 => "ExpectSurpriseRemoval",
        _ => return None,
    })
}

/// `SM_DIGITIZER` flags, joined as OA3Tool prints them (`IntegratedTouch, MultiInput`), or
/// `None` when no flag is set.
pub fn digitizer(flags: u8) -> String {
    const FLAGS: [(u8, &str); 6] = [
        (0x01, "IntegratedTouch"),
        (0x02, "ExternalTouch"),
        (0x04, "IntegratedPen"),
        (0x08, "ExternalPen"),
        (0x40, "MultiInput"),
        (0x80, "Ready"),
    ];
    let names: Vec<&str> = FLAGS
        .iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|(_, name)| *name)
        .collect();
    if names.is_empty() {
        "None".to_owned()
    } else {
        names.join(", ")
    }
}

/// `D3DKMDT_VIDEO_OUTPUT_TECHNOLOGY` as seen in type 9.
pub fn output_technology(value: u32) -> Option<&'static str> {
    Some(match value {
        0x8000_0000 => "Internal",
        0xFFFF_FFFF => "Other",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digitizer_flags_join_like_oa3tool() {
        assert_eq!(digitizer(0xC1), "IntegratedTouch, MultiInput, Ready");
        assert_eq!(digitizer(0x41), "IntegratedTouch, MultiInput");
        assert_eq!(digitizer(0), "None");
    }

    #[test]
    fn enumerations_use_oa3tool_spelling() {
        assert_eq!(storage_bus(17), Some("NVMe"));
        assert_eq!(storage_bus(3), Some("ATA"));
        assert_eq!(storage_bus(8), Some("RAID"));
        assert_eq!(physical_medium(14), Some("802_3"));
        assert_eq!(physical_medium(9), Some("Native802_11"));
        assert_eq!(architecture(9), Some("x64"));
        assert_eq!(error_correction(3), Some("None"));
        assert_eq!(removal_policy(1), Some("NoRemoval"));
        assert_eq!(power_platform_role(2), Some("Mobile"));
        assert_eq!(chassis(0x0A), Some("Notebook"));
        assert_eq!(storage_bus(200), None);
    }
}
