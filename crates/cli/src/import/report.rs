//! What `import` says at the end: the report (a table, JSON or CSV, with totals) and the
//! failed rows written back as a CSV to fix and import again.

use anyhow::{Context, Result};
use serde_json::{Value, json};

use super::{ImportArgs, Line, Outcome};
use crate::output::error_line;

/// Totals by outcome.
fn totals(lines: &[Line]) -> Value {
    let count = |o: Outcome| lines.iter().filter(|l| l.outcome == o).count();
    json!({
        "rows": lines.len(),
        "registered": count(Outcome::Registered),
        "failed": count(Outcome::Failed),
        "invalid": count(Outcome::Invalid),
        "unknown": count(Outcome::Unknown) + count(Outcome::Processing),
        "ready": count(Outcome::Ready),
    })
}

fn outcome_name(o: Outcome) -> &'static str {
    match o {
        Outcome::Ready => "ready",
        Outcome::Processing => "processing",
        Outcome::Registered => "registered",
        Outcome::Failed => "failed",
        Outcome::Invalid => "invalid",
        Outcome::Unknown => "unknown",
    }
}

pub(super) fn report(args: &ImportArgs, lines: &[Line]) -> Result<()> {
    let mut out = crate::output::Out::new();
    match args.output.as_str() {
        "json" => out.json(&json!({ "lines": lines, "totals": totals(lines) }))?,
        "csv" => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record([
                "file",
                "line",
                "serialNumber",
                "outcome",
                "errorCode",
                "errorName",
                "message",
                "registeredDeviceId",
            ])?;
            for l in lines {
                w.write_record([
                    l.file.as_str(),
                    &l.line.to_string(),
                    &l.serial_number,
                    outcome_name(l.outcome),
                    &l.error_code.to_string(),
                    &l.error_name,
                    &l.message,
                    &l.registered_device_id,
                ])?;
            }
            out.raw(&w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?)?;
        }
        _ => {
            let width = lines
                .iter()
                .map(|l| l.file.len() + l.line.to_string().len() + 1)
                .max()
                .unwrap_or(4)
                .max(4);
            let serial = lines
                .iter()
                .map(|l| l.serial_number.len())
                .max()
                .unwrap_or(6)
                .max(6);
            out.line(format!(
                "{:width$}  {:serial$}  {:10}  {:>4}  {:30}  {}",
                "LINE", "SERIAL", "OUTCOME", "CODE", "NAME", "DEVICE ID / MESSAGE"
            ))?;
            for l in lines {
                let place = format!("{}:{}", l.file, l.line);
                let detail = if l.registered_device_id.is_empty() {
                    l.message.as_str()
                } else {
                    l.registered_device_id.as_str()
                };
                let code = if l.error_code == 0 {
                    String::new()
                } else {
                    l.error_code.to_string()
                };
                out.line(format!(
                    "{place:width$}  {:serial$}  {:10}  {code:>4}  {:30}  {detail}",
                    l.serial_number,
                    outcome_name(l.outcome),
                    l.error_name
                ))?;
            }
            let t = totals(lines);
            out.line(format!(
                "{} rows: {} registered, {} failed, {} invalid (not sent), {} unknown{}",
                t["rows"],
                t["registered"],
                t["failed"],
                t["invalid"],
                t["unknown"],
                if t["ready"].as_u64().unwrap_or(0) > 0 {
                    format!(", {} ready (dry run)", t["ready"])
                } else {
                    String::new()
                }
            ))?;
        }
    }
    out.flush()?;
    write_failures(args, lines)
}

/// The failed rows as an Autopilot CSV, ready to fix and import again.
fn write_failures(args: &ImportArgs, lines: &[Line]) -> Result<()> {
    let failed: Vec<&Line> = lines.iter().filter(|l| l.outcome.failed()).collect();
    if failed.is_empty() || args.dry_run && args.failures.is_none() {
        return Ok(());
    }
    let path = args.failures.clone().unwrap_or_else(|| {
        let first = &args.files[0];
        let stem = first
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("import");
        first.with_file_name(format!("{stem}.failed.csv"))
    });
    let text = autopilot_csv::failures_csv(failed.iter().map(|l| &l.row));
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    error_line(&format!("failed rows written to {}", path.display()));
    Ok(())
}
