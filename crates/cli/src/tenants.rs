//! `autopilot-graph tenant set`: a tenant's organization (display name, verified domains), as
//! `GET /organization` answers it; WindowsAutopilotIntune's `ConvertTo-AutopilotConfigurationJSON`
//! reads the default domain from there.

use std::process::ExitCode;

use anyhow::{Context, Result};
use autopilot_domain::TenantId;
use autopilot_domain::organization;
use autopilot_server::auth;
use clap::{Args, Subcommand};

use crate::database::{DatabaseArgs, current_thread};

/// `autopilot-graph tenant ...`.
#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Set a tenant's organization: its display name and verified domains (the initial
    /// NAME.onmicrosoft.com domain is always there); prints the domains.
    Set(TenantSetArgs),
    /// Load a copy of a real tenant: registered devices, deployment profiles and groups from
    /// the JSON of Graph list calls or `Get-AutopilotDevice | ConvertTo-Json`, their ids kept.
    Load(crate::load::TenantLoadArgs),
}

/// Options of `tenant set`.
#[derive(Debug, Args)]
pub struct TenantSetArgs {
    /// Tenant name or GUID.
    #[arg(long)]
    pub tenant: String,

    /// The organization's display name (default: the tenant's name).
    #[arg(long)]
    pub display_name: Option<String>,

    /// A verified custom domain (repeat for several); added to those the tenant has.
    #[arg(long = "domain", value_name = "DOMAIN")]
    pub domains: Vec<String>,

    /// Which domain is the default (one of the tenant's).
    #[arg(long)]
    pub default_domain: Option<String>,

    #[command(flatten)]
    pub database: DatabaseArgs,
}

pub fn run(command: TenantCommand) -> Result<ExitCode> {
    let args = match command {
        TenantCommand::Set(args) => args,
        TenantCommand::Load(args) => return crate::load::run(args),
    };
    current_thread()?.block_on(async {
        let url = args.database.url()?;
        let store = autopilot_store::open(&url)
            .await
            .with_context(|| format!("cannot open {}", autopilot_store::redact(&url)))?;
        let tenant = TenantId::new(&auth::tenant_guid(&args.tenant).to_string());
        let current = match store.get_organization(&tenant).await? {
            Some(found) => found,
            None => organization::new_tenant(&args.tenant, time::OffsetDateTime::now_utc()),
        };
        let mut updated =
            organization::with_domains(current, &args.domains, args.default_domain.as_deref())
                .map_err(|e| anyhow::anyhow!("{}", e.0))?;
        if let Some(name) = args.display_name {
            anyhow::ensure!(!name.trim().is_empty(), "the display name is empty");
            updated.display_name = name;
        }
        store.put_organization(&tenant, &updated).await?;
        println!("{}\t{}", tenant.as_str(), updated.display_name);
        for d in &updated.verified_domains {
            let default = if d.is_default { "\tdefault" } else { "" };
            println!("{}{default}", d.name);
        }
        Ok(ExitCode::SUCCESS)
    })
}
