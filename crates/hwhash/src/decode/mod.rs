//! Decoding and validation, in the order of the format notes (text, container, records,
//! consistency). The first failed check is the error; later findings become warnings.

use std::borrow::Cow;

use sha2::{Digest, Sha256};

use crate::error::{DecodeError, Warning};
use crate::model::{
    BuildNumber, CoreClass, Disk, Display, DisplaySizeCm, EkPublicKey, Enclosure, GpuMemory,
    GpuName, HardwareHash, MacAddress, Memory, NetworkAdapter, OfflineDeviceId,
    OfflineDeviceIdKind, Processor, RawRecord, SmbiosUuid, SppHwid, ToolInfo,
    is_smbios_placeholder,
};
use crate::{CHECKSUM_RECORD_LEN, HASH_LEN, identity, text};

mod strings;
mod walk;
use strings::{UTF16_ON_STACK, check_consistency, nul_string, utf8, utf16};
use walk::{Blockwise, EK_MODULUS_LEN, u16_le, walk};

/// How strictly to judge a hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DecodeOptions {
    /// Accept what strict decoding rejects but can still be read: a hash that is not exactly
    /// 3000 bytes (as long as the checksum record fits), known records of the wrong size (kept
    /// raw) and malformed strings (kept, lossily). Each such finding becomes a warning.
    /// Framing, magic and checksum errors stay fatal.
    pub lenient: bool,
}

/// Where a record sits in the decoded bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordSpan {
    pub record_type: u16,
    /// Offset of the record header (records sit below the u16 payload length).
    pub offset: u16,
    /// Length including the 4-byte header.
    pub length: u16,
}

/// A successfully decoded hash: its content, its layout, and what was suspicious about it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Decoded {
    pub hash: HardwareHash,
    /// P: the offset just past the last record (where the checksum record starts).
    pub payload_length: usize,
    /// Length of the decoded bytes (3000 unless decoded leniently).
    pub binary_length: usize,
    /// The records in the order they appear.
    pub records: Vec<RecordSpan>,
    /// Findings that do not invalidate the hash.
    pub warnings: Vec<Warning>,
}

impl std::ops::Deref for Decoded {
    type Target = HardwareHash;
    fn deref(&self) -> &HardwareHash {
        &self.hash
    }
}

/// Decodes and validates a hash given as base64 text (strict).
pub fn decode(text: &str) -> Result<Decoded, DecodeError> {
    decode_with(text, DecodeOptions::default())
}

/// Decodes and validates a hash given as base64 text.
pub fn decode_with(text: &str, options: DecodeOptions) -> Result<Decoded, DecodeError> {
    // A real hash decodes into the stack; only unusual text takes the allocating path.
    let mut stack = [0u8; HASH_LEN];
    if let Some(n) = text::decode_fast(text, &mut stack) {
        return decode_bytes_with(stack.get(..n).unwrap_or_default(), options);
    }
    let mut bytes = Vec::new();
    text::decode_slow(text, &mut bytes)?;
    decode_bytes_with(&bytes, options)
}

/// Decodes and validates a hash given as its binary form (strict).
pub fn decode_bytes(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    decode_bytes_with(bytes, DecodeOptions::default())
}

/// Decodes and validates a hash given as its binary form.
pub fn decode_bytes_with(bytes: &[u8], options: DecodeOptions) -> Result<Decoded, DecodeError> {
    let mut warnings = Vec::new();

    // Magic before length: an input that does not start with "OA" is not a hash at all, and
    // saying so helps more than "wrong length" (Graph's own docs use a placeholder value).
    let magic = bytes.get(..2).unwrap_or(bytes);
    if bytes.len() >= 2 && magic != b"OA" {
        return Err(DecodeError::BadMagic {
            found: magic.to_vec(),
        });
    }
    if bytes.len() < 4 || (!options.lenient && bytes.len() != HASH_LEN) {
        return Err(DecodeError::WrongLength {
            actual: bytes.len(),
        });
    }
    if bytes.len() != HASH_LEN {
        warnings.push(Warning::UnusualLength {
            actual: bytes.len(),
        });
    }

    let payload_end = usize::from(u16_le(bytes, 2));
    if payload_end <= 4 || payload_end + CHECKSUM_RECORD_LEN > bytes.len() {
        return Err(DecodeError::PayloadLengthOutOfBounds {
            payload_length: payload_end,
            buffer_length: bytes.len(),
        });
    }
    let payload = bytes.get(..payload_end).unwrap_or_default();
    let records = walk(payload)?;

    let trailer = bytes
        .get(payload_end..payload_end + CHECKSUM_RECORD_LEN)
        .unwrap_or_default();
    let (tag, digest) = trailer.split_at(4);
    if tag != [b'C', b'S', 36, 0] {
        return Err(DecodeError::MissingChecksum {
            offset: payload_end,
            found: tag.to_vec(),
        });
    }

    let padding_start = payload_end + CHECKSUM_RECORD_LEN;
    let padding = bytes.get(padding_start..).unwrap_or_default();
    // OR-folding vectorises; the byte-by-byte search runs only when something is there.
    if padding.iter().fold(0, |acc, &b| acc | b) != 0 {
        let first = padding.iter().position(|&b| b != 0).unwrap_or_default();
        warnings.push(Warning::NonZeroPadding {
            offset: padding_start + first,
            count: padding.iter().filter(|&&b| b != 0).count(),
        });
    }

    // Parse straight into the result, so the (large) inventory is never moved.
    let mut decoded = Decoded {
        hash: HardwareHash::default(),
        payload_length: payload_end,
        binary_length: bytes.len(),
        records,
        warnings,
    };
    let mut parser = RecordParser {
        hash: &mut decoded.hash,
        warnings: &mut decoded.warnings,
        lenient: options.lenient,
        seen: 0,
    };

    // The checksum is checked before any record is judged, but it is computed while the records
    // are read: SHA-256 spends most of its time waiting on its own previous round, and the
    // parsing between its blocks runs in that shadow. The EK modulus, hashed to check the
    // offline device id, is fed the same way. A record's error waits for the checksum's verdict.
    let value = |span: &RecordSpan| {
        let offset = usize::from(span.offset);
        payload
            .get(offset + 4..offset + usize::from(span.length))
            .unwrap_or_default()
    };
    let ek = decoded
        .records
        .iter()
        .find(|span| span.record_type == 25)
        .map(value)
        .filter(|ek| ek.len() == EK_MODULUS_LEN);
    let mut checksum = Blockwise::new(payload);
    let mut ek_digest = ek.map(Blockwise::new);
    let mut failed = None;
    for span in &decoded.records {
        checksum.step();
        if let Some(ek) = &mut ek_digest {
            ek.step();
        }
        if failed.is_none()
            && let Err(err) = parser.record(span.record_type, usize::from(span.offset), value(span))
        {
            failed = Some(err);
        }
    }
    let computed = checksum.finish();
    if digest != computed {
        let mut stored = [0u8; 32];
        stored.copy_from_slice(digest);
        return Err(DecodeError::ChecksumMismatch {
            payload_end,
            stored,
            computed,
        });
    }
    if let Some(err) = failed {
        return Err(err);
    }
    // The digest is of the first type-25 record, which is the key the inventory kept (a
    // repeated record is ignored, and one of the wrong size is not a key).
    let ek_digest = ek_digest
        .map(Blockwise::finish)
        .filter(|_| decoded.hash.tpm_ek_public.is_some());
    check_consistency(&decoded.hash, ek_digest, &mut decoded.warnings);
    Ok(decoded)
}

/// Little-endian reads from a value whose size has been checked.
struct Fields<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Fields<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Fields { bytes, at: 0 }
    }
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        if let Some(src) = self.bytes.get(self.at..self.at + N) {
            out.copy_from_slice(src);
        }
        self.at += N;
        out
    }
    fn u8(&mut self) -> u8 {
        u8::from_le_bytes(self.take())
    }
    fn i8(&mut self) -> i8 {
        i8::from_le_bytes(self.take())
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.take())
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take())
    }
    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.take())
    }
    fn build(&mut self) -> BuildNumber {
        let minor = self.u16();
        let major = self.u16();
        let revision = self.u16();
        let build = self.u16();
        BuildNumber {
            major,
            minor,
            build,
            revision,
        }
    }
    fn rest(&self) -> &'a [u8] {
        self.bytes.get(self.at..).unwrap_or_default()
    }
}

struct RecordParser<'a> {
    hash: &'a mut HardwareHash,
    warnings: &'a mut Vec<Warning>,
    lenient: bool,
    /// Bit n set when singleton type n has been seen.
    seen: u64,
}

/// Types that may appear once.
fn is_singleton(record_type: u16) -> bool {
    matches!(record_type, 1..=5 | 10..=27 | 34..=37)
}

impl RecordParser<'_> {
    fn record(&mut self, record_type: u16, offset: usize, value: &[u8]) -> Result<(), DecodeError> {
        if is_singleton(record_type) {
            let bit = 1u64 << record_type;
            if self.seen & bit != 0 {
                self.warnings.push(Warning::RepeatedRecord {
                    record_type,
                    offset,
                });
                return Ok(());
            }
            self.seen |= bit;
        }
        match self.parse(record_type, offset, value) {
            Ok(()) => Ok(()),
            Err(err) if self.lenient => {
                self.salvage(record_type, value);
                self.warnings.push(Warning::RecordUndecodable {
                    record_type,
                    reason: err.to_string(),
                });
                Ok(())
            }
            Err(err) => Err(err),
        }
    }

    /// Lenient mode: keep a malformed string's text, and anything else as raw bytes.
    fn salvage(&mut self, record_type: u16, value: &[u8]) {
        let text = String::from_utf8_lossy(value)
            .trim_end_matches('\0')
            .to_owned();
        if let Some(slot) = self.string_slot(record_type) {
            *slot = Some(text);
        } else if matches!(record_type, 7 | 28) {
            self.list_slot(record_type).push(text);
        } else {
            self.hash.other_records.push(RawRecord {
                record_type,
                value: value.to_vec(),
            });
        }
    }

    fn string_slot(&mut self, record_type: u16) -> Option<&mut Option<String>> {
        let h = &mut *self.hash;
        Some(match record_type {
            13 => &mut h.tpm_version,
            14 => &mut h.serial_number,
            15 => &mut h.firmware_vendor,
            16 => &mut h.manufacturer,
            17 => &mut h.product_name,
            18 => &mut h.sku_number,
            19 => &mut h.system_family,
            20 => &mut h.board_manufacturer,
            21 => &mut h.board_product,
            22 => &mut h.board_version,
            23 => &mut h.system_version,
            24 => &mut h.product_key_id,
            26 => &mut h.product_key_pkpn,
            36 => &mut h.locale,
            3 => &mut h.processor_manufacturer,
            4 => &mut h.processor_model,
            _ => return None,
        })
    }

    fn list_slot(&mut self, record_type: u16) -> &mut Vec<String> {
        if record_type == 7 {
            &mut self.hash.disk_serial_numbers
        } else {
            &mut self.hash.disk_ssn_kernel
        }
    }

    fn parse(&mut self, record_type: u16, offset: usize, value: &[u8]) -> Result<(), DecodeError> {
        let size = |expected: &'static str| DecodeError::RecordSize {
            offset,
            record_type,
            actual: value.len(),
            expected,
        };
        let fixed = |n: usize, expected: &'static str| {
            if value.len() == n {
                Ok(Fields::new(value))
            } else {
                Err(size(expected))
            }
        };
        let h = &mut *self.hash;
        match record_type {
            1 => {
                let mut f = fixed(24, "24")?;
                h.tool = Some(ToolInfo {
                    tool_build: f.build(),
                    os_build: f.build(),
                    system_time: f.u32(),
                    time_zone: f.i8(),
                    os_type: f.u8(),
                    os_architecture: f.u8(),
                    tool_version: f.u8(),
                });
            }
            2 => {
                let mut f = fixed(12, "12")?;
                h.processor = Some(Processor {
                    architecture: f.u16(),
                    packages: f.u16(),
                    cores: f.u16(),
                    threads: f.u16(),
                    hyper_threading: f.u8() != 0,
                });
            }
            3 | 4 => {
                let n = if record_type == 3 { 13 } else { 48 };
                let f = fixed(n, if record_type == 3 { "13" } else { "48" })?;
                let text = f.rest().split(|&b| b == 0).next().unwrap_or_default();
                let text = utf8(text, offset, record_type)?;
                *self.string_slot(record_type).unwrap_or(&mut None) = Some(text);
            }
            5 => {
                let mut f = fixed(21, "21")?;
                h.memory = Some(Memory {
                    total_physical_ram_gb: f.u64(),
                    maximum_capacity_gb: f.u64(),
                    slots: f.u16(),
                    array_count: f.u16(),
                    error_correction: f.u8(),
                });
            }
            6 => {
                let mut f = fixed(12, "12")?;
                h.disks.push(Disk {
                    capacity_gb: f.u64(),
                    storage_bus_type: f.u16(),
                    incurs_seek_penalty: f.u8(),
                    trim_enabled: f.u8(),
                });
            }
            7 | 36 => {
                let text = utf8(value, offset, record_type)?;
                if record_type == 7 {
                    h.disk_serial_numbers.push(text);
                } else {
                    h.locale = Some(text);
                }
            }
            8 => {
                let expected = "14 plus the even length of its bus name";
                if value.len() < 14 {
                    return Err(size(expected));
                }
                let mut f = Fields::new(value);
                let physical_medium = f.u32();
                let mac_address = MacAddress(f.take());
                let n = usize::try_from(f.u32()).unwrap_or(usize::MAX);
                if value.len() != 14usize.saturating_add(n) || !n.is_multiple_of(2) {
                    return Err(size(expected));
                }
                let mut narrow = [0u8; UTF16_ON_STACK];
                let bus = utf16(f.rest(), &mut narrow, offset, record_type)?;
                h.network_adapters.push(NetworkAdapter {
                    physical_medium,
                    mac_address,
                    bus: bus.strip_suffix('\0').unwrap_or(&bus).to_owned(),
                });
            }
            9 => {
                let mut f = fixed(12, "12")?;
                h.displays.push(Display {
                    width_mm: f.u16(),
                    height_mm: f.u16(),
                    resolution_horizontal: f.u16(),
                    resolution_vertical: f.u16(),
                    output_technology: f.u32(),
                });
            }
            10 => {
                let mut f = fixed(5, "5")?;
                h.enclosure = Some(Enclosure {
                    chassis_type: f.u8(),
                    power_platform_role: f.u8(),
                    unknown_byte2: f.u8(),
                    digitizer_support: f.u8(),
                    unknown_byte4: f.u8(),
                });
            }
            11 => {
                let mut f = fixed(42, "42")?;
                h.offline_device_id = Some(OfflineDeviceId {
                    status: f.u32(),
                    kind: OfflineDeviceIdKind(f.u16()),
                    declared_length: f.u16(),
                    reserved: f.u16(),
                    id: f.take(),
                });
            }
            12 => {
                let mut f = fixed(16, "16")?;
                h.smbios_uuid = Some(SmbiosUuid(f.take()));
            }
            13..=24 | 26 | 28 => {
                let text = nul_string(value, offset, record_type)?;
                if record_type == 28 {
                    h.disk_ssn_kernel.push(text);
                } else if let Some(slot) = self.string_slot(record_type) {
                    *slot = Some(text);
                }
            }
            25 => {
                fixed(256, "256")?;
                h.tpm_ek_public = Some(EkPublicKey(value.to_vec()));
            }
            27 => {
                let mut f = fixed(4, "4")?;
                h.display_size_cm = Some(DisplaySizeCm {
                    width_cm: f.u16(),
                    height_cm: f.u16(),
                });
            }
            29 => {
                let mut f = fixed(18, "18")?;
                h.gpu_memory.push(GpuMemory {
                    dedicated_video_memory: f.u64(),
                    dedicated_system_memory: f.u64(),
                    removal_policy: f.u8(),
                    in_local_machine_container: f.u8() != 0,
                });
            }
            30 => {
                if !value.len().is_multiple_of(2) {
                    return Err(size("an even number (UTF-16)"));
                }
                let mut narrow = [0u8; UTF16_ON_STACK];
                let name = utf16(value, &mut narrow, offset, record_type)?;
                let (manufacturer, model) = name.split_once('|').unwrap_or(("", &name));
                let (manufacturer, model) = (manufacturer.to_owned(), model.to_owned());
                h.gpu_names.push(GpuName {
                    manufacturer,
                    model,
                });
            }
            34 => {
                let mut f = Fields::new(value);
                let count = usize::from(f.u8());
                if value.len() != 1 + 5 * count {
                    return Err(size("1 + 5 per core class"));
                }
                let classes = (0..count)
                    .map(|_| CoreClass {
                        efficiency_class: f.u8(),
                        cores: f.u16(),
                        threads: f.u16(),
                    })
                    .collect();
                h.core_classes = Some(classes);
            }
            37 => {
                let mut f = Fields::new(value);
                let n = usize::try_from(f.u32()).unwrap_or(usize::MAX);
                if value.len() < 4 || value.len() - 4 != n {
                    return Err(size("4 plus the block length it declares"));
                }
                h.spp_hwid = Some(f.rest().to_vec());
            }
            35 => h.other_records.push(RawRecord {
                record_type,
                value: value.to_vec(),
            }),
            _ => {
                h.other_records.push(RawRecord {
                    record_type,
                    value: value.to_vec(),
                });
                self.warnings.push(Warning::UnknownRecordType {
                    record_type,
                    offset,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
