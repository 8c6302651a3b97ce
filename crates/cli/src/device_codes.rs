//! `autopilot-graph device-code list | approve | deny`: the admin's side of the device-code
//! grant. The server prints each code asked for in its log; the admin approves it here for a
//! user of the tenant's directory (`autopilot-graph user add`), and the waiting client gets
//! its token on its next poll. Straight in the database, as `app add` and `user add` are.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use autopilot_domain::device_code::SignedInUser;
use autopilot_domain::users::UserKey;
use autopilot_domain::{CodeDecision, TenantId};
use autopilot_server::auth;
use clap::{Args, Subcommand};

use crate::database::{DatabaseArgs, current_thread};

/// `autopilot-graph device-code ...`.
#[derive(Debug, Subcommand)]
pub enum DeviceCodeCommand {
    /// The codes waiting for a decision: user code, tenant, client, scopes, minutes left.
    List(ListArgs),
    /// Approve a code for a user: the client that shows it gets a token for that user.
    Approve(ApproveArgs),
    /// Decline a code: the client that shows it is told so.
    Deny(DenyArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, Args)]
pub struct ApproveArgs {
    /// The code the client shows (any case; dashes and spaces are ignored).
    pub code: String,

    /// The user who signs in: a user principal name of the tenant's directory.
    #[arg(long)]
    pub user: String,

    /// The tenant (name or GUID): needed when the client asked under `organizations` or
    /// `common`; otherwise it must be the one the client asked under.
    #[arg(long)]
    pub tenant: Option<String>,

    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, Args)]
pub struct DenyArgs {
    /// The code the client shows.
    pub code: String,

    #[command(flatten)]
    pub database: DatabaseArgs,
}

pub fn run(command: DeviceCodeCommand) -> Result<ExitCode> {
    current_thread()?.block_on(async {
        match command {
            DeviceCodeCommand::List(args) => list(args).await,
            DeviceCodeCommand::Approve(args) => approve(args).await,
            DeviceCodeCommand::Deny(args) => deny(args).await,
        }
    })
}

async fn open(database: &DatabaseArgs) -> Result<std::sync::Arc<dyn autopilot_domain::Store>> {
    let url = database.url()?;
    autopilot_store::open(&url)
        .await
        .with_context(|| format!("cannot open {}", autopilot_store::redact(&url)))
}

async fn list(args: ListArgs) -> Result<ExitCode> {
    let store = open(&args.database).await?;
    let now = time::OffsetDateTime::now_utc();
    for c in store.pending_device_codes(now).await? {
        println!(
            "{}\t{}\t{}\t{}\t{} min",
            c.user_code,
            c.tenant,
            c.client_id,
            c.scopes.join(" "),
            (c.expires_at - now).whole_minutes()
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn approve(args: ApproveArgs) -> Result<ExitCode> {
    let store = open(&args.database).await?;
    let now = time::OffsetDateTime::now_utc();
    let Some(code) = store.find_device_code(&args.code, now).await? else {
        bail!(
            "no device code '{}' is waiting (a code lives 15 minutes)",
            args.code
        );
    };
    let asked_under_any = ["organizations", "common", "consumers"].contains(&code.tenant.as_str());
    let tenant = match (&args.tenant, asked_under_any) {
        (Some(t), _) => auth::tenant_guid(t).to_string(),
        (None, false) => code.tenant.clone(),
        (None, true) => bail!(
            "the code was asked for under '{}': say which tenant the user belongs to with --tenant",
            code.tenant
        ),
    };
    if !asked_under_any && tenant != code.tenant {
        bail!(
            "the code was asked for in tenant {}, not {tenant}",
            code.tenant
        );
    }
    let user = store
        .get_user(&TenantId::new(&tenant), &UserKey::Upn(args.user.clone()))
        .await?
        .with_context(|| {
            format!(
                "tenant {tenant} has no user '{}' (add one with `autopilot-graph user add`)",
                args.user
            )
        })?;
    let signed_in = SignedInUser {
        tenant,
        id: user.id,
        user_principal_name: user.user_principal_name.clone(),
        display_name: user.display_name.clone(),
    };
    match store
        .decide_device_code(&code.device_hash, &CodeDecision::Approve(signed_in), now)
        .await?
    {
        Some(_) => {
            println!(
                "approved {} for {}; the client gets its token on its next poll",
                code.user_code, user.user_principal_name
            );
            Ok(ExitCode::SUCCESS)
        }
        None => bail!("the code '{}' was decided or expired meanwhile", args.code),
    }
}

async fn deny(args: DenyArgs) -> Result<ExitCode> {
    let store = open(&args.database).await?;
    let now = time::OffsetDateTime::now_utc();
    let Some(code) = store.find_device_code(&args.code, now).await? else {
        bail!("no device code '{}' is waiting", args.code);
    };
    match store
        .decide_device_code(&code.device_hash, &CodeDecision::Decline, now)
        .await?
    {
        Some(code) => {
            println!("declined {}", code.user_code);
            Ok(ExitCode::SUCCESS)
        }
        None => bail!("the code '{}' was decided or expired meanwhile", args.code),
    }
}
