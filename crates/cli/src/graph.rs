//! A small Graph client for the command line: our server or the real Graph, a bearer token
//! given or fetched with client credentials, and the retry rules real services need (429 with
//! `Retry-After`, 503/504 with backoff). A request that changes something is never sent again
//! blind: when its answer leaves open whether it was applied, the caller is told
//! ([`GraphFailure::Unsure`]) and looks before it sends again.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use serde_json::Value;

/// Where the Graph service is and how to authenticate to it.
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// The Graph service: an autopilot-graph server, or `https://graph.microsoft.com`.
    #[arg(
        long,
        env = "AUTOPILOT_GRAPH_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub url: String,

    /// The Graph version to call.
    #[arg(long = "version", default_value = "beta", value_parser = ["beta", "v1.0"])]
    pub graph_version: String,

    /// A bearer token (also `AUTOPILOT_GRAPH_TOKEN`).
    #[arg(long, env = "AUTOPILOT_GRAPH_TOKEN", hide_env_values = true)]
    pub token: Option<String>,

    /// With `--client-id` and `--client-secret`: get an app-only token from the tenant's token
    /// endpoint (Entra ID for graph.microsoft.com, else the server at `--url`).
    #[arg(long)]
    pub tenant: Option<String>,

    #[arg(long, requires = "tenant")]
    pub client_id: Option<String>,

    #[arg(
        long,
        env = "AUTOPILOT_GRAPH_CLIENT_SECRET",
        hide_env_values = true,
        requires = "client_id"
    )]
    pub client_secret: Option<String>,

    /// The token endpoint's host, in place of the default.
    #[arg(long)]
    pub authority: Option<String>,

    /// A CA certificate (PEM) to trust besides the system's, such as the one
    /// `serve --tls self-signed` prints.
    #[arg(long, value_name = "FILE.pem")]
    pub ca_cert: Option<PathBuf>,
}

/// A problem with the command line itself (exit 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Why a call failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum GraphFailure {
    /// The service answered with an error about the request.
    #[error("{status} {code}: {message}")]
    Rejected {
        status: u16,
        code: String,
        message: String,
    },
    /// The token was refused.
    #[error("authentication failed ({status}): {message}")]
    Auth { status: u16, message: String },
    /// No usable answer: the connection failed, or kept failing, or the service stayed
    /// unavailable.
    #[error("transport failure: {0}")]
    Transport(String),
    /// A request that changes something reached the service and got no clear answer (503 or
    /// 504, or the connection was lost after it was sent): it may or may not have been applied.
    /// `wait`: the service's `Retry-After`, when it gave one.
    #[error("no clear answer: {detail}")]
    Unsure {
        detail: String,
        wait: Option<Duration>,
    },
}

/// A connected client.
#[derive(Debug)]
pub struct Graph {
    client: reqwest::Client,
    /// `url/version`.
    base: String,
    token: String,
}

const RETRIES_429: u32 = 30;
const RETRIES_UNAVAILABLE: u32 = 6;

fn graph_error(status: u16, body: &str) -> (String, String) {
    let parsed: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let code = parsed["error"]["code"].as_str().unwrap_or("").to_owned();
    let message = parsed["error"]["message"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| body.chars().take(300).collect());
    (
        if code.is_empty() {
            format!("HTTP{status}")
        } else {
            code
        },
        message,
    )
}

fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

fn form_encode(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

impl Graph {
    /// Builds the HTTP client and gets a token.
    pub async fn connect(args: &GraphArgs) -> Result<Graph> {
        let mut builder = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .user_agent(concat!("autopilot-graph/", env!("CARGO_PKG_VERSION")));
        if let Some(ca) = &args.ca_cert {
            let pem = std::fs::read(ca).with_context(|| format!("reading {}", ca.display()))?;
            let cert = reqwest::Certificate::from_pem(&pem)
                .with_context(|| format!("{} is not a PEM certificate", ca.display()))?;
            builder = builder.tls_certs_merge([cert]);
        }
        let client = builder.build().context("cannot make an HTTP client")?;
        let url = args.url.trim_end_matches('/').to_owned();
        let token = match (
            &args.token,
            &args.tenant,
            &args.client_id,
            &args.client_secret,
        ) {
            (Some(token), _, _, _) => token.clone(),
            (None, Some(tenant), Some(id), Some(secret)) => {
                let authority = args.authority.clone().unwrap_or_else(|| {
                    if url.contains("graph.microsoft.com") {
                        "https://login.microsoftonline.com".to_owned()
                    } else {
                        url.clone()
                    }
                });
                let endpoint = format!(
                    "{}/{tenant}/oauth2/v2.0/token",
                    authority.trim_end_matches('/')
                );
                let body = form_encode(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", id),
                    ("client_secret", secret),
                    ("scope", "https://graph.microsoft.com/.default"),
                ]);
                let response = client
                    .post(&endpoint)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body)
                    .send()
                    .await
                    .with_context(|| format!("cannot reach the token endpoint {endpoint}"))?;
                let status = response.status();
                let text = response.text().await.unwrap_or_default();
                let parsed: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                match parsed["access_token"].as_str() {
                    Some(token) if status.is_success() => token.to_owned(),
                    _ => anyhow::bail!(
                        "the token endpoint refused the client credentials ({status}): {}",
                        parsed["error_description"].as_str().unwrap_or(&text)
                    ),
                }
            }
            _ => {
                return Err(UsageError(
                    "no token: give --token, set AUTOPILOT_GRAPH_TOKEN, or use --tenant, \
                     --client-id and --client-secret"
                        .into(),
                )
                .into());
            }
        };
        Ok(Graph {
            client,
            base: format!("{url}/{}", args.graph_version),
            token,
        })
    }

    /// One call with the retry rules. `idempotent`: a request that may have reached the
    /// service may be sent again (GET, DELETE). A POST is sent again here only when it surely
    /// did not arrive (no connection) or was refused whole (429: Graph throttles before it
    /// does anything); after a 503, a 504 or a connection lost mid-way it ends
    /// [`GraphFailure::Unsure`].
    async fn call(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<&Value>,
        idempotent: bool,
    ) -> Result<(u16, String), GraphFailure> {
        let mut throttled = 0;
        let mut unavailable = 0;
        let mut backoff = Duration::from_secs(1);
        loop {
            let mut request = self
                .client
                .request(method.clone(), url)
                .bearer_auth(&self.token);
            if let Some(body) = body {
                request = request.json(body);
            }
            let response = match request.send().await {
                Ok(response) => response,
                Err(e) if (e.is_connect() || idempotent) && unavailable < RETRIES_UNAVAILABLE => {
                    unavailable += 1;
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                    continue;
                }
                Err(e) if !idempotent && !e.is_connect() && !e.is_builder() => {
                    return Err(GraphFailure::Unsure {
                        detail: e.to_string(),
                        wait: None,
                    });
                }
                Err(e) => return Err(GraphFailure::Transport(e.to_string())),
            };
            let status = response.status().as_u16();
            let wait = retry_after(&response);
            match status {
                429 if throttled < RETRIES_429 => {
                    throttled += 1;
                    tokio::time::sleep(wait.unwrap_or(Duration::from_secs(5))).await;
                    continue;
                }
                503 | 504 if !idempotent => {
                    return Err(GraphFailure::Unsure {
                        detail: format!("the service answered {status}"),
                        wait,
                    });
                }
                503 | 504 if unavailable < RETRIES_UNAVAILABLE => {
                    unavailable += 1;
                    tokio::time::sleep(wait.unwrap_or(backoff)).await;
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                    continue;
                }
                _ => {}
            }
            let text = response
                .text()
                .await
                .map_err(|e| GraphFailure::Transport(e.to_string()))?;
            return match status {
                200..=299 => Ok((status, text)),
                401 | 403 => Err(GraphFailure::Auth {
                    status,
                    message: graph_error(status, &text).1,
                }),
                429 | 503 | 504 => Err(GraphFailure::Transport(format!(
                    "the service kept answering {status}"
                ))),
                _ => {
                    let (code, message) = graph_error(status, &text);
                    Err(GraphFailure::Rejected {
                        status,
                        code,
                        message,
                    })
                }
            };
        }
    }

    fn imported_url(&self) -> String {
        format!(
            "{}/deviceManagement/importedWindowsAutopilotDeviceIdentities",
            self.base
        )
    }

    /// The `import` action; the created records, in request order.
    pub async fn import(&self, body: &Value) -> Result<Vec<Value>, GraphFailure> {
        let url = format!("{}/import", self.imported_url());
        let (_, text) = self
            .call(reqwest::Method::POST, &url, Some(body), false)
            .await?;
        let parsed: Value = serde_json::from_str(&text)
            .map_err(|e| GraphFailure::Transport(format!("the import answer is not JSON: {e}")))?;
        Ok(parsed["value"].as_array().cloned().unwrap_or_default())
    }

    /// Every page of a collection URL.
    pub async fn list(&self, url: &str) -> Result<Vec<Value>, GraphFailure> {
        let mut out = Vec::new();
        let mut next = Some(url.to_owned());
        while let Some(url) = next {
            let (_, text) = self.call(reqwest::Method::GET, &url, None, true).await?;
            let page: Value = serde_json::from_str(&text)
                .map_err(|e| GraphFailure::Transport(format!("a list page is not JSON: {e}")))?;
            out.extend(page["value"].as_array().cloned().unwrap_or_default());
            next = page["@odata.nextLink"].as_str().map(str::to_owned);
        }
        Ok(out)
    }

    /// Every imported record.
    pub async fn list_imported(&self) -> Result<Vec<Value>, GraphFailure> {
        self.list(&self.imported_url()).await
    }

    pub async fn delete_imported(&self, id: &str) -> Result<(), GraphFailure> {
        let url = format!("{}/{id}", self.imported_url());
        self.call(reqwest::Method::DELETE, &url, None, true).await?;
        Ok(())
    }

    /// `deviceManagement/windowsAutopilotDeviceIdentities` and below.
    pub fn devices_url(&self) -> String {
        format!(
            "{}/deviceManagement/windowsAutopilotDeviceIdentities",
            self.base
        )
    }

    pub async fn get(&self, url: &str) -> Result<Value, GraphFailure> {
        let (_, text) = self.call(reqwest::Method::GET, url, None, true).await?;
        serde_json::from_str(&text).map_err(|e| GraphFailure::Transport(format!("not JSON: {e}")))
    }

    pub async fn delete(&self, url: &str) -> Result<(), GraphFailure> {
        self.call(reqwest::Method::DELETE, url, None, true).await?;
        Ok(())
    }
}
