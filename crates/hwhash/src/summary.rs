//! The summary `hash inspect` prints and the console shows: a decoded hash's facts, labelled,
//! in reading order. Pure formatting, no I/O.

use std::fmt::Write as _;

use time::format_description::well_known::Rfc3339;

use crate::{Decoded, DiskId, OfflineDeviceIdKind, names};

/// What `hash inspect` shows of a valid hash: a title, then labelled facts in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The manufacturer and model.
    pub title: String,
    /// Label and value, in the order a person reads them.
    pub rows: Vec<(String, String)>,
}

/// The summary of a decoded hash.
pub fn summary(d: &Decoded) -> Summary {
    let mut rows: Vec<(String, String)> = Vec::new();
    let title = match (d.manufacturer(), d.model()) {
        (Some(m), Some(p)) => format!("{m} {p}"),
        (Some(m), None) => m.to_owned(),
        (None, Some(p)) => p.to_owned(),
        (None, None) => "Unknown device".to_owned(),
    };
    let mut row = |label: &str, value: String| rows.push((label.to_owned(), value));
    let show = |v: &Option<String>| match v.as_deref() {
        None => "(absent)".to_owned(),
        Some(v) if crate::is_smbios_placeholder(v) => format!("(not set: {v})"),
        Some(v) => v.to_owned(),
    };
    row("Manufacturer", show(&d.manufacturer));
    row("Model", show(&d.product_name));
    row("Serial number", show(&d.serial_number));
    row("SKU", show(&d.sku_number));
    row("Family", show(&d.system_family));
    if let Some(version) = &d.system_version {
        row("System version", show(&Some(version.clone())));
    }
    row(
        "SMBIOS UUID",
        d.smbios_uuid
            .map_or("(absent)".to_owned(), |u| u.to_string()),
    );
    row(
        "Identity",
        d.hardware_identity()
            .map_or("(none: no serial, UUID or offline id)".to_owned(), |i| {
                i.key()
            }),
    );
    if let Some(t) = &d.tool {
        let utc = t
            .capture_time()
            .format(&Rfc3339)
            .unwrap_or_else(|_| "?".to_owned());
        let local = t.local_time().map_or(String::new(), |l| {
            format!(
                " (local {})",
                l.format(&Rfc3339).unwrap_or_else(|_| "?".to_owned())
            )
        });
        row("Captured", format!("{utc}{local}"));
        row(
            "Captured by",
            format!(
                "tool {} (ToolVersion {}) on Windows {}, {} {}",
                t.tool_build,
                t.tool_version,
                t.os_build,
                t.os_type_name().unwrap_or("OSType ?"),
                names::architecture(t.os_architecture.into()).unwrap_or("?")
            ),
        );
    }
    if let Some(p) = &d.processor {
        let model = d
            .processor_model
            .as_deref()
            .map(str::trim)
            .unwrap_or("(model absent)");
        let mut text = format!(
            "{model}; {} package(s), {} cores, {} threads",
            p.packages, p.cores, p.threads
        );
        if let Some(classes) = &d.core_classes {
            let parts: Vec<String> = classes
                .iter()
                .map(|c| format!("class {}: {}C/{}T", c.efficiency_class, c.cores, c.threads))
                .collect();
            let _ = write!(text, " ({})", parts.join(", "));
        }
        row("Processor", text);
    }
    if let Some(m) = &d.memory {
        row(
            "Memory",
            format!(
                "{} GB (maximum {} GB, {} slot(s), ECC {})",
                m.total_physical_ram_gb,
                m.maximum_capacity_gb,
                m.slots,
                names::error_correction(m.error_correction).unwrap_or("?")
            ),
        );
    }
    match d.tpm() {
        Some(tpm) => row(
            "TPM",
            format!(
                "{}, vendor {}, revision {}, firmware {}",
                tpm.version, tpm.vendor_id, tpm.revision, tpm.firmware
            ),
        ),
        None => row("TPM", "none".to_owned()),
    }
    if let Some(digest) = d.ek_digest() {
        row("TPM EK SHA-256", hex(&digest));
    }
    if let Some(o) = &d.offline_device_id {
        let check = match (o.kind, d.ek_digest()) {
            (OfflineDeviceIdKind::TPM_EK, Some(ek)) if ek == o.id => " (matches the EK)",
            (OfflineDeviceIdKind::TPM_EK, Some(_)) => " (does NOT match the EK)",
            _ => "",
        };
        row("Offline id", format!("{} {}{check}", o.kind, hex(&o.id)));
    }
    for (i, disk) in d.disks.iter().enumerate() {
        let id = d
            .disk_serial_numbers
            .get(i)
            .map(|id| DiskId::parse(id))
            .map_or(String::new(), |id| {
                format!(", {} serial {}", id.product.trim(), id.serial.trim())
            });
        row(
            &format!("Disk {}", i + 1),
            format!(
                "{} GB {}{id}",
                disk.capacity_gb,
                names::storage_bus(disk.storage_bus_type).unwrap_or("bus ?")
            ),
        );
    }
    if d.disks.is_empty() {
        for id in &d.disk_ssn_kernel {
            let id = DiskId::parse(id);
            row(
                "System disk",
                format!("{} serial {}", id.product.trim(), id.serial.trim()),
            );
        }
    }
    for (i, nic) in d.network_adapters.iter().enumerate() {
        row(
            &format!("NIC {}", i + 1),
            format!(
                "{} {} ({})",
                names::physical_medium(nic.physical_medium).unwrap_or("medium ?"),
                nic.mac_address,
                nic.bus
            ),
        );
    }
    for (i, display) in d.displays.iter().enumerate() {
        row(
            &format!("Display {}", i + 1),
            format!(
                "{}x{}, {}x{} mm{}",
                display.resolution_horizontal,
                display.resolution_vertical,
                display.width_mm,
                display.height_mm,
                names::output_technology(display.output_technology)
                    .map_or(String::new(), |t| format!(", {t}"))
            ),
        );
    }
    for (i, name) in d.gpu_names.iter().enumerate() {
        let memory = d.gpu_memory.get(i).map_or(String::new(), |m| {
            format!(", {} MiB", m.dedicated_video_memory >> 20)
        });
        row(
            &format!("GPU {}", i + 1),
            format!("{} {}{memory}", name.manufacturer, name.model),
        );
    }
    if let Some(e) = &d.enclosure {
        row(
            "Chassis",
            format!(
                "{}, {} power role, digitizer {}",
                names::chassis(e.chassis_type).unwrap_or("type ?"),
                names::power_platform_role(e.power_platform_role).unwrap_or("?"),
                names::digitizer(e.digitizer_support)
            ),
        );
    }
    if d.product_key_id.is_some() || d.product_key_pkpn.is_some() {
        row(
            "Product key",
            format!(
                "ID {}, part {}",
                d.product_key_id.as_deref().unwrap_or("-"),
                d.product_key_pkpn.as_deref().unwrap_or("-")
            ),
        );
    }
    if let Some(l) = d.locale_info() {
        row(
            "Locale",
            format!(
                "{}, locale {}, time zone {}, keyboard {}",
                l.os_default_language,
                l.default_system_locale,
                l.os_default_time_zone,
                l.keyboard_code
            ),
        );
    }
    row(
        "Structure",
        format!(
            "{} records in a {}-byte payload of {} bytes, SHA-256 checksum OK",
            d.records.len(),
            d.payload_length,
            d.binary_length
        ),
    );
    if d.warnings.is_empty() {
        row("Warnings", "none".to_owned());
    } else {
        for w in &d.warnings {
            row("Warning", w.to_string());
        }
    }
    Summary { title, rows }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
