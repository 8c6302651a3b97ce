//! The server's logs: one line per request (its id, route, status and time) and everything
//! else on standard error, as text or JSON lines; the audit log (every write: who, what, how
//! it ended) with them, in a file of its own, or nowhere. Where the audit log goes is said at
//! start.

use std::path::PathBuf;

use anyhow::{Context, Result};
use tracing_subscriber::filter::{EnvFilter, FilterFn};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{Layer, fmt};

/// Where the audit log goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audit {
    /// With the other logs, on standard error.
    Stderr,
    /// Appended to a file.
    File(PathBuf),
    Off,
}

impl Audit {
    pub fn parse(value: &str) -> Audit {
        match value {
            "stderr" | "" => Audit::Stderr,
            "off" => Audit::Off,
            path => Audit::File(PathBuf::from(path)),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Audit::Stderr => "standard error, with the request log (target \"audit\")".into(),
            Audit::File(path) => format!("{} (appended)", path.display()),
            Audit::Off => "nowhere (--audit-log off)".into(),
        }
    }
}

fn is_audit(meta: &tracing::Metadata<'_>) -> bool {
    meta.target() == "audit"
}

/// A formatting layer for `writer`, text or JSON.
fn layer<S, W>(json: bool, ansi: bool, writer: W) -> Box<dyn Layer<S> + Send + Sync>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    W: for<'w> fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    if json {
        fmt::layer()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .with_writer(writer)
            .boxed()
    } else {
        fmt::layer().with_ansi(ansi).with_writer(writer).boxed()
    }
}

/// Installs the subscriber: `filter` for what is logged, `format` `text` or `json`.
pub fn init(filter: &str, format: &str, audit: &Audit) -> Result<()> {
    let json = format == "json";
    let ansi = !json && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let main_filter =
        EnvFilter::try_new(filter).with_context(|| format!("invalid --log filter '{filter}'"))?;
    let main = layer(json, ansi, std::io::stderr)
        .with_filter(FilterFn::new({
            let apart = *audit != Audit::Stderr;
            move |meta| !(apart && is_audit(meta))
        }))
        .with_filter(main_filter);
    let audit_layer = match audit {
        Audit::File(path) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("cannot open the audit log {}", path.display()))?;
            Some(
                layer(json, false, std::sync::Mutex::new(file))
                    .with_filter(FilterFn::new(is_audit)),
            )
        }
        Audit::Stderr | Audit::Off => None,
    };
    tracing_subscriber::registry()
        .with(main)
        .with(audit_layer)
        .try_init()
        .context("cannot install the logger")?;
    Ok(())
}
