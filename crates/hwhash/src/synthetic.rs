//! Synthetic devices: complete, valid hashes made from a few fields, for tests, demo data and
//! labs. Everything not given is derived deterministically from the given fields and a seed, so
//! the same inputs always give the same device, and different serials give different UUIDs,
//! MAC addresses, disks and TPM keys.
//!
//! Nothing here can collide with real hardware by accident: MAC addresses are locally
//! administered (`02:…`), the UUID is a random-style v4 UUID, and the TPM vendor is `SYNT`.

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::model::{
    BuildNumber, Disk, Display, DisplaySizeCm, EkPublicKey, Enclosure, GpuMemory, GpuName,
    HardwareHash, MacAddress, Memory, NetworkAdapter, OfflineDeviceId, OfflineDeviceIdKind,
    Processor, SmbiosUuid, SppHwid, ToolInfo,
};

/// The fields a synthetic device is made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticDevice {
    pub manufacturer: String,
    pub model: String,
    pub serial: String,
    /// SMBIOS SKU; none by default.
    pub sku: Option<String>,
    /// SMBIOS family; none by default.
    pub family: Option<String>,
    /// Whether the device has a TPM 2.0 (EK, TPM_EK offline id). Without one it gets the
    /// TPM-less offline id kind that virtual machines show.
    pub tpm: bool,
    /// Mixed into every derived value: change it to get another device with the same serial.
    pub seed: u64,
    /// The capture time stored in the hash.
    pub captured_at: OffsetDateTime,
}

impl SyntheticDevice {
    /// A device with a TPM, captured at 2026-01-01T00:00:00Z, seed 0.
    pub fn new(
        manufacturer: impl Into<String>,
        model: impl Into<String>,
        serial: impl Into<String>,
    ) -> Self {
        SyntheticDevice {
            manufacturer: manufacturer.into(),
            model: model.into(),
            serial: serial.into(),
            sku: None,
            family: None,
            tpm: true,
            seed: 0,
            captured_at: time::macros::datetime!(2026-01-01 00:00:00 UTC),
        }
    }

    /// The full inventory of the device.
    pub fn build(&self) -> HardwareHash {
        let mut rng = Stream::new(self);
        let seconds = self.captured_at.unix_timestamp() - 946_684_800;
        let system_time = u32::try_from(seconds.max(0)).unwrap_or(u32::MAX);
        let mac = |rng: &mut Stream| {
            let mut m: [u8; 6] = rng.array();
            m[0] = 0x02; // locally administered, unicast
            MacAddress(m)
        };
        let disk_serial = format!(
            "{}_{}_{}_{}.",
            rng.hex(2),
            rng.hex(2),
            rng.hex(2),
            rng.hex(2)
        );
        let disk_id = format!("{disk_serial}|SYNTHETIC NVME SSD 512GB|");
        let mut uuid: [u8; 16] = rng.array();
        uuid[7] = (uuid[7] & 0x0F) | 0x40; // version 4 (field 3 is little-endian on the wire)
        uuid[8] = (uuid[8] & 0x3F) | 0x80; // RFC 4122 variant

        let (tpm_version, tpm_ek_public, offline_device_id) = if self.tpm {
            let mut modulus = rng.bytes(256);
            if let Some(first) = modulus.first_mut() {
                *first |= 0x80; // a 2048-bit modulus has its top bit set
            }
            let ek = EkPublicKey(modulus);
            let odid = OfflineDeviceId {
                status: 0,
                kind: OfflineDeviceIdKind::TPM_EK,
                declared_length: 32,
                reserved: 0,
                id: ek.sha256(),
            };
            (
                Some("TPM-Version:2.0 -Level:0-Revision:1.59-VendorID:'SYNT'-Firmware:1.0".into()),
                Some(ek),
                odid,
            )
        } else {
            let odid = OfflineDeviceId {
                status: 0,
                kind: OfflineDeviceIdKind::NO_TPM,
                declared_length: 32,
                reserved: 0,
                id: rng.array(),
            };
            (None, None, odid)
        };

        // Instance counts: disk controllers, disks, displays, bluetooth, audio, NICs, CPUs.
        let instances: [u16; 9] = [0, 1, 1, 1, 1, 1, 0, 2, 1];
        let total: usize = instances.iter().map(|&n| usize::from(n)).sum();
        let size = u16::try_from(SppHwid::HEADER_LEN + 2 * total).unwrap_or(0);
        let mut spp = Vec::with_capacity(usize::from(size));
        for word in [size, 0].into_iter().chain(instances) {
            spp.extend_from_slice(&word.to_le_bytes());
        }
        spp.extend_from_slice(&[0, 0]); // no dock
        spp.extend(rng.bytes(4 + 2 * total)); // RAM hash, BIOS hash, instance hashes

        HardwareHash {
            tool: Some(ToolInfo {
                tool_build: BuildNumber {
                    major: 10,
                    minor: 0,
                    build: 26100,
                    revision: 7705,
                },
                os_build: BuildNumber {
                    major: 10,
                    minor: 0,
                    build: 26100,
                    revision: 7705,
                },
                system_time,
                time_zone: 0,
                os_type: 2,
                os_architecture: 9,
                tool_version: 9,
            }),
            processor: Some(Processor {
                architecture: 9,
                packages: 1,
                cores: 8,
                threads: 16,
                hyper_threading: true,
            }),
            core_classes: None,
            memory: Some(Memory {
                total_physical_ram_gb: 16,
                maximum_capacity_gb: 64,
                slots: 2,
                array_count: 1,
                error_correction: 3,
            }),
            processor_manufacturer: Some("GenuineIntel".into()),
            processor_model: Some("Synthetic CPU @ 2.40GHz".into()),
            disks: vec![Disk {
                capacity_gb: 512,
                storage_bus_type: 17,
                incurs_seek_penalty: 0,
                trim_enabled: 1,
            }],
            disk_serial_numbers: vec![disk_id.clone()],
            network_adapters: vec![
                NetworkAdapter {
                    physical_medium: 14,
                    mac_address: mac(&mut rng),
                    bus: "PCI".into(),
                },
                NetworkAdapter {
                    physical_medium: 9,
                    mac_address: mac(&mut rng),
                    bus: "PCI".into(),
                },
            ],
            displays: vec![Display {
                width_mm: 309,
                height_mm: 174,
                resolution_horizontal: 1920,
                resolution_vertical: 1080,
                output_technology: 0x8000_0000,
            }],
            display_size_cm: Some(DisplaySizeCm {
                width_cm: 31,
                height_cm: 17,
            }),
            enclosure: Some(Enclosure {
                chassis_type: 0x0A,
                power_platform_role: 2,
                unknown_byte2: 0,
                digitizer_support: 0,
                unknown_byte4: 0,
            }),
            tpm_version,
            tpm_ek_public,
            offline_device_id: Some(offline_device_id),
            smbios_uuid: Some(SmbiosUuid(uuid)),
            serial_number: Some(self.serial.as_str().into()),
            firmware_vendor: Some(self.manufacturer.as_str().into()),
            manufacturer: Some(self.manufacturer.as_str().into()),
            product_name: Some(self.model.as_str().into()),
            sku_number: self.sku.as_deref().map(Into::into),
            system_family: self.family.as_deref().map(Into::into),
            system_version: None,
            board_manufacturer: Some(self.manufacturer.as_str().into()),
            board_product: Some(self.model.as_str().into()),
            board_version: None,
            product_key_id: None,
            product_key_pkpn: None,
            disk_ssn_kernel: vec![disk_id],
            gpu_memory: vec![GpuMemory {
                dedicated_video_memory: 128 << 20,
                dedicated_system_memory: 0,
                removal_policy: 1,
                in_local_machine_container: true,
            }],
            gpu_names: vec![GpuName {
                manufacturer: "Synthetic Graphics".into(),
                model: "Synthetic Display Adapter".into(),
            }],
            other_records: Vec::new(),
            locale: Some("en-US|en-US|UTC|en-US|0409:00000409".into()),
            spp_hwid: Some(spp),
        }
    }
}

/// A deterministic byte stream: SHA-256 in counter mode over the device's fields.
struct Stream {
    key: [u8; 32],
    counter: u64,
    block: [u8; 32],
    used: usize,
}

impl Stream {
    fn new(device: &SyntheticDevice) -> Self {
        let mut h = Sha256::new();
        for part in [&device.manufacturer, &device.model, &device.serial] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        h.update(device.seed.to_le_bytes());
        Stream {
            key: h.finalize().into(),
            counter: 0,
            block: [0; 32],
            used: 32,
        }
    }

    fn next_byte(&mut self) -> u8 {
        if self.used == self.block.len() {
            let mut h = Sha256::new();
            h.update(self.key);
            h.update(self.counter.to_le_bytes());
            self.block = h.finalize().into();
            self.counter += 1;
            self.used = 0;
        }
        let b = self.block.get(self.used).copied().unwrap_or_default();
        self.used += 1;
        b
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_byte()).collect()
    }

    fn array<const N: usize>(&mut self) -> [u8; N] {
        std::array::from_fn(|_| self.next_byte())
    }

    fn hex(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| format!("{:02X}", self.next_byte()))
            .collect()
    }
}
