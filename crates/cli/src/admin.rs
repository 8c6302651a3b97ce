//! The administration commands that write straight to the database or print ids:
//! `app add` and `app add-certificate` (applications for the token endpoint, with a secret
//! and the certificates that may sign their client assertions) and `group-id` (the group-tag
//! shortcut for profile assignments).

use std::process::ExitCode;

use anyhow::{Context, Result};
use autopilot_server::auth;
use clap::Args;

use crate::database::{DatabaseArgs, current_thread};
use crate::serve::dev_permissions;

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
    /// Register one more certificate on an application: its key may then sign client
    /// assertions (`Connect-MgGraph -AppId -CertificateThumbprint`).
    AddCertificate(AppCertificateArgs),
    /// What an application's calls needed over a period, beside what its tokens carried: the
    /// least set of permissions to grant, and those it may lose.
    Permissions(AppPermissionsArgs),
}

/// Options of `app permissions`.
#[derive(Debug, Args)]
pub struct AppPermissionsArgs {
    /// The application's client id (`appid` of its tokens; any client, registered or not).
    pub client_id: String,

    /// The tenant (name or GUID); default: every tenant the application called.
    #[arg(long)]
    pub tenant: Option<String>,

    /// The period, in days back from today.
    #[arg(long, default_value_t = 30)]
    pub days: u32,

    /// The report as JSON.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// Options of `app add-certificate`.
#[derive(Debug, Args)]
pub struct AppCertificateArgs {
    /// Tenant name or GUID the application belongs to.
    #[arg(long)]
    pub tenant: String,

    /// The application's client id.
    #[arg(long)]
    pub client_id: uuid::Uuid,

    /// The certificate (its public part: PEM or DER, a `.cer` as Windows exports it; RSA).
    #[arg(long, value_name = "FILE")]
    pub certificate: std::path::PathBuf,

    #[command(flatten)]
    pub database: DatabaseArgs,
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

    /// A certificate whose key may sign the application's client assertions (PEM or DER, the
    /// public part, RSA; repeat for several).
    #[arg(long = "certificate", value_name = "FILE")]
    pub certificates: Vec<std::path::PathBuf>,

    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// Reads a certificate file to register.
fn read_certificate(path: &std::path::Path) -> Result<autopilot_domain::AppCertificate> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    autopilot_server::certificates::read(&bytes, time::OffsetDateTime::now_utc())
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Prints a registered certificate's thumbprints and validity.
fn print_certificate(c: &autopilot_domain::AppCertificate) {
    use autopilot_server::certificates::hex;
    let date = |t: time::OffsetDateTime| t.date().to_string();
    println!(
        "certificate   {} (SHA-1; SHA-256 {}), valid {} to {}",
        hex(&c.sha1),
        hex(&c.sha256),
        date(c.not_before),
        date(c.not_after)
    );
}

/// `autopilot-graph app ...`.
pub fn app(command: AppCommand) -> Result<ExitCode> {
    match command {
        AppCommand::Add(args) => app_add(args),
        AppCommand::AddCertificate(args) => app_add_certificate(args),
        AppCommand::Permissions(args) => crate::permissions::run(args),
    }
}

/// `autopilot-graph app add-certificate`.
fn app_add_certificate(args: AppCertificateArgs) -> Result<ExitCode> {
    let certificate = read_certificate(&args.certificate)?;
    current_thread()?.block_on(async {
        let url = args.database.url()?;
        let store = autopilot_store::open(&url)
            .await
            .with_context(|| format!("cannot open {}", autopilot_store::redact(&url)))?;
        let tid = autopilot_domain::TenantId::new(&auth::tenant_guid(&args.tenant).to_string());
        let found = store
            .add_certificate(&tid, args.client_id, &certificate)
            .await
            .context("cannot register the certificate")?;
        if !found {
            anyhow::bail!(
                "tenant '{}' has no application {}",
                args.tenant,
                args.client_id
            );
        }
        print_certificate(&certificate);
        Ok(ExitCode::SUCCESS)
    })
}

/// `autopilot-graph app add`.
fn app_add(args: AppAddArgs) -> Result<ExitCode> {
    let certificates = args
        .certificates
        .iter()
        .map(|p| read_certificate(p))
        .collect::<Result<Vec<_>>>()?;
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
        let mut application = application;
        application.certificates = certificates;
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
        for c in &application.certificates {
            print_certificate(c);
        }
        println!(
            "token URL     /{}/oauth2/v2.0/token (scope https://graph.microsoft.com/.default)",
            args.tenant
        );
        crate::output::error_line("The secret is shown this once; only a salted hash is kept.");
        Ok(ExitCode::SUCCESS)
    })
}
