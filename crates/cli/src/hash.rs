//! `autopilot-graph hash inspect` and `autopilot-graph hash generate`.

use std::fmt::Write as _;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use autopilot_hwhash::{
    DecodeError, DecodeOptions, Decoded, DiskId, OfflineDeviceIdKind, SyntheticDevice, names,
};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::csvfile;
use crate::output::{Out, error_line};

#[derive(Debug, Subcommand)]
pub enum HashCommand {
    /// Decode and validate hardware hashes: a summary of the device, or JSON.
    ///
    /// Exit status: 0 when every hash is valid, 1 when one is not (the reason goes to standard
    /// error), 2 on a usage or I/O error.
    Inspect(InspectArgs),
    /// Print synthetic, valid hardware hashes for tests, demos and labs.
    ///
    /// Everything but the given fields is derived from them and --seed, so the same arguments
    /// give the same devices (apart from the capture time, which defaults to now).
    Generate(GenerateArgs),
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["hash", "csv"])))]
pub struct InspectArgs {
    /// The hash as base64 text, `@FILE` to read it from a file, or `-` for standard input.
    hash: Option<String>,
    /// Inspect the hash of every row of an Autopilot CSV (UTF-16 or UTF-8 with or without BOM,
    /// or ANSI).
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// Print JSON instead of a summary.
    #[arg(long)]
    json: bool,
    /// Accept hashes that are not exactly 3000 bytes and keep malformed records raw, with
    /// warnings, instead of rejecting them.
    #[arg(long)]
    lenient: bool,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// SMBIOS system manufacturer.
    #[arg(long)]
    manufacturer: String,
    /// SMBIOS product name (the model).
    #[arg(long)]
    model: String,
    /// SMBIOS serial number. With --count above 1, `{n}` in it is replaced by a zero-padded
    /// counter, or the counter is appended (DEMO -> DEMO0001, DEMO0002, ...).
    #[arg(long)]
    serial: String,
    /// How many devices.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    count: u32,
    /// SMBIOS SKU number.
    #[arg(long)]
    sku: Option<String>,
    /// SMBIOS system family.
    #[arg(long)]
    family: Option<String>,
    /// Make TPM-less devices (like virtual machines without a vTPM).
    #[arg(long)]
    no_tpm: bool,
    /// Mixed into every derived value: another seed gives other devices with the same serials.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Capture time stored in the hashes (RFC 3339); default: now.
    #[arg(long, value_name = "TIME")]
    captured_at: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Lines)]
    format: Format,
    /// Group tag for the CSV format's `Group Tag` column.
    #[arg(long)]
    group_tag: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    /// One hash per line.
    Lines,
    /// An Autopilot CSV (UTF-8), ready for import.
    Csv,
    /// A JSON array of `{serialNumber, hardwareIdentifier}` objects.
    Json,
}

pub fn run(command: HashCommand) -> Result<ExitCode> {
    match command {
        HashCommand::Inspect(args) => inspect(&args),
        HashCommand::Generate(args) => generate(&args),
    }
}

fn inspect(args: &InspectArgs) -> Result<ExitCode> {
    let options = DecodeOptions {
        lenient: args.lenient,
    };
    let mut out = Out::new();
    let valid = match (&args.hash, &args.csv) {
        (_, Some(path)) => inspect_csv(path, options, args.json, &mut out)?,
        (Some(source), None) => {
            let text = read_source(source)?;
            let result = autopilot_hwhash::decode_with(&text, options);
            if args.json {
                out.json(&result_json(&result))?;
            } else if let Ok(decoded) = &result {
                out.line(summary(decoded))?;
            }
            if let Err(err) = &result {
                error_line(&format!("invalid hardware hash: {err}"));
            }
            result.is_ok()
        }
        (None, None) => bail!("give a hash, @FILE, - or --csv FILE"),
    };
    out.flush()?;
    Ok(if valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The hash text from an argument: literal, `@FILE`, or `-` for standard input.
fn read_source(source: &str) -> Result<String> {
    if source == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading standard input")?;
        Ok(text)
    } else if let Some(path) = source.strip_prefix('@') {
        let bytes = std::fs::read(path).with_context(|| format!("reading {path}"))?;
        Ok(csvfile::decode_text(&bytes).0)
    } else {
        Ok(source.to_owned())
    }
}

fn inspect_csv(
    path: &std::path::Path,
    options: DecodeOptions,
    as_json: bool,
    out: &mut Out,
) -> Result<bool> {
    let file = csvfile::read(path)?;
    let mut rows_json = Vec::new();
    let mut invalid = 0usize;
    if !as_json {
        out.line(format!(
            "{}: {} row(s), {}{}",
            path.display(),
            file.rows.len(),
            file.encoding.name(),
            if file.bom { " with BOM" } else { "" }
        ))?;
    }
    for row in &file.rows {
        let result = autopilot_hwhash::decode_with(&row.hardware_hash, options);
        let mismatch = result.as_ref().ok().and_then(|d| {
            let hash_serial = d.serial()?;
            (!row.serial_number.is_empty() && !row.serial_number.eq_ignore_ascii_case(hash_serial))
                .then(|| {
                    format!(
                        "the CSV serial {:?} differs from the hash's SMBIOS serial {hash_serial:?}",
                        row.serial_number
                    )
                })
        });
        if let Err(err) = &result {
            invalid += 1;
            error_line(&format!(
                "{}:{}: serial {:?}: invalid hardware hash: {err}",
                path.display(),
                row.line,
                row.serial_number
            ));
        }
        if as_json {
            let mut value = result_json(&result);
            if let Some(object) = value.as_object_mut() {
                object.insert("line".into(), json!(row.line));
                object.insert("csvSerialNumber".into(), json!(row.serial_number));
                object.insert("serialMismatch".into(), json!(mismatch));
            }
            rows_json.push(value);
            continue;
        }
        out.line("")?;
        match &result {
            Ok(decoded) => {
                out.line(format!(
                    "── line {}: serial {} ──",
                    row.line, row.serial_number
                ))?;
                out.line(summary(decoded))?;
                if let Some(mismatch) = mismatch {
                    out.line(format!("  ! {mismatch}"))?;
                }
            }
            Err(err) => out.line(format!(
                "── line {}: serial {} ── INVALID: {err}",
                row.line, row.serial_number
            ))?,
        }
    }
    let valid = file.rows.len() - invalid;
    if as_json {
        out.json(&json!({
            "file": path.display().to_string(),
            "encoding": file.encoding.name(),
            "bom": file.bom,
            "valid": valid,
            "invalid": invalid,
            "rows": rows_json,
        }))?;
    } else {
        out.line("")?;
        out.line(format!("{valid} valid, {invalid} invalid"))?;
    }
    Ok(invalid == 0)
}

fn result_json(result: &Result<Decoded, DecodeError>) -> Value {
    match result {
        Ok(d) => json!({
            "valid": true,
            "identity": d.hardware_identity(),
            "decoded": d,
        }),
        Err(err) => json!({
            "valid": false,
            "truncated": err.is_truncated(),
            "error": err,
        }),
    }
}

/// The human-readable summary of a decoded hash.
pub fn summary(d: &Decoded) -> String {
    let mut s = String::new();
    let title = match (d.manufacturer(), d.model()) {
        (Some(m), Some(p)) => format!("{m} {p}"),
        (Some(m), None) => m.to_owned(),
        (None, Some(p)) => p.to_owned(),
        (None, None) => "Unknown device".to_owned(),
    };
    let _ = writeln!(s, "{title}: valid hardware hash");
    let mut row = |label: &str, value: String| {
        let _ = writeln!(s, "  {label:<16} {value}");
    };
    let show = |v: &Option<String>| match v.as_deref() {
        None => "(absent)".to_owned(),
        Some(v) if autopilot_hwhash::is_smbios_placeholder(v) => format!("(not set: {v})"),
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
    s.truncate(s.trim_end().len());
    s
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn generate(args: &GenerateArgs) -> Result<ExitCode> {
    let captured_at = match &args.captured_at {
        Some(text) => OffsetDateTime::parse(text, &Rfc3339)
            .with_context(|| format!("--captured-at {text:?} is not an RFC 3339 time"))?,
        None => OffsetDateTime::now_utc(),
    };
    let width = args.count.to_string().len().max(4);
    let mut out = Out::new();
    let mut json_rows = Vec::new();
    if matches!(args.format, Format::Csv) {
        let mut header = "Device Serial Number,Windows Product ID,Hardware Hash".to_owned();
        if args.group_tag.is_some() {
            header.push_str(",Group Tag");
        }
        out.line(header)?;
    }
    for n in 1..=args.count {
        let serial = if args.count == 1 {
            args.serial.clone()
        } else if args.serial.contains("{n}") {
            args.serial.replace("{n}", &format!("{n:0width$}"))
        } else {
            format!("{}{n:0width$}", args.serial)
        };
        let device = SyntheticDevice {
            sku: args.sku.clone(),
            family: args.family.clone(),
            tpm: !args.no_tpm,
            seed: args.seed,
            captured_at,
            ..SyntheticDevice::new(&args.manufacturer, &args.model, &serial)
        };
        let hash = autopilot_hwhash::encode(&device.build())
            .with_context(|| format!("device {serial:?} does not fit in a hardware hash"))?;
        match args.format {
            Format::Lines => out.line(&hash)?,
            Format::Csv => {
                if serial.contains([',', '"', '\r', '\n']) {
                    bail!(
                        "serial {serial:?} cannot be written to an Autopilot CSV (no commas or quotes allowed)"
                    );
                }
                let mut line = format!("{serial},,{hash}");
                if let Some(tag) = &args.group_tag {
                    line.push(',');
                    line.push_str(tag);
                }
                out.line(line)?;
            }
            Format::Json => json_rows.push(json!({
                "serialNumber": serial,
                "hardwareIdentifier": hash,
            })),
        }
    }
    if matches!(args.format, Format::Json) {
        out.json(&json_rows)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
