//! `autopilot-graph user add | list`: a tenant's Entra ID users, straight in the database (as
//! `app add` registers applications), for the devices `assignUserToDevice` may name.

use std::process::ExitCode;

use anyhow::{Context, Result};
use autopilot_domain::{PageRequest, Store, TenantId, users};
use autopilot_server::auth;
use clap::{Args, Subcommand};

use crate::database::{DatabaseArgs, current_thread};
use crate::output::Out;

/// `autopilot-graph user ...`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user to a tenant's directory; prints its object id.
    Add(UserAddArgs),
    /// List a tenant's users: principal name, display name, object id, enabled.
    List(UserListArgs),
}

/// Options of `user add`.
#[derive(Debug, Args)]
pub struct UserAddArgs {
    /// Tenant name or GUID.
    #[arg(long)]
    pub tenant: String,

    /// The user principal name (alias@domain).
    #[arg(long)]
    pub upn: String,

    /// Display name (default: the principal name's alias).
    #[arg(long)]
    pub display_name: Option<String>,

    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// Options of `user list`.
#[derive(Debug, Args)]
pub struct UserListArgs {
    /// Tenant name or GUID.
    #[arg(long)]
    pub tenant: String,

    /// A JSON array instead of tab-separated columns.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub database: DatabaseArgs,
}

async fn open(database: &DatabaseArgs) -> Result<std::sync::Arc<dyn Store>> {
    let url = database.url()?;
    autopilot_store::open(&url)
        .await
        .with_context(|| format!("cannot open {}", autopilot_store::redact(&url)))
}

fn tenant(name: &str) -> TenantId {
    TenantId::new(&auth::tenant_guid(name).to_string())
}

pub fn run(command: UserCommand) -> Result<ExitCode> {
    current_thread()?.block_on(async {
        match command {
            UserCommand::Add(args) => add(args).await,
            UserCommand::List(args) => list(args).await,
        }
    })
}

async fn add(args: UserAddArgs) -> Result<ExitCode> {
    let store = open(&args.database).await?;
    let user = users::for_admin(
        &args.upn,
        args.display_name.as_deref(),
        uuid::Uuid::new_v4(),
        time::OffsetDateTime::now_utc(),
    )
    .map_err(|e| anyhow::anyhow!("{}", e.0))?;
    if !store.create_user(&tenant(&args.tenant), &user).await? {
        anyhow::bail!("{}", users::UPN_TAKEN);
    }
    println!("{}", user.id);
    Ok(ExitCode::SUCCESS)
}

async fn list(args: UserListArgs) -> Result<ExitCode> {
    let store = open(&args.database).await?;
    let tenant = tenant(&args.tenant);
    let mut out = Out::new();
    let mut request = PageRequest::first(1000);
    let mut all = Vec::new();
    loop {
        let page = store.list_users(&tenant, request.clone()).await?;
        all.extend(page.items);
        match page.next {
            Some(cursor) => request.after = Some(cursor),
            None => break,
        }
    }
    if args.json {
        let users: Vec<serde_json::Value> = all
            .iter()
            .map(|u| {
                serde_json::json!({
                    "id": u.id, "userPrincipalName": u.user_principal_name,
                    "displayName": u.display_name, "accountEnabled": u.account_enabled,
                })
            })
            .collect();
        out.json(&users)?;
    } else {
        for u in &all {
            let enabled = if u.account_enabled {
                "enabled"
            } else {
                "disabled"
            };
            let (upn, name) = (&u.user_principal_name, &u.display_name);
            out.line(format_args!("{upn}\t{name}\t{}\t{enabled}", u.id))?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
