//! `autopilot-graph scenario apply | list | reset`: a tenant's scenarios at run time, through
//! the server's management API (`/_autopilot-graph/tenants/{tenant}/scenarios`). Each document
//! is checked here first, with the same reader the server uses, so a mistake is reported with
//! its file, line and rule before anything is sent. The token is `--token` (it must carry
//! `AutopilotGraph.Admin`), or one made with the data directory's key for a server on this
//! machine.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use autopilot_server::auth::{self, TokenRequest};
use clap::{Args, Subcommand};
use serde_json::Value;

use crate::database::current_thread;
use crate::serve::{DataDirArg, load_key};

/// `autopilot-graph scenario ...`.
#[derive(Debug, Subcommand)]
pub enum ScenarioCommand {
    /// Put scenario documents for a tenant (each replaces the one of its name).
    Apply(ApplyArgs),
    /// List a tenant's scenarios: name, version, rules, last change.
    List(ServerArgs),
    /// Remove a tenant's scenario, or all of them.
    Reset(ResetArgs),
}

/// Where the server is, whose scenarios, and how to be let in.
#[derive(Debug, Args)]
pub struct ServerArgs {
    /// The tenant (name or GUID).
    #[arg(long)]
    pub tenant: String,

    /// The server.
    #[arg(
        long,
        env = "AUTOPILOT_GRAPH_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub url: String,

    /// A bearer token that carries `AutopilotGraph.Admin`; without it, one is made with the
    /// data directory's key (the server must use the same directory's key).
    #[arg(long, env = "AUTOPILOT_GRAPH_ADMIN_TOKEN", hide_env_values = true)]
    pub token: Option<String>,

    #[command(flatten)]
    pub data: DataDirArg,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub server: ServerArgs,

    /// Scenario documents (TOML).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ResetArgs {
    #[command(flatten)]
    pub server: ServerArgs,

    /// The scenario to remove; without it, every scenario of the tenant goes.
    pub name: Option<String>,
}

pub fn run(command: ScenarioCommand) -> Result<ExitCode> {
    current_thread()?.block_on(async {
        match command {
            ScenarioCommand::Apply(args) => apply(args).await,
            ScenarioCommand::List(args) => list(args).await,
            ScenarioCommand::Reset(args) => reset(args).await,
        }
    })
}

fn token(args: &ServerArgs) -> Result<String> {
    if let Some(t) = &args.token {
        return Ok(t.clone());
    }
    let key = load_key(&args.data.data_dir)?;
    let request = TokenRequest {
        tenant: args.tenant.clone(),
        app_id: auth::DEFAULT_APP_ID.to_owned(),
        scopes: vec![autopilot_server::handlers::management::ADMIN.to_owned()],
        roles: Vec::new(),
        lifetime: time::Duration::minutes(10),
        now: time::OffsetDateTime::now_utc(),
        user: None,
        app_name: Some("autopilot-graph scenario".to_owned()),
    };
    auth::mint(&key, &request).context("cannot sign an admin token")
}

fn url(args: &ServerArgs, name: Option<&str>) -> String {
    let enc = |s: &str| {
        percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    let base = format!(
        "{}/_autopilot-graph/tenants/{}/scenarios",
        args.url.trim_end_matches('/'),
        enc(&args.tenant)
    );
    match name {
        Some(n) => format!("{base}/{}", enc(n)),
        None => base,
    }
}

/// Sends a request; the answer's JSON, or the server's message.
async fn send(request: reqwest::RequestBuilder) -> Result<(u16, Value)> {
    let response = request.send().await.context("cannot reach the server")?;
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if status >= 400 {
        let message = body["error"]["message"].as_str().unwrap_or(&text);
        bail!("the server answered {status}: {message}");
    }
    Ok((status, body))
}

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn apply(args: ApplyArgs) -> Result<ExitCode> {
    // Every document is read and checked before any is sent.
    let mut documents = Vec::new();
    for path in &args.files {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let parsed = autopilot_scenario::Scenario::parse(&text)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        documents.push((path, parsed.name, text));
    }
    let token = token(&args.server)?;
    for (path, name, text) in documents {
        let request = client()
            .put(url(&args.server, Some(&name)))
            .bearer_auth(&token)
            .header("content-type", "application/toml")
            .body(text);
        let (status, body) = send(request)
            .await
            .with_context(|| format!("{}", path.display()))?;
        println!(
            "{} {name}: version {}, {} rules",
            if status == 201 { "put" } else { "replaced" },
            body["version"],
            body["rules"]
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn list(args: ServerArgs) -> Result<ExitCode> {
    let token = token(&args)?;
    let (_, body) = send(client().get(url(&args, None)).bearer_auth(&token)).await?;
    for s in body["value"].as_array().into_iter().flatten() {
        println!(
            "{}\tversion {}\t{} rules\t{}",
            s["name"].as_str().unwrap_or_default(),
            s["version"],
            s["rules"],
            s["updatedDateTime"].as_str().unwrap_or_default()
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn reset(args: ResetArgs) -> Result<ExitCode> {
    let token = token(&args.server)?;
    let target = url(&args.server, args.name.as_deref());
    send(client().delete(target).bearer_auth(&token)).await?;
    match &args.name {
        Some(n) => println!("removed {n}"),
        None => println!("removed every scenario of {}", args.server.tenant),
    }
    Ok(ExitCode::SUCCESS)
}
