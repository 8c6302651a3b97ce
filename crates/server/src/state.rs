//! What every request shares: the server's settings ([`ServerConfig`]), its state
//! ([`AppState`]), and what the dispatcher learns about one request before a handler runs
//! ([`Ctx`]).

use std::sync::Arc;

use autopilot_domain::delay::ProcessingDelay;
use autopilot_domain::{Clock, Principal, Store, TenantId};
use autopilot_odata::Query;
use axum::http::HeaderValue;

use crate::auth::SigningKey;
use crate::route::Target;
use crate::worker::Wake;

/// Settings of the protocol layer.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The most devices one request may import.
    pub max_devices_per_request: usize,
    /// The scheme to put in `@odata.context` and `@odata.nextLink` when the request does not
    /// say (`X-Forwarded-Proto`).
    pub scheme: &'static str,
    /// How long the registration service takes per record.
    pub processing_delay: ProcessingDelay,
    /// The least time between two manual Autopilot syncs (Intune: 10 minutes).
    pub sync_interval: time::Duration,
    /// How long a manual sync runs.
    pub sync_duration: time::Duration,
    /// How long after registration (or the assignment) a matching profile becomes
    /// `assignedInSync`.
    pub profile_assignment_delay: time::Duration,
    /// How long after a change (a dynamic group's rule or state, or a device it may select)
    /// the group's members follow.
    pub membership_delay: time::Duration,
    /// Request limits; `None` turns throttling off.
    pub throttle: Option<crate::throttle::Limits>,
    /// The most bytes of request line and headers (431 beyond).
    pub max_header_bytes: usize,
    /// How long a client may take to send a whole request body (408 beyond).
    pub body_timeout: std::time::Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_devices_per_request: 500,
            scheme: "http",
            processing_delay: ProcessingDelay::default(),
            sync_interval: time::Duration::minutes(10),
            sync_duration: time::Duration::seconds(20),
            profile_assignment_delay: time::Duration::seconds(60),
            membership_delay: time::Duration::seconds(30),
            throttle: Some(crate::throttle::Limits::INTUNE),
            max_header_bytes: crate::listen::ConnLimits::default().max_header_bytes,
            body_timeout: std::time::Duration::from_secs(120),
        }
    }
}

impl ServerConfig {
    /// The largest request body: about 4.5 KB per device as base64, four times that as the
    /// byte arrays Windows PowerShell 5.1 sends, plus room for the envelope.
    pub fn body_limit(&self) -> usize {
        self.max_devices_per_request.saturating_mul(16 * 1024) + 64 * 1024
    }
}

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub key: SigningKey,
    pub config: ServerConfig,
    /// Wakes the registration worker when records are imported.
    pub wake: Wake,
    /// Request counters for throttling.
    pub throttle: Arc<crate::throttle::Throttle>,
    /// `jwks` authentication; `None`: development tokens signed with `key`.
    pub jwks: Option<Arc<crate::jwks::JwksVerifier>>,
    /// What each call needed, counted until the next flush to the store.
    pub usage: Arc<crate::usage::UsageRecorder>,
    /// The scenarios that shape requests (none: nothing is checked).
    pub scenarios: Arc<crate::scenarios::Scenarios>,
    /// Probes and metrics.
    pub ops: Arc<crate::ops::Ops>,
    /// The admin console's settings (its password).
    pub console: Arc<crate::console::session::Settings>,
    /// Bearer tokens verified already.
    pub tokens: Arc<crate::token_cache::TokenCache>,
}

fn span(d: std::time::Duration) -> time::Duration {
    time::Duration::try_from(d).unwrap_or(time::Duration::MAX)
}

impl AppState {
    /// The processing delay of `tenant`'s imports: its scenarios' timing profile, else the
    /// server's.
    pub fn processing_delay(&self, tenant: &TenantId) -> ProcessingDelay {
        match self.scenarios.timing(tenant.as_str()) {
            Some(t) => ProcessingDelay {
                min: span(t.processing.min),
                max: span(t.processing.max),
            },
            None => self.config.processing_delay,
        }
    }

    /// The sync interval and duration of `tenant`.
    pub fn sync_timing(&self, tenant: &TenantId) -> (time::Duration, time::Duration) {
        match self.scenarios.timing(tenant.as_str()) {
            Some(t) => (span(t.sync_interval), span(t.sync_duration)),
            None => (self.config.sync_interval, self.config.sync_duration),
        }
    }

    /// How long a profile assignment takes in `tenant`.
    pub fn profile_assignment_delay(&self, tenant: &TenantId) -> time::Duration {
        self.scenarios
            .timing(tenant.as_str())
            .map_or(self.config.profile_assignment_delay, |t| {
                span(t.profile_assignment)
            })
    }
}

/// Everything a handler needs to know about the request besides its body: what it addressed,
/// who sent it, and the query options, all checked.
#[derive(Debug)]
pub struct Ctx {
    pub target: Target,
    /// `scheme://host`, from the request.
    pub origin: String,
    /// The request path as sent, for `@odata.nextLink`.
    pub path: String,
    pub options: Query,
    pub principal: Principal,
    /// The request's own `Authorization` header, which `$batch` hands to its sub-requests.
    pub authorization: Option<HeaderValue>,
    /// `ConsistencyLevel: eventual` was sent: directory `$search`, `$count` and advanced
    /// filters are served.
    pub eventual: bool,
    /// The server asked itself (the console), which reads `@odata.count` only when it asks
    /// for it with `$count=true`.
    pub internal: bool,
}

impl Ctx {
    /// `{origin}/{version}/$metadata#`: the start of every `@odata.context`.
    pub fn metadata(&self) -> String {
        format!(
            "{}/{}/$metadata#",
            self.origin,
            self.target.version.as_str()
        )
    }

    pub fn tenant(&self) -> &TenantId {
        &self.principal.tenant
    }
}

/// The dispatcher, as `$batch` calls it for each sub-request: one request in, its response
/// (errors rendered, ids stamped) out.
pub(crate) type Dispatch = for<'a> fn(
    &'a AppState,
    axum::extract::Request,
) -> std::pin::Pin<
    Box<dyn Future<Output = axum::response::Response> + Send + 'a>,
>;

/// The origin a `$batch` sub-request inherits from its batch.
#[derive(Debug, Clone)]
pub(crate) struct BatchOrigin(pub String);
