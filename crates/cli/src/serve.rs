//! `autopilot-graph serve` and `autopilot-graph token`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use autopilot_domain::SystemClock;
use autopilot_domain::delay::ProcessingDelay;
use autopilot_server::auth::{self, SigningKey, TokenRequest};
use autopilot_server::worker::{self, Wake};
use autopilot_server::{AppState, ServerConfig};
use clap::Args;

/// A start-up line on standard output for the operator. A closed standard output (a reader that
/// went away) must not stop the server, so a failed write is ignored, where `println!` would
/// panic.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// Options of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port for plain http (port 0 picks a free one). Default 127.0.0.1:8080;
    /// with TLS on, plain http is served only when this is given.
    #[arg(long, env = "AUTOPILOT_GRAPH_LISTEN")]
    pub listen: Option<SocketAddr>,

    /// Address and port for https, when TLS is on (`--tls-cert`/`--tls-key` or `--tls
    /// self-signed`). Default 127.0.0.1:8443.
    #[arg(long, env = "AUTOPILOT_GRAPH_HTTPS_LISTEN")]
    pub https_listen: Option<SocketAddr>,

    /// The server's certificate chain (PEM) for https.
    #[arg(
        long,
        env = "AUTOPILOT_GRAPH_TLS_CERT",
        requires = "tls_key",
        conflicts_with = "tls"
    )]
    pub tls_cert: Option<PathBuf>,

    /// The private key (PEM: PKCS#8, PKCS#1 or SEC1) of `--tls-cert`.
    #[arg(long, env = "AUTOPILOT_GRAPH_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// `self-signed`: https with a certificate for localhost, 127.0.0.1 and ::1, signed by a
    /// local CA; both are made once and kept in DATA_DIR/tls, and the CA file to trust is
    /// printed at start.
    #[arg(long, env = "AUTOPILOT_GRAPH_TLS", value_parser = ["self-signed"])]
    pub tls: Option<String>,

    /// The most bytes of request line and headers; larger heads get 431.
    #[arg(long, env = "AUTOPILOT_GRAPH_MAX_HEADER_BYTES", default_value_t = 32 * 1024,
          value_parser = clap::value_parser!(u32).range(4096..=1_048_576))]
    pub max_header_bytes: u32,

    /// How long a client may take to send its request headers or finish a TLS handshake
    /// (and how long an idle keep-alive connection stays open).
    #[arg(long, env = "AUTOPILOT_GRAPH_CLIENT_TIMEOUT", default_value = "30s", value_parser = autopilot_domain::delay::parse_duration)]
    pub client_timeout: time::Duration,

    /// How long a client may take to send a whole request body; slower bodies get 408.
    #[arg(long, env = "AUTOPILOT_GRAPH_BODY_TIMEOUT", default_value = "120s", value_parser = autopilot_domain::delay::parse_duration)]
    pub body_timeout: time::Duration,

    /// The most connections open at once; more wait to be accepted.
    #[arg(long, env = "AUTOPILOT_GRAPH_MAX_CONNECTIONS", default_value_t = 4096,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections: u32,

    #[command(flatten)]
    pub data: DataDirArg,

    /// Database URL: `sqlite://PATH`, `sqlite::memory:` (a throwaway server), or
    /// `postgres://USER:PASSWORD@HOST:PORT/DATABASE` (shared by several instances). Default:
    /// the SQLite file `autopilot-graph.db` in the data directory.
    #[arg(long, env = "AUTOPILOT_GRAPH_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// No longer used (accepted so that existing configurations start): a registration round
    /// locks its records in its own transaction, so a stopped instance's records are free at
    /// once. Older versions claimed them for this long.
    #[arg(long, env = "AUTOPILOT_GRAPH_CLAIM_LEASE", hide = true)]
    pub claim_lease: Option<String>,

    /// The most devices one import request may carry; larger requests get 400, and bodies
    /// beyond the matching size 413.
    #[arg(
        long,
        env = "AUTOPILOT_GRAPH_MAX_DEVICES_PER_REQUEST",
        default_value_t = 500,
        value_parser = clap::value_parser!(u32).range(1..=100_000)
    )]
    pub max_devices_per_request: u32,

    /// How long the registration service takes per record: a duration (`0s` for tests and CI,
    /// `5s`, `1m30s`, `250ms`) or a range each record draws from uniformly (`60s..95s`, like
    /// the real service).
    #[arg(long, env = "AUTOPILOT_GRAPH_PROCESSING_DELAY", default_value = "5s")]
    pub processing_delay: ProcessingDelay,

    /// A scenario document to run (TOML; repeat for several, the first whose rule matches
    /// decides). See docs/scenarios.md.
    #[arg(long = "scenario", value_name = "FILE")]
    pub scenarios: Vec<PathBuf>,

    /// The least time between two manual Autopilot syncs
    /// (`windowsAutopilotSettings/sync`); earlier triggers get 429 with `Retry-After`.
    #[arg(long, env = "AUTOPILOT_GRAPH_SYNC_INTERVAL", default_value = "10m", value_parser = autopilot_domain::delay::parse_duration)]
    pub sync_interval: time::Duration,

    /// How long a manual Autopilot sync runs (`syncStatus` is `inProgress` meanwhile, and
    /// another trigger gets 409).
    #[arg(long, env = "AUTOPILOT_GRAPH_SYNC_DURATION", default_value = "20s", value_parser = autopilot_domain::delay::parse_duration)]
    pub sync_duration: time::Duration,

    /// How long after a device's registration (or a later assignment) a matching deployment
    /// profile turns `assignedInSync`.
    #[arg(long, env = "AUTOPILOT_GRAPH_PROFILE_ASSIGNMENT_DELAY", default_value = "60s", value_parser = autopilot_domain::delay::parse_duration)]
    pub profile_assignment_delay: time::Duration,

    /// How long after a change (a dynamic group's rule or processing state, or a device its
    /// rule may select) the group's members follow, as Entra's membership processing does.
    #[arg(long, env = "AUTOPILOT_GRAPH_MEMBERSHIP_DELAY", default_value = "30s", value_parser = autopilot_domain::delay::parse_duration)]
    pub membership_delay: time::Duration,

    /// Throttle with Intune's published limits (per tenant 200 writes and 2000 requests, per
    /// application in a tenant 100 writes and 1000 requests, per 20 seconds); `off` disables.
    #[arg(long, env = "AUTOPILOT_GRAPH_THROTTLE", default_value = "intune", value_parser = ["intune", "off"])]
    pub throttle: String,

    /// How bearer tokens are checked: `dev` (HS256 with the data directory's key, as `token`
    /// signs them) or `jwks` (RS256/ES256 tokens of a real identity provider, against
    /// `--jwks-url` or `--jwks-file`).
    #[arg(long, env = "AUTOPILOT_GRAPH_AUTH", default_value = "dev", value_parser = ["dev", "jwks"])]
    pub auth: String,

    /// The JSON Web Key Set for `--auth jwks`, from a file.
    #[arg(long, env = "AUTOPILOT_GRAPH_JWKS_FILE", conflicts_with = "jwks_url")]
    pub jwks_file: Option<PathBuf>,

    /// The JSON Web Key Set for `--auth jwks`, from the identity provider (its `jwks_uri`,
    /// e.g. `https://login.microsoftonline.com/common/discovery/v2.0/keys`). Kept for an hour,
    /// fetched again at once when a token names an unknown key (at most every 10 seconds).
    #[arg(long, env = "AUTOPILOT_GRAPH_JWKS_URL")]
    pub jwks_url: Option<String>,

    /// Accepted issuer for `--auth jwks`, with `{tid}` for the token's tenant (repeat for
    /// several). Default: Entra ID's two forms.
    #[arg(
        long = "issuer",
        env = "AUTOPILOT_GRAPH_ISSUERS",
        value_delimiter = ','
    )]
    pub issuers: Vec<String>,

    /// Accepted audience for `--auth jwks` (repeat for several). Default: Microsoft Graph's.
    #[arg(
        long = "audience",
        env = "AUTOPILOT_GRAPH_AUDIENCES",
        value_delimiter = ','
    )]
    pub audiences: Vec<String>,

    /// Tenant of the ready-to-use token printed at start.
    #[arg(long, env = "AUTOPILOT_GRAPH_DEV_TENANT", default_value = "default")]
    pub dev_tenant: String,

    /// Log filter (`info`, `debug`, `autopilot_server=debug,warn`, ...).
    #[arg(long, env = "AUTOPILOT_GRAPH_LOG", default_value = "info")]
    pub log: String,

    /// Log lines as `text` or `json` (one object per line).
    #[arg(long, env = "AUTOPILOT_GRAPH_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    pub log_format: String,

    /// Where the audit log goes: `stderr` (with the other logs), a file (appended), or `off`.
    #[arg(
        long,
        env = "AUTOPILOT_GRAPH_AUDIT_LOG",
        default_value = "stderr",
        value_name = "stderr|FILE|off"
    )]
    pub audit_log: String,

    /// Prometheus metrics at `/metrics`: `on` (on the Graph listener, or on `--metrics-listen`)
    /// or `off`.
    #[arg(long, env = "AUTOPILOT_GRAPH_METRICS", default_value = "on", value_parser = ["on", "off"])]
    pub metrics: String,

    /// Serve `/metrics` (and `/healthz`, `/readyz`) on a listener of its own, without a token,
    /// and not on the Graph listener.
    #[arg(long, env = "AUTOPILOT_GRAPH_METRICS_LISTEN", value_name = "ADDR")]
    pub metrics_listen: Option<SocketAddr>,

    /// The admin console's password (`/console/`); without it, the one in the data
    /// directory's `console-password`, made on first start and printed.
    #[arg(long, env = "AUTOPILOT_GRAPH_CONSOLE_PASSWORD", hide_env_values = true)]
    pub console_password: Option<String>,

    /// Also count requests and imports per tenant (tenant ids in the metrics). `/metrics` on
    /// the Graph listener then needs an admin token.
    #[arg(long, env = "AUTOPILOT_GRAPH_METRICS_PER_TENANT")]
    pub metrics_per_tenant: bool,
}

/// The data directory option, shared by `serve` and `token`.
#[derive(Debug, Args)]
pub struct DataDirArg {
    /// Directory for the SQLite database (WAL mode) and the development signing key.
    #[arg(
        long,
        env = "AUTOPILOT_GRAPH_DATA_DIR",
        default_value = "./autopilot-graph-data"
    )]
    pub data_dir: PathBuf,
}

use auth::DEFAULT_PERMISSIONS as DEV_PERMISSIONS;

pub(crate) fn dev_permissions() -> Vec<String> {
    DEV_PERMISSIONS.iter().map(|p| (*p).to_owned()).collect()
}

pub(crate) fn default_scopes(scopes: &[String], roles: &[String]) -> Vec<String> {
    if scopes.is_empty() && roles.is_empty() {
        dev_permissions()
    } else {
        scopes.to_vec()
    }
}

/// The scenario files, each read and checked whole: a mistake names the file, the line and
/// the rule, and the server does not start.
fn load_scenarios(files: &[PathBuf]) -> Result<autopilot_server::scenarios::Scenarios> {
    let mut loaded = Vec::with_capacity(files.len());
    for path in files {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the scenario {}", path.display()))?;
        let scenario = autopilot_scenario::Scenario::parse(&text)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        autopilot_server::scenarios::Scenarios::check(&scenario)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        tracing::info!(
            scenario = %scenario.name,
            version = scenario.version,
            rules = scenario.rules.len(),
            file = %path.display(),
            "scenario loaded"
        );
        loaded.push(scenario);
    }
    Ok(autopilot_server::scenarios::Scenarios::new(loaded))
}

pub(crate) fn load_key(dir: &Path) -> Result<SigningKey> {
    SigningKey::load_or_create(dir).context("cannot prepare the signing key")
}

/// `autopilot-graph serve`: runs the Graph server until SIGINT or SIGTERM.
pub fn serve(args: ServeArgs) -> Result<ExitCode> {
    let audit = crate::logging::Audit::parse(&args.audit_log);
    crate::logging::init(&args.log, &args.log_format, &audit)?;
    tracing::info!(audit_log = %audit.describe(), "audit log");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(run(args))?;
    Ok(ExitCode::SUCCESS)
}

async fn run(args: ServeArgs) -> Result<()> {
    let dir = &args.data.data_dir;
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
    let key = load_key(dir)?;
    let url = crate::database::database_url(dir, args.database_url.as_deref())?;
    if args.claim_lease.is_some() {
        tracing::warn!(
            "--claim-lease (AUTOPILOT_GRAPH_CLAIM_LEASE) is no longer used: a registration \
             round locks its records in its own transaction, so a stopped instance's records \
             are free at once"
        );
    }
    let store = autopilot_store::open(&url)
        .await
        .with_context(|| format!("cannot open {}", autopilot_store::redact(&url)))?;
    let clock: Arc<dyn autopilot_domain::Clock> = Arc::new(SystemClock);
    let wake = Wake::new();
    let limits = (args.throttle == "intune").then_some(autopilot_server::throttle::Limits::INTUNE);
    use autopilot_server::jwks::{FetchPolicy, JwksVerifier};
    let jwks = match (args.auth.as_str(), &args.jwks_file, &args.jwks_url) {
        ("jwks", Some(path), _) => Some(Arc::new(
            JwksVerifier::from_file(path, args.issuers.clone(), args.audiences.clone())
                .map_err(|e| anyhow::anyhow!(e))?,
        )),
        ("jwks", None, Some(url)) => Some(Arc::new(
            JwksVerifier::from_url(
                url,
                args.issuers.clone(),
                args.audiences.clone(),
                FetchPolicy::default(),
            )
            .await
            .map_err(|e| anyhow::anyhow!(e))?,
        )),
        ("jwks", None, None) => anyhow::bail!("--auth jwks needs --jwks-url or --jwks-file"),
        _ => None,
    };
    let tls = match (&args.tls, &args.tls_cert, &args.tls_key) {
        (Some(_), _, _) => {
            let (config, files) = autopilot_server::tls::self_signed(dir)?;
            Some((config, Some(files)))
        }
        (None, Some(cert), Some(key)) => {
            Some((autopilot_server::tls::from_pem_files(cert, key)?, None))
        }
        _ => None,
    };
    let seconds = |d: time::Duration| {
        std::time::Duration::try_from(d).unwrap_or(std::time::Duration::from_secs(30))
    };
    let conn_limits = autopilot_server::listen::ConnLimits {
        max_header_bytes: usize::try_from(args.max_header_bytes).unwrap_or(usize::MAX),
        client_timeout: seconds(args.client_timeout),
        max_connections: usize::try_from(args.max_connections).unwrap_or(usize::MAX),
        ..Default::default()
    };
    let usage = Arc::new(autopilot_server::usage::UsageRecorder::default());
    let scenarios = Arc::new(load_scenarios(&args.scenarios)?);
    // Scenarios put at run time through the management API: read now, and again every few
    // seconds, so that every instance runs what any of them was given.
    scenarios
        .reload(store.as_ref())
        .await
        .context("cannot read the stored scenarios")?;
    let refresher = {
        let (scenarios, store) = (scenarios.clone(), store.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
            tick.tick().await;
            loop {
                tick.tick().await;
                if let Err(e) = scenarios.reload(store.as_ref()).await {
                    tracing::warn!(error = %e, "cannot read the stored scenarios");
                }
            }
        })
    };
    // Records still `unknown` from an earlier run are due already: the worker takes them first.
    let shaper = Some(scenarios.clone() as Arc<dyn autopilot_domain::registration::RecordShaper>);
    let registration = worker::spawn_shaped(
        store.clone(),
        clock.clone(),
        wake.clone(),
        args.membership_delay,
        shaper,
    );
    let metrics = (args.metrics == "on").then(autopilot_server::ops::metrics::install);
    let upkeep = metrics
        .clone()
        .map(autopilot_server::ops::metrics::spawn_upkeep);
    let ops = Arc::new(autopilot_server::ops::Ops {
        metrics_on_main: metrics.is_some() && args.metrics_listen.is_none(),
        metrics,
        per_tenant: args.metrics_per_tenant,
        worker: Some(registration.liveness()),
    });
    let (console, console_password) = autopilot_server::console::session::Settings::load_or_create(
        dir,
        args.console_password.as_deref(),
    )
    .context("cannot prepare the console password")?;
    let state = AppState {
        console: Arc::new(console),
        tokens: Arc::default(),
        ops,
        scenarios: scenarios.clone(),
        usage: usage.clone(),
        throttle: Arc::new(autopilot_server::throttle::Throttle::new(limits)),
        jwks,
        store: store.clone(),
        clock: clock.clone(),
        key: key.clone(),
        config: ServerConfig {
            max_devices_per_request: usize::try_from(args.max_devices_per_request)
                .unwrap_or(usize::MAX),
            processing_delay: args.processing_delay,
            sync_interval: args.sync_interval,
            sync_duration: args.sync_duration,
            profile_assignment_delay: args.profile_assignment_delay,
            membership_delay: args.membership_delay,
            throttle: limits,
            max_header_bytes: conn_limits.max_header_bytes,
            body_timeout: seconds(args.body_timeout),
            ..ServerConfig::default()
        },
        wake: wake.clone(),
    };
    let mut endpoints = Vec::new();
    let plain = match (&tls, args.listen) {
        (None, listen) => Some(listen.unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8080)))),
        (Some(_), listen) => listen,
    };
    if let Some(addr) = plain {
        endpoints.push(bind(addr, None).await?);
    }
    let mut ca_file = None;
    if let Some((config, files)) = tls {
        let addr = args
            .https_listen
            .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8443)));
        endpoints.push(bind(addr, Some(config)).await?);
        ca_file = files.map(|f| f.ca_cert);
    } else if args.https_listen.is_some() {
        anyhow::bail!("--https-listen needs --tls-cert and --tls-key, or --tls self-signed");
    }
    let mut urls = Vec::new();
    for endpoint in &endpoints {
        let addr = endpoint.listener.local_addr().context("no local address")?;
        urls.push(format!("{}://{addr}", endpoint.scheme()));
    }
    tracing::info!(
        urls = %urls.join(" "),
        database = %autopilot_store::redact(&url),
        processing_delay = %args.processing_delay,
        "autopilot-graph listening"
    );
    let metrics_listener = match args.metrics_listen {
        Some(addr) => {
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen on {addr} for metrics"))?;
            let local = listener.local_addr().context("no local address")?;
            say!("metrics on http://{local}/metrics");
            tracing::info!(url = %format!("http://{local}/metrics"), "metrics listening");
            Some(tokio::spawn(autopilot_server::ops::serve(
                listener,
                state.clone(),
                shutdown_signal(),
            )))
        }
        None => None,
    };
    let flusher = autopilot_server::usage::spawn_flusher(usage.clone(), store.clone());

    let token = auth::mint(
        &key,
        &TokenRequest {
            tenant: args.dev_tenant.clone(),
            app_id: auth::DEFAULT_APP_ID.to_owned(),
            scopes: default_scopes(&[], &[]),
            roles: Vec::new(),
            lifetime: time::Duration::hours(24),
            now: time::OffsetDateTime::now_utc(),
            user: None,
            app_name: None,
        },
    )
    .context("cannot sign the start-up token")?;
    // Printed for the operator on standard output, never written to the log.
    for url in &urls {
        say!("autopilot-graph listening on {url}");
    }
    if let Some(ca) = &ca_file {
        say!("CA certificate to trust: {}", ca.display());
    }
    let base = urls.last().cloned().unwrap_or_default();
    say!(
        "Token for tenant '{}' ({}, 24 h):\n{token}",
        args.dev_tenant,
        DEV_PERMISSIONS.join(", ")
    );
    say!(
        "Try: curl{} -H \"Authorization: Bearer {token}\" {base}/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities",
        ca_file
            .as_ref()
            .map(|ca| format!(" --cacert {}", ca.display()))
            .unwrap_or_default()
    );
    say!(
        "Console: {base}/console/ (password: {})",
        if args.console_password.is_some() {
            "as given"
        } else {
            console_password.as_str()
        }
    );
    use std::io::Write as _;
    let _ = std::io::stdout().flush();

    autopilot_server::listen::serve(
        endpoints,
        autopilot_server::router(state),
        conn_limits,
        shutdown_signal(),
    )
    .await;
    registration.stop().await;
    flusher.stop().await;
    refresher.abort();
    if let Some(task) = upkeep {
        task.abort();
    }
    if let Some(task) = metrics_listener {
        task.abort();
    }
    tracing::info!("autopilot-graph stopped");
    Ok(())
}

async fn bind(
    addr: SocketAddr,
    tls: Option<Arc<rustls::ServerConfig>>,
) -> Result<autopilot_server::listen::Endpoint> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    Ok(autopilot_server::listen::Endpoint { listener, tls })
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
