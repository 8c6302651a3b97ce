//! `autopilot-graph import`: Autopilot CSV files into Intune's Graph API (our server or the
//! real one). Everything is checked offline first; valid rows go in batches through the
//! `import` action; the records are then polled until decided, with progress; the report names
//! every line.
//!
//! Exit codes: 0 every row registered, 1 some rows failed, 2 invalid input or usage, 3 transport
//! or authentication failure, 130 interrupted (Ctrl-C).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Args;
use serde::Serialize;

use autopilot_csv::{CsvRow, Verdict};

use crate::csvfile;
use crate::graph::{Graph, GraphFailure};
use crate::output::error_line;

mod report;
mod send;
use report::report;

/// Options of `import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Autopilot CSV files (UTF-16 or UTF-8, with or without BOM, or ANSI; CRLF or LF).
    #[arg(required = true, value_name = "FILE.csv")]
    pub files: Vec<PathBuf>,

    #[command(flatten)]
    pub graph: crate::graph::GraphArgs,

    /// Apply the Intune portal's rules exactly: the documented header (case-sensitive), no
    /// quotation marks, no extra columns, at most 500 rows; a file that breaks one, or holds an
    /// invalid hash or a duplicate, is refused whole (exit 2).
    #[arg(long)]
    pub strict: bool,

    /// Check everything offline and report; send nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Devices per `import` call.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=500))]
    pub batch_size: u32,

    /// `import` calls in flight at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=16))]
    pub concurrency: u32,

    /// The group tag for every device, in place of the files' own.
    #[arg(long)]
    pub group_tag: Option<String>,

    /// How long to wait for the records to be decided.
    #[arg(long, default_value = "30m", value_parser = autopilot_domain::delay::parse_duration)]
    pub timeout: time::Duration,

    /// Delete the imported records at the end (the registered devices stay), as
    /// `Import-AutopilotCSV` does.
    #[arg(long)]
    pub cleanup: bool,

    /// The report's format: a table for people, JSON or CSV for programs.
    #[arg(long, default_value = "table", value_parser = ["table", "json", "csv"])]
    pub output: String,

    /// Where to write the failed rows as a CSV to fix and import again. Default:
    /// `<first file>.failed.csv`, written only when rows failed.
    #[arg(long, value_name = "FILE.csv")]
    pub failures: Option<PathBuf>,
}

/// One CSV line and what became of it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct Line {
    file: String,
    line: u64,
    serial_number: String,
    outcome: Outcome,
    error_code: i32,
    error_name: String,
    message: String,
    registered_device_id: String,
    #[serde(skip)]
    row: CsvRow,
    /// The imported record's id, once sent.
    #[serde(skip)]
    record_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
enum Outcome {
    /// Valid offline, not sent yet (or `--dry-run`).
    Ready,
    /// Sent; the service is deciding.
    Processing,
    Registered,
    /// Rejected by the service (802, 806, 808, duplicate) or by the `import` call.
    Failed,
    /// Not sent: the hash is invalid or the hardware is in the files twice.
    Invalid,
    /// Sent, but the outcome is unknown (timeout, interruption, lost connection).
    Unknown,
}

impl Outcome {
    fn failed(self) -> bool {
        matches!(self, Outcome::Failed | Outcome::Invalid | Outcome::Unknown)
    }
}

fn file_label(path: &Path) -> String {
    path.display().to_string()
}

/// Reads every file and checks every row offline (`autopilot_csv::check`).
fn check_offline(args: &ImportArgs) -> Result<(Vec<Line>, Vec<String>), ExitCode> {
    let mut files = Vec::new();
    for path in &args.files {
        let label = file_label(path);
        match csvfile::read(path) {
            Ok(file) => files.push((label, file)),
            Err(e) => {
                error_line(&format!("{label}: {e:#}"));
                return Err(ExitCode::from(2));
            }
        }
    }
    let checked = autopilot_csv::check(&files);
    let problems = checked
        .problems
        .iter()
        .map(|p| format!("{}:{}: {}", files[p.file].0, p.line, p.message))
        .collect();
    let lines = checked
        .rows
        .into_iter()
        .map(|checked| {
            let message = checked.message();
            let (outcome, error_code, error_name) = match checked.verdict {
                Verdict::Ready => (Outcome::Ready, 0, String::new()),
                Verdict::Invalid { code, name, .. } => (Outcome::Invalid, code, name.to_owned()),
            };
            Line {
                file: files[checked.file].0.clone(),
                line: checked.row.line,
                serial_number: checked.row.serial_number.clone(),
                outcome,
                error_code,
                error_name,
                message,
                registered_device_id: String::new(),
                row: checked.row,
                record_id: None,
            }
        })
        .collect();
    Ok((lines, problems))
}

/// `autopilot-graph import`.
pub fn run(args: ImportArgs) -> Result<ExitCode> {
    let (mut lines, problems) = match check_offline(&args) {
        Ok(checked) => checked,
        Err(code) => return Ok(code),
    };
    let invalid: Vec<&Line> = lines
        .iter()
        .filter(|l| l.outcome == Outcome::Invalid)
        .collect();
    for problem in &problems {
        error_line(&format!(
            "{problem}{}",
            if args.strict {
                ""
            } else {
                " (the portal would refuse this; read anyway)"
            }
        ));
    }
    if args.strict && (!problems.is_empty() || !invalid.is_empty()) {
        for line in &invalid {
            error_line(&format!(
                "{}:{}: {} {}: {}",
                line.file, line.line, line.error_code, line.error_name, line.message
            ));
        }
        error_line("--strict: refused; nothing was sent");
        return Ok(ExitCode::from(2));
    }
    if lines.is_empty() {
        error_line("the files hold no devices");
        return Ok(ExitCode::from(2));
    }
    if args.dry_run {
        report(&args, &lines)?;
        return Ok(exit_code(&lines, false));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let transport_failed = runtime.block_on(send_and_follow(&args, &mut lines))?;
    report(&args, &lines)?;
    if let Some(code) = transport_failed {
        return Ok(code);
    }
    Ok(exit_code(&lines, false))
}

fn exit_code(lines: &[Line], interrupted: bool) -> ExitCode {
    if interrupted {
        ExitCode::from(130)
    } else if lines.iter().any(|l| l.outcome.failed()) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Sends the valid rows, follows them until decided, cleans up if asked. `Some(code)` when the
/// run ended on a transport or authentication failure, or an interruption.
async fn send_and_follow(args: &ImportArgs, lines: &mut [Line]) -> Result<Option<ExitCode>> {
    let graph = match Graph::connect(&args.graph).await {
        Ok(graph) => Arc::new(graph),
        Err(e) => {
            error_line(&format!("{e:#}"));
            return Ok(Some(ExitCode::from(
                if e.is::<crate::graph::UsageError>() {
                    2
                } else {
                    3
                },
            )));
        }
    };
    let progress = crate::progress::Progress::new(lines.len() as u64);
    let valid: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].outcome == Outcome::Ready)
        .collect();
    progress.failed(lines.iter().filter(|l| l.outcome.failed()).count());

    // Batches, a bounded number in flight; a batch that succeeded is never sent again.
    let batch_size = usize::try_from(args.batch_size).unwrap_or(500);
    let batches: Vec<Vec<usize>> = valid.chunks(batch_size).map(<[usize]>::to_vec).collect();
    let semaphore = Arc::new(tokio::sync::Semaphore::new(
        usize::try_from(args.concurrency).unwrap_or(4),
    ));
    // The imported records there before the run: none of them can be one this run sent.
    let before: Arc<std::collections::HashSet<String>> = match graph.list_imported().await {
        Ok(records) => Arc::new(
            records
                .iter()
                .filter_map(|r| r["id"].as_str().map(str::to_owned))
                .collect(),
        ),
        Err(failure) => {
            progress.finish();
            error_line(&format!("{failure}"));
            return Ok(Some(ExitCode::from(3)));
        }
    };
    let mut tasks = tokio::task::JoinSet::new();
    for batch in &batches {
        let rows: Vec<send::Row> = batch
            .iter()
            .map(|&i| {
                (
                    i,
                    autopilot_csv::import_body(&lines[i].row, args.group_tag.as_deref()),
                )
            })
            .collect();
        let graph = graph.clone();
        let before = before.clone();
        let semaphore = semaphore.clone();
        let batch = batch.clone();
        tasks.spawn(async move {
            let _permit = semaphore.acquire_owned().await;
            (batch, send::send_batch(&graph, &before, rows).await)
        });
    }
    let mut fatal: Option<GraphFailure> = None;
    let mut sent = 0usize;
    let interrupt = tokio::signal::ctrl_c();
    tokio::pin!(interrupt);
    let mut interrupted = false;
    loop {
        let next = tokio::select! {
            next = tasks.join_next() => next,
            _ = &mut interrupt, if !interrupted => {
                interrupted = true;
                tasks.abort_all();
                continue;
            }
        };
        let Some(joined) = next else { break };
        let Ok((batch, result)) = joined else {
            continue; // aborted by the interruption
        };
        match result {
            Ok(records) => {
                sent += batch.len();
                for (i, record) in records {
                    lines[i].outcome = Outcome::Processing;
                    lines[i].record_id = record["id"].as_str().map(str::to_owned);
                }
                progress.imported(sent);
            }
            Err(GraphFailure::Rejected {
                status,
                code,
                message,
            }) => {
                for &i in &batch {
                    lines[i].outcome = Outcome::Failed;
                    lines[i].error_name = code.clone();
                    lines[i].message = format!("the import call was refused ({status}): {message}");
                }
                progress.failed(lines.iter().filter(|l| l.outcome.failed()).count());
            }
            Err(failure) => {
                for &i in &batch {
                    lines[i].outcome = Outcome::Unknown;
                    lines[i].message = failure.to_string();
                }
                if fatal.is_none() {
                    fatal = Some(failure);
                    tasks.abort_all();
                }
            }
        }
    }
    if interrupted || fatal.is_some() {
        progress.finish();
        for line in lines
            .iter_mut()
            .filter(|l| l.outcome == Outcome::Processing)
        {
            line.outcome = Outcome::Unknown;
            line.message = "sent; not followed to the end".into();
        }
        let not_sent = lines.iter().filter(|l| l.outcome == Outcome::Ready).count();
        error_line(&format!(
            "{}: {sent} devices were sent, {not_sent} were not",
            if interrupted {
                "interrupted"
            } else {
                "stopped"
            }
        ));
        if let Some(failure) = fatal {
            error_line(&format!("{failure}"));
            return Ok(Some(ExitCode::from(3)));
        }
        return Ok(Some(ExitCode::from(130)));
    }

    // Follow the records until none is `unknown`.
    let deadline =
        Instant::now() + Duration::try_from(args.timeout).unwrap_or(Duration::from_secs(1800));
    let mut pause = Duration::from_millis(500);
    loop {
        let pending: HashMap<String, usize> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.outcome == Outcome::Processing)
            .filter_map(|(i, l)| l.record_id.clone().map(|id| (id, i)))
            .collect();
        if pending.is_empty() {
            break;
        }
        let records = match graph.list_imported().await {
            Ok(records) => records,
            Err(failure) => {
                error_line(&format!("{failure}"));
                progress.finish();
                return Ok(Some(ExitCode::from(3)));
            }
        };
        let mut changed = false;
        for record in &records {
            let Some(&i) = record["id"].as_str().and_then(|id| pending.get(id)) else {
                continue;
            };
            let state = &record["state"];
            match state["deviceImportStatus"].as_str().unwrap_or("unknown") {
                "complete" => {
                    lines[i].outcome = Outcome::Registered;
                    lines[i].registered_device_id = state["deviceRegistrationId"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                    changed = true;
                }
                "error" => {
                    lines[i].outcome = Outcome::Failed;
                    lines[i].error_code =
                        i32::try_from(state["deviceErrorCode"].as_i64().unwrap_or(0)).unwrap_or(0);
                    lines[i].error_name = state["deviceErrorName"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                    changed = true;
                }
                _ => {}
            }
        }
        progress.decided(
            lines
                .iter()
                .filter(|l| l.outcome == Outcome::Registered)
                .count(),
            lines.iter().filter(|l| l.outcome.failed()).count(),
        );
        if Instant::now() >= deadline {
            for line in lines
                .iter_mut()
                .filter(|l| l.outcome == Outcome::Processing)
            {
                line.outcome = Outcome::Unknown;
                line.message = "still processing at the timeout".into();
            }
            break;
        }
        // Adaptive: look again soon while records move, less often while they do not.
        pause = if changed {
            Duration::from_millis(500)
        } else {
            (pause * 3 / 2).min(Duration::from_secs(15))
        };
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            _ = &mut interrupt => {
                progress.finish();
                error_line(&format!("interrupted: all {sent} devices were sent; their outcome is not followed"));
                for line in lines.iter_mut().filter(|l| l.outcome == Outcome::Processing) {
                    line.outcome = Outcome::Unknown;
                    line.message = "sent; not followed to the end".into();
                }
                return Ok(Some(ExitCode::from(130)));
            }
        }
    }
    progress.finish();

    if args.cleanup {
        // As many deletes in flight as imports were.
        let ids: Vec<String> = lines.iter().filter_map(|l| l.record_id.clone()).collect();
        let semaphore = Arc::new(tokio::sync::Semaphore::new(
            usize::try_from(args.concurrency).unwrap_or(4),
        ));
        let mut deletes = tokio::task::JoinSet::new();
        for id in ids.clone() {
            let graph = graph.clone();
            let semaphore = semaphore.clone();
            deletes.spawn(async move {
                let _permit = semaphore.acquire_owned().await;
                graph.delete_imported(&id).await.is_ok()
            });
        }
        let mut failed = 0;
        while let Some(done) = deletes.join_next().await {
            if !matches!(done, Ok(true)) {
                failed += 1;
            }
        }
        if failed > 0 {
            error_line(&format!(
                "cleanup: {failed} of {} records could not be deleted",
                ids.len()
            ));
        }
    }
    Ok(None)
}
