//! The strings of records (UTF-8, NUL-terminated, UTF-16), and the checks made across
//! records once all are read.

use super::*;

pub(super) fn utf8(bytes: &[u8], offset: usize, record_type: u16) -> Result<String, DecodeError> {
    std::str::from_utf8(bytes)
        .map(String::from)
        .map_err(|_| DecodeError::InvalidString {
            offset,
            record_type,
            problem: "string is not valid UTF-8",
        })
}

pub(super) fn nul_string(
    value: &[u8],
    offset: usize,
    record_type: u16,
) -> Result<String, DecodeError> {
    let Some((&0, text)) = value.split_last() else {
        return Err(DecodeError::StringNotTerminated {
            offset,
            record_type,
        });
    };
    // A fold rather than `contains`: these strings are short, and a call to memchr costs more
    // than the scan.
    if text.iter().fold(false, |nul, &b| nul | (b == 0)) {
        return Err(DecodeError::InvalidString {
            offset,
            record_type,
            problem: "string holds a NUL before its end",
        });
    }
    utf8(text, offset, record_type)
}

/// How many UTF-16 units are narrowed on the stack (a NIC bus name or a GPU name).
pub(super) const UTF16_ON_STACK: usize = 128;

/// UTF-16LE text. It is nearly always short ASCII: then its low bytes are the text, narrowed into
/// `narrow` without allocating.
pub(super) fn utf16<'n>(
    bytes: &[u8],
    narrow: &'n mut [u8; UTF16_ON_STACK],
    offset: usize,
    record_type: u16,
) -> Result<Cow<'n, str>, DecodeError> {
    let invalid = || DecodeError::InvalidString {
        offset,
        record_type,
        problem: "string is not valid UTF-16",
    };
    let units = bytes.len() / 2;
    if units <= UTF16_ON_STACK {
        // One branch-free pass: copy the low bytes and collect every bit that is not ASCII.
        let mut other = 0u8;
        for (to, unit) in narrow.iter_mut().zip(bytes.chunks_exact(2)) {
            let (lo, hi) = (unit.first().copied(), unit.get(1).copied());
            let (lo, hi) = (lo.unwrap_or_default(), hi.unwrap_or_default());
            other |= hi | (lo & 0x80);
            *to = lo;
        }
        if other == 0 {
            let ascii = narrow.get(..units).unwrap_or_default();
            return std::str::from_utf8(ascii)
                .map(Cow::Borrowed)
                .map_err(|_| invalid());
        }
    }
    let units = bytes.chunks_exact(2).map(|w| match *w {
        [a, b] => u16::from_le_bytes([a, b]),
        _ => 0,
    });
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .map(Cow::Owned)
        .map_err(|_| invalid())
}

/// Cross-record checks: all findings here are warnings.
pub(super) fn check_consistency(
    h: &HardwareHash,
    ek_digest: Option<[u8; 32]>,
    warnings: &mut Vec<Warning>,
) {
    match &h.tool {
        None => warnings.push(Warning::MissingToolInfo),
        Some(tool) => {
            if !matches!(tool.tool_version, 3 | 5 | 7 | 8 | 9) {
                warnings.push(Warning::UnknownToolVersion {
                    version: tool.tool_version,
                });
            }
            if tool.os_type != 2 {
                warnings.push(Warning::UnexpectedOsType {
                    os_type: tool.os_type,
                });
            }
            if !tool.time_zone_reliable() {
                warnings.push(Warning::UnreliableTimeZone {
                    raw: tool.time_zone,
                });
            }
        }
    }

    if let Some(odid) = &h.offline_device_id {
        if odid.declared_length != 32 {
            warnings.push(Warning::OfflineDeviceIdLength {
                declared: odid.declared_length,
            });
        }
        if odid.kind == OfflineDeviceIdKind::TPM_EK {
            match ek_digest {
                Some(digest) if digest != odid.id => {
                    warnings.push(Warning::OfflineDeviceIdMismatch);
                }
                Some(_) => {}
                None => warnings.push(Warning::OfflineDeviceIdUnverifiable),
            }
        }
    }

    let smbios = [
        ("SmbiosSystemSerialNumber", &h.serial_number),
        ("SmbiosFirmwareVendor", &h.firmware_vendor),
        ("SmbiosSystemManufacturer", &h.manufacturer),
        ("SmbiosSystemProductName", &h.product_name),
        ("SmbiosSkuNumber", &h.sku_number),
        ("SmbiosSystemFamily", &h.system_family),
        ("SmbiosBoardManufacturer", &h.board_manufacturer),
        ("SmbiosBoardProduct", &h.board_product),
        ("SmbiosBoardVersion", &h.board_version),
        ("SmbiosSystemVersion", &h.system_version),
    ];
    for (field, value) in smbios {
        if value.as_deref().is_some_and(is_smbios_placeholder) {
            warnings.push(Warning::SmbiosPlaceholder { field });
        }
    }
    if let Some(serial) = h.serial().filter(|s| identity::is_generic_serial(s)) {
        warnings.push(Warning::GenericSerial {
            value: serial.to_owned(),
        });
    }

    if h.gpu_memory.len() != h.gpu_names.len() {
        warnings.push(Warning::GpuCountMismatch {
            memory: h.gpu_memory.len(),
            names: h.gpu_names.len(),
        });
    }

    if let (Some(classes), Some(cpu)) = (&h.core_classes, &h.processor) {
        let cores: u32 = classes.iter().map(|c| u32::from(c.cores)).sum();
        let threads: u32 = classes.iter().map(|c| u32::from(c.threads)).sum();
        if cores != u32::from(cpu.cores) || threads != u32::from(cpu.threads) {
            warnings.push(Warning::CoreClassMismatch);
        }
    }

    if let Some(block) = &h.spp_hwid
        && !SppHwid::is_consistent(block)
    {
        warnings.push(Warning::SppHwidInconsistent);
    }

    if let (Some(cm), [display]) = (&h.display_size_cm, h.displays.as_slice()) {
        let sane = |v: u16| v != 0 && v != u16::MAX;
        let close = |mm: u16, cm: u16| (i32::from(mm) - i32::from(cm) * 10).abs() <= 10;
        if sane(cm.width_cm)
            && sane(cm.height_cm)
            && sane(display.width_mm)
            && sane(display.height_mm)
            && !(close(display.width_mm, cm.width_cm) && close(display.height_mm, cm.height_cm))
        {
            warnings.push(Warning::DisplaySizeMismatch);
        }
    }
}
