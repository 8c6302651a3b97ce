//! A running server and a client for it.

use std::sync::{Arc, Mutex};

use autopilot_domain::delay::ProcessingDelay;
use autopilot_domain::{Clock, ManualClock, Store, SystemClock};
use autopilot_server::auth::{self, SigningKey, TokenRequest};
use autopilot_server::scenarios::Scenarios;
use autopilot_server::worker::{self, Wake, WorkerHandle};
use autopilot_server::{AppState, ServerConfig};
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::Value;

pub const RW: &str = "DeviceManagementServiceConfig.ReadWrite.All";
/// The console password of the test servers.
pub const CONSOLE_PASSWORD: &str = "console test password";
pub const RO: &str = "DeviceManagementServiceConfig.Read.All";
pub const IMPORTED: &str = "/deviceManagement/importedWindowsAutopilotDeviceIdentities";

/// With `AUTOPILOT_GRAPH_TEST_STORE=postgres`, every in-memory SQLite server of the suite runs
/// on a fresh PostgreSQL database instead (on `TEST_DATABASE_URL`): the whole API suite, on
/// both backends.
async fn test_database(url: &str) -> String {
    if url == "sqlite::memory:"
        && std::env::var("AUTOPILOT_GRAPH_TEST_STORE").is_ok_and(|v| v == "postgres")
    {
        return autopilot_testkit::postgres::fresh_database()
            .await
            .expect("AUTOPILOT_GRAPH_TEST_STORE=postgres needs TEST_DATABASE_URL");
    }
    url.to_owned()
}

pub struct Server {
    pub base: String,
    key: SigningKey,
    client: reqwest::Client,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    manual: Option<Arc<ManualClock>>,
    wake: Wake,
    worker: Mutex<Option<WorkerHandle>>,
    membership_delay: time::Duration,
    usage: Arc<autopilot_server::usage::UsageRecorder>,
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {}: body is not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or_default()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Checks the status and that the body is a Graph error with this code, carrying the
    /// request's ids; returns the message.
    pub fn graph_error(&self, status: u16, code: &str) -> String {
        assert_eq!(self.status, status, "{}", self.text());
        assert!(
            self.header("content-type").starts_with("application/json"),
            "content type {:?}",
            self.header("content-type")
        );
        let body = self.json();
        let error = &body["error"];
        assert_eq!(error["code"], code, "{body}");
        let message = error["message"].as_str().unwrap().to_owned();
        assert!(!message.is_empty());
        let inner = &error["innerError"];
        assert_eq!(inner["request-id"], self.header("request-id"));
        assert_eq!(inner["client-request-id"], self.header("client-request-id"));
        let date = inner["date"].as_str().unwrap();
        assert_eq!(
            date.len(),
            19,
            "innerError.date like 2024-02-07T07:04:41: {date}"
        );
        message
    }
}

impl Server {
    /// A server whose registration service decides at once (processing delay 0).
    /// Throttling is off here (tests poll hard); `tests/it/throttle.rs` turns it on.
    pub async fn start() -> Self {
        Self::with_config(ServerConfig {
            processing_delay: ProcessingDelay::fixed(time::Duration::ZERO),
            throttle: None,
            ..ServerConfig::default()
        })
        .await
    }

    pub async fn with_config(config: ServerConfig) -> Self {
        Self::build(config, None, "sqlite::memory:").await
    }

    /// A server on a manual clock: records fall due only when the test moves it.
    pub async fn with_manual_clock(delay: &str) -> (Self, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::new(time::OffsetDateTime::now_utc()));
        let config = ServerConfig {
            processing_delay: delay.parse().unwrap(),
            throttle: None,
            ..ServerConfig::default()
        };
        (
            Self::build(config, Some(clock.clone()), "sqlite::memory:").await,
            clock,
        )
    }

    /// A server on a manual clock with the given configuration.
    pub async fn with_config_and_clock(config: ServerConfig) -> (Self, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::new(time::OffsetDateTime::now_utc()));
        (
            Self::build(config, Some(clock.clone()), "sqlite::memory:").await,
            clock,
        )
    }

    /// A server on an SQLite file (for restart tests).
    pub async fn on_file(url: &str) -> Self {
        let config = ServerConfig {
            processing_delay: ProcessingDelay::fixed(time::Duration::ZERO),
            throttle: None,
            ..ServerConfig::default()
        };
        Self::build(config, None, url).await
    }

    /// A server checking tokens against a JWKS (`--auth jwks`).
    pub async fn with_jwks(verifier: autopilot_server::jwks::JwksVerifier) -> Self {
        let config = ServerConfig {
            processing_delay: ProcessingDelay::fixed(time::Duration::ZERO),
            throttle: None,
            ..ServerConfig::default()
        };
        Self::build_with(config, None, "sqlite::memory:", Some(Arc::new(verifier))).await
    }

    async fn build(config: ServerConfig, manual: Option<Arc<ManualClock>>, url: &str) -> Self {
        Self::build_with(config, manual, url, None).await
    }

    /// A server on https only, with the self-signed set made in `data_dir`; its client trusts
    /// the CA file and nothing else added.
    pub async fn with_self_signed_tls(data_dir: &std::path::Path) -> Self {
        let config = ServerConfig {
            processing_delay: ProcessingDelay::fixed(time::Duration::ZERO),
            throttle: None,
            ..ServerConfig::default()
        };
        let (tls, files) = autopilot_server::tls::self_signed(data_dir).unwrap();
        let ca = std::fs::read(&files.ca_cert).unwrap();
        let mut server = Self::build_on(
            config,
            None,
            "sqlite::memory:",
            None,
            Some(tls),
            autopilot_server::listen::ConnLimits::default(),
        )
        .await;
        server.client = reqwest::Client::builder()
            .tls_certs_merge([reqwest::Certificate::from_pem(&ca).unwrap()])
            .build()
            .unwrap();
        server.base = server.base.replace("127.0.0.1", "localhost");
        server
    }

    /// A plain-http server with the given connection limits.
    pub async fn with_limits(
        config: ServerConfig,
        limits: autopilot_server::listen::ConnLimits,
    ) -> Self {
        Self::build_on(config, None, "sqlite::memory:", None, None, limits).await
    }

    async fn build_with(
        config: ServerConfig,
        manual: Option<Arc<ManualClock>>,
        url: &str,
        jwks: Option<Arc<autopilot_server::jwks::JwksVerifier>>,
    ) -> Self {
        let limits = autopilot_server::listen::ConnLimits::default();
        Self::build_on(config, manual, url, jwks, None, limits).await
    }

    async fn build_on(
        config: ServerConfig,
        manual: Option<Arc<ManualClock>>,
        url: &str,
        jwks: Option<Arc<autopilot_server::jwks::JwksVerifier>>,
        tls: Option<Arc<rustls::ServerConfig>>,
        limits: autopilot_server::listen::ConnLimits,
    ) -> Self {
        Self::build_shaped(config, manual, url, jwks, tls, limits, Scenarios::default()).await
    }

    /// A server running these scenarios (`serve --scenario`), with no throttling and no
    /// processing delay.
    pub async fn with_scenarios(documents: &[&str]) -> Self {
        let loaded = documents
            .iter()
            .map(|d| autopilot_scenario::Scenario::parse(d).unwrap())
            .collect();
        let config = ServerConfig {
            processing_delay: ProcessingDelay::fixed(time::Duration::ZERO),
            throttle: None,
            ..ServerConfig::default()
        };
        let limits = autopilot_server::listen::ConnLimits::default();
        Self::build_shaped(
            config,
            None,
            "sqlite::memory:",
            None,
            None,
            limits,
            Scenarios::new(loaded),
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn build_shaped(
        config: ServerConfig,
        manual: Option<Arc<ManualClock>>,
        url: &str,
        jwks: Option<Arc<autopilot_server::jwks::JwksVerifier>>,
        tls: Option<Arc<rustls::ServerConfig>>,
        limits: autopilot_server::listen::ConnLimits,
        scenarios: Scenarios,
    ) -> Self {
        autopilot_server::tls::install_crypto_provider();
        let scenarios = Arc::new(scenarios);
        let store = autopilot_store::open(&test_database(url).await)
            .await
            .unwrap();
        let key = SigningKey::from_secret(b"a test secret that is long enough!!");
        let clock: Arc<dyn Clock> = match &manual {
            Some(m) => m.clone(),
            None => Arc::new(SystemClock),
        };
        let wake = Wake::new();
        let membership_delay = config.membership_delay;
        let usage = Arc::new(autopilot_server::usage::UsageRecorder::default());
        let shaper =
            Some(scenarios.clone() as Arc<dyn autopilot_domain::registration::RecordShaper>);
        let worker = worker::spawn_shaped(
            store.clone(),
            clock.clone(),
            wake.clone(),
            membership_delay,
            shaper,
        );
        let ops = Arc::new(autopilot_server::ops::Ops {
            metrics: Some(autopilot_server::ops::metrics::install()),
            metrics_on_main: true,
            per_tenant: false,
            worker: Some(worker.liveness()),
        });
        let state = AppState {
            console: Arc::new(autopilot_server::console::session::Settings::with_password(
                CONSOLE_PASSWORD,
            )),
            ops,
            tokens: Arc::default(),
            store: store.clone(),
            clock: clock.clone(),
            key: key.clone(),
            throttle: Arc::new(autopilot_server::throttle::Throttle::new(config.throttle)),
            jwks,
            config,
            wake: wake.clone(),
            usage: usage.clone(),
            scenarios: scenarios.clone(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let endpoint = autopilot_server::listen::Endpoint { listener, tls };
        let scheme = endpoint.scheme();
        tokio::spawn(autopilot_server::listen::serve(
            vec![endpoint],
            autopilot_server::router(state),
            limits,
            std::future::pending(),
        ));
        Server {
            base: format!("{scheme}://{addr}"),
            key,
            client: reqwest::Client::new(),
            store,
            clock,
            manual,
            wake,
            worker: Mutex::new(Some(worker)),
            membership_delay,
            usage,
        }
    }

    /// Writes the permission usage counted so far to the store, as the server does every few
    /// seconds.
    pub async fn flush_usage(&self) {
        autopilot_server::usage::flush(&self.usage, self.store.as_ref()).await;
    }

    /// The store behind the server (to register applications, say).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Moves the manual clock and lets the worker see it.
    pub fn advance(&self, by: time::Duration) {
        self.manual.as_ref().expect("a manual clock").advance(by);
        self.wake.wake();
    }

    /// Kills the registration worker where it stands (a round in flight rolls back).
    pub fn kill_worker(&self) {
        if let Some(worker) = self.worker.lock().unwrap().take() {
            worker.abort();
        }
    }

    /// Starts a new registration worker, as a restarted server would.
    pub fn start_worker(&self) {
        let worker = worker::spawn(
            self.store.clone(),
            self.clock.clone(),
            self.wake.clone(),
            self.membership_delay,
        );
        *self.worker.lock().unwrap() = Some(worker);
    }

    /// Polls an imported record (every 20 ms, for at most 30 s) until it is no longer
    /// `unknown`, as the real scripts do; returns it.
    pub async fn wait_decided(&self, path: &str, token: &str) -> Value {
        for _ in 0..1500 {
            let reply = self.get(path, token).await;
            assert_eq!(reply.status, 200, "{}", reply.text());
            let record = reply.json();
            if record["state"]["deviceImportStatus"] != "unknown" {
                return record;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("{path} stayed unknown");
    }

    /// Imports one device with `tag` and waits for its registration (the processing delay
    /// must have passed, or be zero); returns the registered Autopilot device (v1.0).
    pub async fn register(&self, token: &str, serial: &str, tag: &str) -> Value {
        const IMPORTED: &str = "/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities";
        let body = serde_json::json!({"serialNumber": serial, "groupTag": tag, "hardwareIdentifier": hash(serial)});
        let reply = self
            .post_json(IMPORTED, token, body.to_string().as_bytes())
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text());
        let id = reply.json()["id"].as_str().unwrap().to_owned();
        let record = self.wait_decided(&format!("{IMPORTED}/{id}"), token).await;
        let ztdid = record["state"]["deviceRegistrationId"].as_str().unwrap();
        let path = format!("/v1.0/deviceManagement/windowsAutopilotDeviceIdentities/{ztdid}");
        let device = self.get(&path, token).await;
        assert_eq!(device.status, 200, "{}", device.text());
        device.json()
    }

    /// Creates a user in a tenant's directory (`POST /v1.0/users`); returns it.
    pub async fn add_user(&self, tenant: &str, upn: &str) -> Value {
        let token = self.token(tenant, &["User.ReadWrite.All"], &[]);
        let nickname = upn.split('@').next().unwrap_or(upn);
        let body = serde_json::json!({"accountEnabled": true, "displayName": nickname,
            "mailNickname": nickname, "userPrincipalName": upn,
            "passwordProfile": {"forceChangePasswordNextSignIn": true, "password": "xWwvJ]6NMw+bWH-d"}});
        let reply = self
            .post_json("/v1.0/users", &token, body.to_string().as_bytes())
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text());
        reply.json()
    }

    pub fn token(&self, tenant: &str, scopes: &[&str], roles: &[&str]) -> String {
        auth::mint(
            &self.key,
            &TokenRequest {
                tenant: tenant.into(),
                app_id: auth::DEFAULT_APP_ID.into(),
                scopes: scopes.iter().map(|s| s.to_string()).collect(),
                roles: roles.iter().map(|s| s.to_string()).collect(),
                lifetime: time::Duration::hours(1),
                now: time::OffsetDateTime::now_utc(),
                user: None,
                app_name: None,
            },
        )
        .unwrap()
    }

    /// A read-write token for a tenant.
    pub fn rw(&self, tenant: &str) -> String {
        self.token(tenant, &[RW], &[])
    }

    /// A GET with extra headers; the reply may come from the HTTP layer itself (no request ids).
    pub async fn get_with_headers(
        &self,
        path: &str,
        token: &str,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(token);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let response = request.send().await.unwrap();
        Reply {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.bytes().await.unwrap().to_vec(),
        }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<(&str, Vec<u8>)>,
    ) -> Reply {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some((content_type, bytes)) = body {
            request = request.header("content-type", content_type).body(bytes);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.unwrap().to_vec();
        let reply = Reply {
            status,
            headers,
            body,
        };
        assert!(
            !reply.header("request-id").is_empty(),
            "request-id on every response"
        );
        assert!(!reply.header("client-request-id").is_empty());
        reply
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.send(Method::GET, path, Some(token), None).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Reply {
        self.send(Method::DELETE, path, Some(token), None).await
    }

    pub async fn post_json(&self, path: &str, token: &str, body: &[u8]) -> Reply {
        self.send(
            Method::POST,
            path,
            Some(token),
            Some(("application/json", body.to_vec())),
        )
        .await
    }
}

/// A valid synthetic hash, as base64.
pub fn hash(serial: &str) -> String {
    autopilot_hwhash::encode(
        &autopilot_hwhash::SyntheticDevice::new("Contoso", "Laptop 7", serial).build(),
    )
    .unwrap()
}

/// An `import` action body with `n` devices.
pub fn import_body(serials: impl IntoIterator<Item = String>) -> Vec<u8> {
    let devices: Vec<Value> = serials
        .into_iter()
        .map(|s| {
            serde_json::json!({
                "@odata.type": "#microsoft.graph.importedWindowsAutopilotDeviceIdentity",
                "serialNumber": s,
                "groupTag": "Lab",
                "hardwareIdentifier": hash(&s),
            })
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({ "importedWindowsAutopilotDeviceIdentities": devices }))
        .unwrap()
}

/// Decodes base64 the lenient way (to compare a sent placeholder with its canonical echo).
pub fn lenient_b64(text: &str) -> Vec<u8> {
    autopilot_server::wire::decode_binary(text).unwrap()
}

/// An official client that `scripts/test` installs, found through the environment variable
/// `var` when `installed` holds for the path it names. Otherwise `None` with a message that the
/// test skips, or a failure under `AUTOPILOT_GRAPH_REQUIRE_SDK=1` (as CI sets).
pub fn official_client(
    var: &str,
    installed: fn(&std::path::Path) -> bool,
    name: &str,
) -> Option<String> {
    let path = std::env::var(var)
        .ok()
        .filter(|p| installed(std::path::Path::new(p)));
    if path.is_none() {
        let required = std::env::var("AUTOPILOT_GRAPH_REQUIRE_SDK").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "AUTOPILOT_GRAPH_REQUIRE_SDK=1 but {var} names no installed {name}"
        );
        eprintln!("skipping: {name} not installed (run scripts/test, or set {var})");
    }
    path
}

/// Runs an official client's test script and returns the JSON summary it prints.
pub async fn run_client(
    program: String,
    args: Vec<String>,
    env: Vec<(&'static str, String)>,
) -> Value {
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(program)
            .args(args)
            .envs(env)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the client run failed:\n{stdout}\n{stderr}"
    );
    serde_json::from_str(stdout.trim()).unwrap()
}
