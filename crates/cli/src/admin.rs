//! The administration commands that write straight to the database or print ids:
//! `app add` (applications for the client-credentials token endpoint) and `group-id` (the
//! group-tag shortcut for profile assignments).

use std::process::ExitCode;

use anyhow::{Context, Result};
use autopilot_server::auth;
use clap::Args;

use crate::serve::{DatabaseArgs, current_thread, dev_permissions};

/// Options of `group-id`.
#[derive(Debug, Args)]
pub struct GroupIdArgs {
    /// The group tag whose devices the group holds.
    #[arg(long)]
    pub group_tag: String,
}

/// `autopilot-graph group-id`: the group id that stands for a group tag's devices in profile
/// assignments (`groupAssignmentTarget.groupId`).
pub fn group_id(args: GroupIdArgs) -> Result<ExitCode> {
    println!(
        "{}",
        autopilot_domain::profiles::group_id_for_tag(&args.group_tag)
    );
    Ok(ExitCode::SUCCESS)
}

/// `autopilot-graph app ...`.
#[derive(Debug, clap::Subcommand)]
pub enum AppCommand {
    /// Register an application for the client-credentials token endpoint; prints its client id
    /// and secret (shown once; only a salted hash is stored).
    Add(AppAddArgs),
}

/// Options of `app add`.
#[derive(Debug, Args)]
pub struct AppAddArgs {
    /// Tenant name or GUID the application belongs to.
    #[arg(long)]
    pub tenant: String,

    /// A name for the application.
    #[arg(long)]
    pub name: String,

    /// Application permission it holds (repeat for several). Default:
    /// DeviceManagementServiceConfig.ReadWrite.All, Device.ReadWrite.All, Group.ReadWrite.All,
    /// GroupMember.ReadWrite.All and User.ReadWrite.All.
    #[arg(long = "role", value_name = "PERMISSION")]
    pub roles: Vec<String>,

    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// `autopilot-graph app add`.
pub fn app(command: AppCommand) -> Result<ExitCode> {
    let AppCommand::Add(args) = command;
    current_thread()?.block_on(async {
        let url = args.database.url()?;
        let store = autopilot_store::open(&url)
            .await
            .with_context(|| format!("cannot open {}", autopilot_store::redact(&url)))?;
        let roles = if args.roles.is_empty() {
            dev_permissions()
        } else {
            args.roles.clone()
        };
        let (application, secret) = autopilot_server::handlers::token::new_application(
            &args.name,
            roles,
            time::OffsetDateTime::now_utc(),
        )
        .map_err(|e| anyhow::anyhow!("cannot make a secret: {e}"))?;
        let tid = auth::tenant_guid(&args.tenant);
        store
            .add_application(
                &autopilot_domain::TenantId::new(&tid.to_string()),
                &application,
            )
            .await
            .context("cannot register the application")?;
        println!("client_id     {}", application.client_id);
        println!("client_secret {secret}");
        println!("tenant        {tid}");
        println!(
            "token URL     /{}/oauth2/v2.0/token (scope https://graph.microsoft.com/.default)",
            args.tenant
        );
        crate::output::error_line("The secret is shown this once; only a salted hash is kept.");
        Ok(ExitCode::SUCCESS)
    })
}
