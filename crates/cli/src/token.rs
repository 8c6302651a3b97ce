//! `autopilot-graph token`: a development token signed with the data directory's key.

use std::process::ExitCode;

use anyhow::{Context, Result};
use autopilot_server::auth::{self, TokenRequest};
use clap::Args;

use crate::serve::{DataDirArg, default_scopes, load_key};

/// Options of `token`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// Tenant name or GUID; a name always maps to the same tenant GUID.
    #[arg(long, env = "AUTOPILOT_GRAPH_TOKEN_TENANT")]
    pub tenant: String,

    /// Delegated permission for `scp` (repeat for several). Default:
    /// DeviceManagementServiceConfig.ReadWrite.All, Device.ReadWrite.All, Group.ReadWrite.All,
    /// GroupMember.ReadWrite.All and User.ReadWrite.All.
    #[arg(long = "scope", value_name = "PERMISSION")]
    pub scopes: Vec<String>,

    /// Application permission for `roles` (repeat for several); makes an app-only token.
    #[arg(long = "role", value_name = "PERMISSION", conflicts_with = "scopes")]
    pub roles: Vec<String>,

    /// Application (client) id in `appid`.
    #[arg(long, default_value = auth::DEFAULT_APP_ID)]
    pub app_id: String,

    /// Lifetime in hours.
    #[arg(long, default_value_t = 24, value_parser = clap::value_parser!(u32).range(1..=8760))]
    pub hours: u32,

    #[command(flatten)]
    pub data: DataDirArg,
}

/// `autopilot-graph token`: prints a signed development token on standard output.
pub fn token(args: TokenArgs) -> Result<ExitCode> {
    let key = load_key(&args.data.data_dir)?;
    let request = TokenRequest {
        tenant: args.tenant.clone(),
        app_id: args.app_id,
        scopes: default_scopes(&args.scopes, &args.roles),
        roles: args.roles,
        lifetime: time::Duration::hours(i64::from(args.hours)),
        now: time::OffsetDateTime::now_utc(),
        user: None,
        app_name: None,
    };
    let token = auth::mint(&key, &request).context("cannot sign the token")?;
    crate::output::error_line(&format!(
        "tenant '{}' is tid {}",
        args.tenant,
        auth::tenant_guid(&args.tenant)
    ));
    println!("{token}");
    Ok(ExitCode::SUCCESS)
}
