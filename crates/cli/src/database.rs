//! What the commands that open the store share: the database options, `migrate`, and a
//! runtime for a command that does one thing and exits.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;

use crate::serve::DataDirArg;

/// The database options of the commands that open the store without serving.
#[derive(Debug, Args)]
pub struct DatabaseArgs {
    #[command(flatten)]
    pub data: DataDirArg,

    /// Database URL (default: the SQLite file in the data directory).
    #[arg(long, env = "AUTOPILOT_GRAPH_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

impl DatabaseArgs {
    pub(crate) fn url(&self) -> Result<String> {
        database_url(&self.data.data_dir, self.database_url.as_deref())
    }
}

/// Options of `migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// A runtime for a command that does one thing and exits.
pub fn current_thread() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// `autopilot-graph migrate`: brings the database's schema up to date (as `serve` does at
/// start) and exits.
pub fn migrate(args: MigrateArgs) -> Result<ExitCode> {
    current_thread()?.block_on(async {
        let url = args.database.url()?;
        autopilot_store::open(&url)
            .await
            .with_context(|| format!("cannot migrate {}", autopilot_store::redact(&url)))?;
        println!("{}: schema up to date", autopilot_store::redact(&url));
        Ok(ExitCode::SUCCESS)
    })
}

/// The database URL given, or the SQLite file in the data directory (created).
pub(crate) fn database_url(dir: &Path, given: Option<&str>) -> Result<String> {
    if let Some(url) = given {
        return Ok(url.to_owned());
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
    Ok(format!(
        "sqlite://{}",
        dir.join("autopilot-graph.db").display()
    ))
}
