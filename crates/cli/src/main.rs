//! `autopilot-graph`: the project's one binary.
//!
//! Subcommands: `serve` (the Graph server), `token` (development tokens), `migrate`, `app add`,
//! `user add|list`, `tenant set`, `group-id`, `import` (Autopilot CSVs into Graph), `devices` (registered devices), `hash
//! inspect` and `hash generate`. The client side of this crate (CSV reading, reports) does not depend on any
//! server crate, so it can become a lighter binary of its own later.

mod admin;
mod csvfile;
mod database;
mod device_codes;
mod devices;
mod graph;
mod hash;
mod import;
mod load;
mod logging;
mod output;
mod permissions;
mod progress;
mod scenarios;
mod serve;
mod tenants;
mod token;
mod users;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// A self-hosted, Intune-faithful Microsoft Graph service for Windows Autopilot device
/// registration, and the tools around it.
#[derive(Debug, Parser)]
#[command(name = "autopilot-graph", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the Graph server (SQLite in the data directory by default).
    Serve(Box<serve::ServeArgs>),
    /// Print a development bearer token signed with the data directory's key.
    Token(token::TokenArgs),
    /// Print the group id that stands for a group tag's devices in deployment profile
    /// assignments.
    GroupId(admin::GroupIdArgs),
    /// Bring the database's schema up to date and exit (`serve` also does this at start).
    Migrate(database::MigrateArgs),
    /// Print the OpenAPI 3 document of everything the server answers (also served at
    /// `/openapi.json`; committed as docs/openapi.json).
    Openapi,
    /// Applications for the client-credentials token endpoint.
    #[command(subcommand)]
    App(admin::AppCommand),
    /// Device codes of the device-code sign-in waiting for an admin: list, approve, deny.
    #[command(subcommand)]
    DeviceCode(device_codes::DeviceCodeCommand),
    /// A tenant's scenarios at run time, through the server's management API: apply, list,
    /// reset.
    #[command(subcommand)]
    Scenario(scenarios::ScenarioCommand),
    /// Import Autopilot CSV files: checked offline, sent in batches, followed until every
    /// device is registered or failed, reported line by line.
    Import(Box<import::ImportArgs>),
    /// The registered Autopilot devices: list, get, delete, export as CSV.
    #[command(subcommand)]
    Devices(devices::DevicesCommand),
    /// A tenant's organization (display name, verified domains), as `/organization` shows it.
    #[command(subcommand)]
    Tenant(tenants::TenantCommand),
    /// A tenant's Entra ID users (who devices may be assigned to): add, list.
    #[command(subcommand)]
    User(users::UserCommand),
    /// Inspect, validate and generate Autopilot hardware hashes, offline.
    #[command(subcommand)]
    Hash(hash::HashCommand),
}

/// Exit codes: 0 success / every hash valid, 1 an invalid hash, 2 usage or I/O error.
fn main() -> ExitCode {
    let cli = Cli::parse();
    // ring is the one TLS provider in the build (https listener, JWKS fetch, Graph client).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let result = match cli.command {
        Command::Serve(args) => serve::serve(*args),
        Command::Token(args) => token::token(args),
        Command::GroupId(args) => admin::group_id(args),
        Command::App(command) => admin::app(command),
        Command::DeviceCode(command) => device_codes::run(command),
        Command::Scenario(command) => scenarios::run(command),
        Command::Migrate(args) => database::migrate(args),
        Command::Openapi => {
            print!("{}", autopilot_server::openapi::text());
            Ok(ExitCode::SUCCESS)
        }
        Command::Hash(command) => hash::run(command),
        Command::Import(args) => import::run(*args),
        Command::Devices(command) => devices::run(command),
        Command::User(command) => users::run(command),
        Command::Tenant(command) => tenants::run(command),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            if output::is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            output::error_line(&format!("error: {err:#}"));
            ExitCode::from(2)
        }
    }
}
