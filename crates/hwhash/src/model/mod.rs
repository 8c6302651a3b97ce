//! The decoded content of a hardware hash: one typed field per record type.
//!
//! Field names follow what Microsoft's OA3Tool prints for `/DecodeHwHash` where it prints
//! anything. Numbers are kept as the raw values of the Windows enumerations they come from; the
//! `names` module turns them into the names OA3Tool uses.

use std::fmt;

use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime, UtcOffset};

use crate::names;

mod views;
pub use views::*;

/// Windows' stand-in for an SMBIOS string the firmware did not fill in.
pub const SMBIOS_PLACEHOLDER: &str = "SMBIOS_STRING_INDEX_0";

/// Everything a hardware hash says about a device.
///
/// `Option` fields are absent when their record is absent; `Vec` fields hold repeated records in
/// the order they appear. Strings are kept exactly as stored (placeholders included); the
/// accessor methods ([`HardwareHash::serial`], [`HardwareHash::manufacturer`], ...) treat
/// placeholders as absent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HardwareHash {
    /// Type 1: the tool and OS that made the hash, and when.
    pub tool: Option<ToolInfo>,
    /// Type 2: processor topology.
    pub processor: Option<Processor>,
    /// Type 34: hybrid-CPU core classes (P-cores, E-cores).
    pub core_classes: Option<Vec<CoreClass>>,
    /// Type 5: memory.
    pub memory: Option<Memory>,
    /// Type 3: CPUID vendor string, e.g. `GenuineIntel`.
    pub processor_manufacturer: Option<String>,
    /// Type 4: CPUID brand string (leading spaces kept).
    pub processor_model: Option<String>,
    /// Type 6, one per disk.
    pub disks: Vec<Disk>,
    /// Type 7, one per disk: `serial|product|vendor`, spaces kept (see [`DiskId`]).
    pub disk_serial_numbers: Vec<String>,
    /// Type 8, one per network adapter.
    pub network_adapters: Vec<NetworkAdapter>,
    /// Type 9, one per display.
    pub displays: Vec<Display>,
    /// Type 27: the panel size in centimetres (probably the EDID maximum image size).
    pub display_size_cm: Option<DisplaySizeCm>,
    /// Type 10: chassis, power role and digitizer.
    pub enclosure: Option<Enclosure>,
    /// Type 13: the TPM version string, e.g. `TPM-Version:2.0 -Level:0-Revision:1.38-...`.
    pub tpm_version: Option<String>,
    /// Type 25: the TPM endorsement key's RSA modulus (big-endian, 256 bytes).
    pub tpm_ek_public: Option<EkPublicKey>,
    /// Type 11: the offline device id.
    pub offline_device_id: Option<OfflineDeviceId>,
    /// Type 12: the SMBIOS system UUID.
    pub smbios_uuid: Option<SmbiosUuid>,
    /// Type 14: SMBIOS system serial number.
    pub serial_number: Option<String>,
    /// Type 15: SMBIOS firmware (BIOS) vendor.
    pub firmware_vendor: Option<String>,
    /// Type 16: SMBIOS system manufacturer.
    pub manufacturer: Option<String>,
    /// Type 17: SMBIOS system product name (the model).
    pub product_name: Option<String>,
    /// Type 18: SMBIOS SKU number.
    pub sku_number: Option<String>,
    /// Type 19: SMBIOS system family.
    pub system_family: Option<String>,
    /// Type 23: SMBIOS system version.
    pub system_version: Option<String>,
    /// Type 20: SMBIOS baseboard manufacturer.
    pub board_manufacturer: Option<String>,
    /// Type 21: SMBIOS baseboard product.
    pub board_product: Option<String>,
    /// Type 22: SMBIOS baseboard version.
    pub board_version: Option<String>,
    /// Type 24: the OEM product key id (13 digits).
    pub product_key_id: Option<String>,
    /// Type 26: the product key's part number, e.g. `[TH]X19-99481`.
    pub product_key_pkpn: Option<String>,
    /// Type 28, one per entry: the system disk's id as the kernel saw it at boot.
    pub disk_ssn_kernel: Vec<String>,
    /// Type 29, one per GPU.
    pub gpu_memory: Vec<GpuMemory>,
    /// Type 30, one per GPU, in the same order as `gpu_memory`.
    pub gpu_names: Vec<GpuName>,
    /// Types that are kept undecoded: type 35 (meaning unknown) and types never seen before.
    pub other_records: Vec<RawRecord>,
    /// Type 36: `language|locale|time zone|language packs|keyboard` (see [`LocaleInfo`]).
    pub locale: Option<String>,
    /// Type 37: the Windows activation (SPP) hardware-id block (see [`SppHwid`]).
    #[serde(serialize_with = "ser_opt_b64")]
    pub spp_hwid: Option<Vec<u8>>,
}

impl HardwareHash {
    /// The SMBIOS serial number, or `None` when absent, empty or a placeholder.
    pub fn serial(&self) -> Option<&str> {
        meaningful(self.serial_number.as_deref())
    }

    /// The SMBIOS system manufacturer, or `None` when absent, empty or a placeholder.
    pub fn manufacturer(&self) -> Option<&str> {
        meaningful(self.manufacturer.as_deref())
    }

    /// The SMBIOS product name (the device model), or `None` when absent or a placeholder.
    pub fn model(&self) -> Option<&str> {
        meaningful(self.product_name.as_deref())
    }

    /// The SMBIOS SKU number, or `None` when absent or a placeholder.
    pub fn sku(&self) -> Option<&str> {
        meaningful(self.sku_number.as_deref())
    }

    /// The SMBIOS system family, or `None` when absent or a placeholder.
    pub fn family(&self) -> Option<&str> {
        meaningful(self.system_family.as_deref())
    }

    /// SHA-256 of the TPM endorsement key modulus, when the hash carries one.
    pub fn ek_digest(&self) -> Option<[u8; 32]> {
        self.tpm_ek_public.as_ref().map(EkPublicKey::sha256)
    }

    /// The parsed TPM version string.
    pub fn tpm(&self) -> Option<TpmVersion<'_>> {
        self.tpm_version.as_deref().map(TpmVersion::parse)
    }

    /// The parsed type-36 language and locale record.
    pub fn locale_info(&self) -> Option<LocaleInfo<'_>> {
        self.locale.as_deref().map(LocaleInfo::parse)
    }

    /// The parsed SPP hardware-id block, when it is long enough to parse.
    pub fn spp_hwid_info(&self) -> Option<SppHwid> {
        self.spp_hwid.as_deref().and_then(SppHwid::parse)
    }
}

/// A string value with Windows' placeholder and blanks treated as absent.
fn meaningful(value: Option<&str>) -> Option<&str> {
    value
        .map(str::trim_ascii)
        .filter(|v| !v.is_empty() && !is_smbios_placeholder(v))
}

/// True for Windows' `SMBIOS_STRING_INDEX_<n>` stand-ins for strings the firmware left out.
pub fn is_smbios_placeholder(value: &str) -> bool {
    value
        .trim_ascii()
        .strip_prefix("SMBIOS_STRING_INDEX_")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// A Windows four-part version number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BuildNumber {
    pub major: u16,
    pub minor: u16,
    pub build: u16,
    pub revision: u16,
}

impl fmt::Display for BuildNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{}.{}.{}",
            self.major, self.minor, self.build, self.revision
        )
    }
}

impl Serialize for BuildNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Type 1: the tool and OS that captured the hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolInfo {
    /// ToolBuild: the build of the component that made the hash.
    pub tool_build: BuildNumber,
    /// OsBuild.
    pub os_build: BuildNumber,
    /// OsSystemTime as stored: seconds since 2000-01-01T00:00:00Z.
    pub system_time: u32,
    /// The local time zone as stored: signed, in 15-minute units.
    pub time_zone: i8,
    /// OSType: 2 = FullOS.
    pub os_type: u8,
    /// OsCpuArchitecture (`PROCESSOR_ARCHITECTURE_*`).
    pub os_architecture: u8,
    /// ToolVersion: follows the Windows build that made the hash (3, 5, 7, 8, 9 seen).
    pub tool_version: u8,
}

/// Seconds from the Unix epoch to 2000-01-01T00:00:00Z.
const EPOCH_2000: i64 = 946_684_800;
/// Time-zone values beyond ±14 h (56 quarter hours) are not real offsets.
pub(crate) const MAX_RELIABLE_TZ: i8 = 56;

impl ToolInfo {
    /// When the hash was captured (OsSystemTime), in UTC.
    pub fn capture_time(&self) -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH + Duration::seconds(EPOCH_2000 + i64::from(self.system_time))
    }

    /// Whether the stored time zone is a real UTC offset (within ±14 h).
    pub fn time_zone_reliable(&self) -> bool {
        (-MAX_RELIABLE_TZ..=MAX_RELIABLE_TZ).contains(&self.time_zone)
    }

    /// The capture time in the device's local time zone (OsLocalTime), when the zone is reliable.
    pub fn local_time(&self) -> Option<OffsetDateTime> {
        if !self.time_zone_reliable() {
            return None;
        }
        let offset = UtcOffset::from_whole_seconds(i32::from(self.time_zone) * 15 * 60).ok()?;
        Some(self.capture_time().to_offset(offset))
    }

    /// OSType as OA3Tool prints it.
    pub fn os_type_name(&self) -> Option<&'static str> {
        names::os_type(self.os_type)
    }
}

/// Type 2: processor topology.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Processor {
    /// `PROCESSOR_ARCHITECTURE_*` (9 = x64).
    pub architecture: u16,
    pub packages: u16,
    pub cores: u16,
    pub threads: u16,
    pub hyper_threading: bool,
}

/// Type 34 entry: a class of cores on a hybrid CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CoreClass {
    /// Windows' efficiency class: higher is faster (1 = P-cores, 0 = E-cores on Intel).
    pub efficiency_class: u8,
    pub cores: u16,
    pub threads: u16,
}

/// Type 5: memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Memory {
    /// TotalPhysicalRAM in GB.
    pub total_physical_ram_gb: u64,
    /// SmbiosRamMaximumCapacity in GB.
    pub maximum_capacity_gb: u64,
    /// SmbiosRamSlots.
    pub slots: u16,
    /// SmbiosRamArrayCount.
    pub array_count: u16,
    /// SmbiosRamErrorCorrection (SMBIOS type-16 enumeration; 3 = None).
    pub error_correction: u8,
}

/// Type 6: a disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Disk {
    /// DiskCapacity in GB.
    pub capacity_gb: u64,
    /// StorageBusType (`STORAGE_BUS_TYPE`; 17 = NVMe).
    pub storage_bus_type: u16,
    /// IncursSeekPenalty (0 on SSDs, 0xFF seen on virtual disks).
    pub incurs_seek_penalty: u8,
    /// TrimEnabled.
    pub trim_enabled: u8,
}

/// A type-7 or type-28 disk id split into its three `|`-separated parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiskId<'a> {
    pub serial: &'a str,
    pub product: &'a str,
    pub vendor: &'a str,
}

impl<'a> DiskId<'a> {
    /// Splits `serial|product|vendor`; missing parts are empty.
    pub fn parse(value: &'a str) -> Self {
        let mut parts = value.splitn(3, '|');
        DiskId {
            serial: parts.next().unwrap_or(""),
            product: parts.next().unwrap_or(""),
            vendor: parts.next().unwrap_or(""),
        }
    }
}

/// A MAC address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MacAddress(pub [u8; 6]);

impl fmt::Display for MacAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02X}:{b:02X}:{c:02X}:{d:02X}:{e:02X}:{g:02X}")
    }
}

impl Serialize for MacAddress {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Type 8: a network adapter.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkAdapter {
    /// PhysicalMedium (`NDIS_PHYSICAL_MEDIUM`; 14 = 802_3, 9 = Native802_11, 10 = Bluetooth).
    pub physical_medium: u32,
    pub mac_address: MacAddress,
    /// The bus the adapter sits on: `PCI`, `BTH`, `VMBUS`, ...
    pub bus: String,
}

/// Type 9: a display.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Display {
    pub width_mm: u16,
    pub height_mm: u16,
    pub resolution_horizontal: u16,
    pub resolution_vertical: u16,
    /// `D3DKMDT_VIDEO_OUTPUT_TECHNOLOGY` (0x80000000 = internal panel, 0xFFFFFFFF = other).
    pub output_technology: u32,
}

/// Type 27: panel size in centimetres; 0 or 0xFFFF when unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DisplaySizeCm {
    pub width_cm: u16,
    pub height_cm: u16,
}

/// Type 10: enclosure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Enclosure {
    /// ChassisType (SMBIOS type 3; 0x0A = Notebook).
    pub chassis_type: u8,
    /// PowerPlatformRole (`POWER_PLATFORM_ROLE`; 2 = Mobile).
    pub power_platform_role: u8,
    /// Byte 2: meaning unknown (1 on VMs and some laptops).
    pub unknown_byte2: u8,
    /// DigitizerSupportID (`SM_DIGITIZER` flags).
    pub digitizer_support: u8,
    /// Byte 4: meaning unknown (10 on a touch device; perhaps touch points).
    pub unknown_byte4: u8,
}

/// Type 25: the TPM endorsement key modulus.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EkPublicKey(pub Vec<u8>);

impl EkPublicKey {
    /// SHA-256 of the modulus: what a TPM_EK offline device id must equal.
    pub fn sha256(&self) -> [u8; 32] {
        Sha256::digest(&self.0).into()
    }
}

impl Serialize for EkPublicKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::text::encode_standard(&self.0))
    }
}

/// The kind of a type-11 offline device id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OfflineDeviceIdKind(pub u16);

impl OfflineDeviceIdKind {
    /// SHA-256 of the TPM endorsement key.
    pub const TPM_EK: Self = Self(0x0001);
    /// Named by decoders; not seen in a sample.
    pub const UEFI_VARIABLE_TPM: Self = Self(0x0102);
    /// Seen on TPM-less virtual machines; OA3Tool's name for it is unknown.
    pub const NO_TPM: Self = Self(0x0103);

    /// The name OA3Tool prints, where known.
    pub fn name(self) -> Option<&'static str> {
        match self {
            Self::TPM_EK => Some("TPM_EK"),
            Self::UEFI_VARIABLE_TPM => Some("UEFI_VARIABLE_TPM"),
            _ => None,
        }
    }
}

impl fmt::Display for OfflineDeviceIdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "0x{:04X}", self.0),
        }
    }
}

impl Serialize for OfflineDeviceIdKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Type 11: the offline device id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OfflineDeviceId {
    /// Status (OA3Tool prints `0x00000000`).
    pub status: u32,
    pub kind: OfflineDeviceIdKind,
    /// The digest length the record declares (32 in every sample).
    pub declared_length: u16,
    /// The u16 after the length (0 in every sample).
    pub reserved: u16,
    /// The id: SHA-256 of the EK modulus for `TPM_EK`, a random seed without a TPM.
    #[serde(serialize_with = "ser_b64")]
    pub id: [u8; 32],
}

/// Type 12: the SMBIOS system UUID, in SMBIOS wire order.
///
/// The first three fields are little-endian on the wire (Microsoft's GUID layout), so the text
/// form swaps them, as Windows prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct SmbiosUuid(pub [u8; 16]);

impl SmbiosUuid {
    /// True for UUIDs that firmware uses to mean "not set": all zeros, all ones, or the
    /// well-known AMI default `03000200-0400-0500-0006-000700080009`.
    pub fn is_placeholder(&self) -> bool {
        const AMI_DEFAULT: [u8; 16] = [0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8, 0, 9];
        self.0 == [0; 16] || self.0 == [0xFF; 16] || self.0 == AMI_DEFAULT
    }
}

impl fmt::Display for SmbiosUuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = &self.0;
        let order: [usize; 16] = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
        for (i, idx) in order.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{:02x}", b.get(*idx).copied().unwrap_or_default())?;
        }
        Ok(())
    }
}

impl Serialize for SmbiosUuid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Type 29: GPU memory and placement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GpuMemory {
    /// DedicatedVideoMemory in bytes.
    pub dedicated_video_memory: u64,
    /// DedicatedSystemMemory in bytes.
    pub dedicated_system_memory: u64,
    /// RemovalPolicy (`CM_REMOVAL_POLICY`; 1 = NoRemoval).
    pub removal_policy: u8,
    pub in_local_machine_container: bool,
}

/// Type 30: GPU manufacturer and model.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GpuName {
    pub manufacturer: String,
    pub model: String,
}

/// A record kept as raw bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RawRecord {
    pub record_type: u16,
    #[serde(serialize_with = "ser_b64")]
    pub value: Vec<u8>,
}

fn ser_b64<S: Serializer, T: AsRef<[u8]>>(bytes: &T, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::text::encode_standard(bytes.as_ref()))
}

fn ser_opt_b64<S: Serializer>(bytes: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
    match bytes {
        Some(b) => ser_b64(b, s),
        None => s.serialize_none(),
    }
}
