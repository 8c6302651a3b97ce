//! `autopilot-graph hash inspect` and `autopilot-graph hash generate`.

use std::fmt::Write as _;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use autopilot_hwhash::{DecodeError, DecodeOptions, Decoded, SyntheticDevice};
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
    let summary = autopilot_hwhash::summary(d);
    let mut s = format!("{}: valid hardware hash\n", summary.title);
    for (label, value) in &summary.rows {
        let _ = writeln!(s, "  {label:<16} {value}");
    }
    s.truncate(s.trim_end().len());
    s
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
