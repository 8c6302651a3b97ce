//! The encoder: a [`HardwareHash`] back into the 3000-byte binary and its 4000-character base64,
//! with records in the order Windows writes them and a valid checksum.

use sha2::{Digest, Sha256};

use crate::model::HardwareHash;
use crate::{CHECKSUM_RECORD_LEN, HASH_LEN, MAX_PAYLOAD_LEN, text};

/// Why a [`HardwareHash`] cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// The records do not fit in 3000 bytes with the checksum.
    #[error("the records take {payload_length} bytes; at most {MAX_PAYLOAD_LEN} fit in a hash")]
    TooLarge { payload_length: usize },
    /// A value cannot be stored in its record.
    #[error("{field}: {problem}")]
    BadValue {
        field: &'static str,
        problem: &'static str,
    },
}

/// Encodes to the 4000-character standard base64 form Windows produces.
pub fn encode(hash: &HardwareHash) -> Result<String, EncodeError> {
    Ok(text::encode_standard(&encode_bytes(hash)?))
}

/// Encodes to the 3000-byte binary form.
pub fn encode_bytes(hash: &HardwareHash) -> Result<Vec<u8>, EncodeError> {
    let mut w = Writer {
        buf: Vec::with_capacity(HASH_LEN),
    };
    w.buf.extend_from_slice(b"OA\0\0");
    let h = hash;

    if let Some(t) = &h.tool {
        w.record(1, |v| {
            for b in [t.tool_build, t.os_build] {
                for part in [b.minor, b.major, b.revision, b.build] {
                    v.extend_from_slice(&part.to_le_bytes());
                }
            }
            v.extend_from_slice(&t.system_time.to_le_bytes());
            v.extend_from_slice(&t.time_zone.to_le_bytes());
            v.extend_from_slice(&[t.os_type, t.os_architecture, t.tool_version]);
        })?;
    }
    if let Some(p) = &h.processor {
        w.record(2, |v| {
            for n in [p.architecture, p.packages, p.cores, p.threads] {
                v.extend_from_slice(&n.to_le_bytes());
            }
            v.extend_from_slice(&[u8::from(p.hyper_threading), 0, 0, 0]);
        })?;
    }
    if let Some(classes) = &h.core_classes {
        let count = u8::try_from(classes.len()).map_err(|_| EncodeError::BadValue {
            field: "coreClasses",
            problem: "more than 255 core classes",
        })?;
        w.record(34, |v| {
            v.push(count);
            for c in classes {
                v.push(c.efficiency_class);
                v.extend_from_slice(&c.cores.to_le_bytes());
                v.extend_from_slice(&c.threads.to_le_bytes());
            }
        })?;
    }
    if let Some(m) = &h.memory {
        w.record(5, |v| {
            v.extend_from_slice(&m.total_physical_ram_gb.to_le_bytes());
            v.extend_from_slice(&m.maximum_capacity_gb.to_le_bytes());
            v.extend_from_slice(&m.slots.to_le_bytes());
            v.extend_from_slice(&m.array_count.to_le_bytes());
            v.push(m.error_correction);
        })?;
    }
    if let Some(s) = &h.processor_manufacturer {
        w.fixed_string(3, "processorManufacturer", s, 13)?;
    }
    if let Some(s) = &h.processor_model {
        w.fixed_string(4, "processorModel", s, 48)?;
    }
    for d in &h.disks {
        w.record(6, |v| {
            v.extend_from_slice(&d.capacity_gb.to_le_bytes());
            v.extend_from_slice(&d.storage_bus_type.to_le_bytes());
            v.extend_from_slice(&[d.incurs_seek_penalty, d.trim_enabled]);
        })?;
    }
    for s in &h.disk_serial_numbers {
        w.record(7, |v| v.extend_from_slice(s.as_bytes()))?;
    }
    for n in &h.network_adapters {
        let bus: Vec<u8> = n
            .bus
            .encode_utf16()
            .chain([0])
            .flat_map(u16::to_le_bytes)
            .collect();
        let bus_len = u32::try_from(bus.len()).map_err(|_| too_large())?;
        w.record(8, |v| {
            v.extend_from_slice(&n.physical_medium.to_le_bytes());
            v.extend_from_slice(&n.mac_address.0);
            v.extend_from_slice(&bus_len.to_le_bytes());
            v.extend_from_slice(&bus);
        })?;
    }
    for d in &h.displays {
        w.record(9, |v| {
            for n in [
                d.width_mm,
                d.height_mm,
                d.resolution_horizontal,
                d.resolution_vertical,
            ] {
                v.extend_from_slice(&n.to_le_bytes());
            }
            v.extend_from_slice(&d.output_technology.to_le_bytes());
        })?;
    }
    if let Some(cm) = &h.display_size_cm {
        w.record(27, |v| {
            v.extend_from_slice(&cm.width_cm.to_le_bytes());
            v.extend_from_slice(&cm.height_cm.to_le_bytes());
        })?;
    }
    if let Some(e) = &h.enclosure {
        w.record(10, |v| {
            v.extend_from_slice(&[
                e.chassis_type,
                e.power_platform_role,
                e.unknown_byte2,
                e.digitizer_support,
                e.unknown_byte4,
            ]);
        })?;
    }
    w.nul_string(13, "tpmVersion", h.tpm_version.as_deref())?;
    if let Some(ek) = &h.tpm_ek_public {
        if ek.0.len() != 256 {
            return Err(EncodeError::BadValue {
                field: "tpmEkPublic",
                problem: "the EK modulus must be 256 bytes (RSA-2048)",
            });
        }
        w.record(25, |v| v.extend_from_slice(&ek.0))?;
    }
    if let Some(o) = &h.offline_device_id {
        w.record(11, |v| {
            v.extend_from_slice(&o.status.to_le_bytes());
            v.extend_from_slice(&o.kind.0.to_le_bytes());
            v.extend_from_slice(&o.declared_length.to_le_bytes());
            v.extend_from_slice(&o.reserved.to_le_bytes());
            v.extend_from_slice(&o.id);
        })?;
    }
    if let Some(u) = &h.smbios_uuid {
        w.record(12, |v| v.extend_from_slice(&u.0))?;
    }
    let smbios: [(u16, &'static str, &Option<String>); 10] = [
        (14, "serialNumber", &h.serial_number),
        (15, "firmwareVendor", &h.firmware_vendor),
        (16, "manufacturer", &h.manufacturer),
        (17, "productName", &h.product_name),
        (18, "skuNumber", &h.sku_number),
        (19, "systemFamily", &h.system_family),
        (23, "systemVersion", &h.system_version),
        (20, "boardManufacturer", &h.board_manufacturer),
        (21, "boardProduct", &h.board_product),
        (22, "boardVersion", &h.board_version),
    ];
    for (record_type, field, value) in smbios {
        w.nul_string(record_type, field, value.as_deref())?;
    }
    w.nul_string(24, "productKeyId", h.product_key_id.as_deref())?;
    w.nul_string(26, "productKeyPkpn", h.product_key_pkpn.as_deref())?;
    for s in &h.disk_ssn_kernel {
        w.nul_string(28, "diskSsnKernel", Some(s))?;
    }
    for g in &h.gpu_memory {
        w.record(29, |v| {
            v.extend_from_slice(&g.dedicated_video_memory.to_le_bytes());
            v.extend_from_slice(&g.dedicated_system_memory.to_le_bytes());
            v.extend_from_slice(&[g.removal_policy, u8::from(g.in_local_machine_container)]);
        })?;
    }
    for g in &h.gpu_names {
        w.record(30, |v| {
            let text = format!("{}|{}", g.manufacturer, g.model);
            v.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        })?;
    }
    for r in &h.other_records {
        w.record(r.record_type, |v| v.extend_from_slice(&r.value))?;
    }
    if let Some(s) = &h.locale {
        w.record(36, |v| v.extend_from_slice(s.as_bytes()))?;
    }
    if let Some(block) = &h.spp_hwid {
        let n = u32::try_from(block.len()).map_err(|_| too_large())?;
        w.record(37, |v| {
            v.extend_from_slice(&n.to_le_bytes());
            v.extend_from_slice(block);
        })?;
    }

    let payload_length = w.buf.len();
    if payload_length > MAX_PAYLOAD_LEN {
        return Err(EncodeError::TooLarge { payload_length });
    }
    let p = u16::try_from(payload_length).map_err(|_| EncodeError::TooLarge { payload_length })?;
    if let Some(slot) = w.buf.get_mut(2..4) {
        slot.copy_from_slice(&p.to_le_bytes());
    }
    let digest = Sha256::digest(&w.buf);
    w.buf.extend_from_slice(b"CS");
    w.buf.extend_from_slice(
        &u16::try_from(CHECKSUM_RECORD_LEN)
            .unwrap_or(36)
            .to_le_bytes(),
    );
    w.buf.extend_from_slice(&digest);
    w.buf.resize(HASH_LEN, 0);
    Ok(w.buf)
}

fn too_large() -> EncodeError {
    EncodeError::TooLarge {
        payload_length: usize::MAX,
    }
}

struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    /// Appends one record whose value `fill` writes.
    fn record(
        &mut self,
        record_type: u16,
        fill: impl FnOnce(&mut Vec<u8>),
    ) -> Result<(), EncodeError> {
        let start = self.buf.len();
        self.buf.extend_from_slice(&record_type.to_le_bytes());
        self.buf.extend_from_slice(&[0, 0]);
        fill(&mut self.buf);
        let length = self.buf.len() - start;
        if start + length > MAX_PAYLOAD_LEN {
            return Err(EncodeError::TooLarge {
                payload_length: start + length,
            });
        }
        let length = u16::try_from(length).map_err(|_| too_large())?;
        if let Some(slot) = self.buf.get_mut(start + 2..start + 4) {
            slot.copy_from_slice(&length.to_le_bytes());
        }
        Ok(())
    }

    /// A NUL-terminated string record (types 13-24, 26, 28); nothing when `value` is `None`.
    fn nul_string(
        &mut self,
        record_type: u16,
        field: &'static str,
        value: Option<&str>,
    ) -> Result<(), EncodeError> {
        let Some(value) = value else { return Ok(()) };
        if value.contains('\0') {
            return Err(EncodeError::BadValue {
                field,
                problem: "a string stored NUL-terminated cannot contain NUL",
            });
        }
        self.record(record_type, |v| {
            v.extend_from_slice(value.as_bytes());
            v.push(0);
        })
    }

    /// A NUL-padded fixed-size buffer (types 3 and 4).
    fn fixed_string(
        &mut self,
        record_type: u16,
        field: &'static str,
        value: &str,
        size: usize,
    ) -> Result<(), EncodeError> {
        if value.contains('\0') {
            return Err(EncodeError::BadValue {
                field,
                problem: "a CPUID string cannot contain NUL",
            });
        }
        // Type 3 always keeps its terminating NUL; type 4 may fill all 48 bytes.
        let max = if record_type == 3 { size - 1 } else { size };
        if value.len() > max {
            return Err(EncodeError::BadValue {
                field,
                problem: "too long for its fixed-size CPUID buffer",
            });
        }
        self.record(record_type, |v| {
            let start = v.len();
            v.extend_from_slice(value.as_bytes());
            v.resize(start + size, 0);
        })
    }
}
