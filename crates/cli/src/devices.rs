//! `autopilot-graph devices`: the registered Autopilot devices (`windowsAutopilotDeviceIdentities`)
//! of a tenant, against our server or the real Graph.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use serde_json::Value;

use crate::graph::{Graph, GraphArgs, GraphFailure};
use crate::output::{Out, error_line};

/// `devices` subcommands.
#[derive(Debug, Subcommand)]
pub enum DevicesCommand {
    /// List the registered devices (all pages).
    List(ListArgs),
    /// Show one registered device.
    Get(GetArgs),
    /// Delete registered devices (their hardware can then be registered again).
    Delete(DeleteArgs),
    /// Write the registered devices as an Autopilot CSV (as the portal's export: serial,
    /// product id, group tag and user; Graph does not return hardware hashes).
    Export(ExportArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    graph: GraphArgs,
    /// An OData `$filter` (`startswith(serialNumber,'LAB-')`, `groupTag eq 'Lab'`).
    #[arg(long)]
    filter: Option<String>,
    /// `table` or `json`.
    #[arg(long, default_value = "table", value_parser = ["table", "json"])]
    output: String,
}

#[derive(Debug, Args)]
pub struct GetArgs {
    #[command(flatten)]
    graph: GraphArgs,
    /// The device's id.
    id: String,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    #[command(flatten)]
    graph: GraphArgs,
    /// The devices' ids.
    #[arg(required = true)]
    ids: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    graph: GraphArgs,
    /// An OData `$filter` to export some devices only.
    #[arg(long)]
    filter: Option<String>,
    /// The CSV to write (`-`: standard output).
    file: PathBuf,
}

fn failure_code(failure: &GraphFailure) -> ExitCode {
    match failure {
        GraphFailure::Rejected { .. } => ExitCode::from(1),
        _ => ExitCode::from(3),
    }
}

fn with_filter(url: String, filter: Option<&str>) -> String {
    match filter {
        Some(f) => format!(
            "{url}?$filter={}",
            percent_encoding::utf8_percent_encode(f, percent_encoding::NON_ALPHANUMERIC)
        ),
        None => url,
    }
}

/// `autopilot-graph devices ...`.
pub fn run(command: DevicesCommand) -> Result<ExitCode> {
    crate::database::current_thread()?.block_on(async {
        let graph_args = match &command {
            DevicesCommand::List(a) => &a.graph,
            DevicesCommand::Get(a) => &a.graph,
            DevicesCommand::Delete(a) => &a.graph,
            DevicesCommand::Export(a) => &a.graph,
        };
        let graph = match Graph::connect(graph_args).await {
            Ok(graph) => graph,
            Err(e) => {
                error_line(&format!("{e:#}"));
                let usage = e.is::<crate::graph::UsageError>();
                return Ok(ExitCode::from(if usage { 2 } else { 3 }));
            }
        };
        let result = match &command {
            DevicesCommand::List(a) => list(&graph, a).await,
            DevicesCommand::Get(a) => get(&graph, a).await,
            DevicesCommand::Delete(a) => delete(&graph, a).await,
            DevicesCommand::Export(a) => export(&graph, a).await,
        };
        match result {
            Ok(code) => Ok(code),
            Err(Failed::Graph(failure)) => {
                error_line(&failure.to_string());
                Ok(failure_code(&failure))
            }
            Err(Failed::Other(e)) => Err(e),
        }
    })
}

#[derive(Debug)]
enum Failed {
    Graph(GraphFailure),
    Other(anyhow::Error),
}

impl From<GraphFailure> for Failed {
    fn from(e: GraphFailure) -> Self {
        Failed::Graph(e)
    }
}

impl From<std::io::Error> for Failed {
    fn from(e: std::io::Error) -> Self {
        Failed::Other(e.into())
    }
}

fn text(device: &Value, key: &str) -> String {
    device[key].as_str().unwrap_or_default().to_owned()
}

async fn list(graph: &Graph, args: &ListArgs) -> Result<ExitCode, Failed> {
    let devices = graph
        .list(&with_filter(graph.devices_url(), args.filter.as_deref()))
        .await?;
    let mut out = Out::new();
    if args.output == "json" {
        out.json(&devices)?;
    } else {
        out.line(format!(
            "{:36}  {:20}  {:12}  {:24}  {}",
            "ID", "SERIAL", "GROUP TAG", "MODEL", "ENROLLMENT"
        ))?;
        for d in &devices {
            out.line(format!(
                "{:36}  {:20}  {:12}  {:24}  {}",
                text(d, "id"),
                text(d, "serialNumber"),
                text(d, "groupTag"),
                text(d, "model"),
                text(d, "enrollmentState")
            ))?;
        }
        out.line(format!("{} devices", devices.len()))?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

async fn get(graph: &Graph, args: &GetArgs) -> Result<ExitCode, Failed> {
    let device = graph
        .get(&format!("{}/{}", graph.devices_url(), args.id))
        .await?;
    let mut out = Out::new();
    out.json(&device)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

async fn delete(graph: &Graph, args: &DeleteArgs) -> Result<ExitCode, Failed> {
    let mut failed = 0;
    for id in &args.ids {
        match graph.delete(&format!("{}/{id}", graph.devices_url())).await {
            Ok(()) => error_line(&format!("{id}: deleted")),
            Err(failure @ GraphFailure::Rejected { .. }) => {
                failed += 1;
                error_line(&format!("{id}: {failure}"));
            }
            Err(failure) => return Err(failure.into()),
        }
    }
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

async fn export(graph: &Graph, args: &ExportArgs) -> Result<ExitCode, Failed> {
    let devices = graph
        .list(&with_filter(graph.devices_url(), args.filter.as_deref()))
        .await?;
    let mut text_out = String::from(
        "Device Serial Number,Windows Product ID,Hardware Hash,Group Tag,Assigned User\r\n",
    );
    for d in &devices {
        text_out.push_str(&format!(
            "{},{},,{},{}\r\n",
            text(d, "serialNumber"),
            text(d, "productKey"),
            text(d, "groupTag"),
            text(d, "userPrincipalName")
        ));
    }
    if args.file.as_os_str() == "-" {
        let mut out = Out::new();
        out.raw(text_out.as_bytes())?;
        out.flush()?;
    } else {
        std::fs::write(&args.file, text_out)
            .with_context(|| format!("writing {}", args.file.display()))
            .map_err(Failed::Other)?;
        error_line(&format!(
            "{} devices written to {}",
            devices.len(),
            args.file.display()
        ));
    }
    Ok(ExitCode::SUCCESS)
}
