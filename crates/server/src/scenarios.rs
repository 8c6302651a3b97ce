//! The scenarios a server runs (`serve --scenario FILE`, several allowed), and what they do to
//! requests: a fault before or after the request is carried out (429 and 503 with
//! `Retry-After`, any other error status), added latency, a dropped connection, a refused
//! sync. Every response a rule shaped names it in `x-autopilot-graph-scenario`
//! (`scenario/rule`), and the request log says so too. With no scenario loaded the dispatcher
//! checks one boolean and nothing else.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::task::{Context, Poll};
use std::time::Duration;

use autopilot_domain::registration::{RecordEffect, RecordFacts, RecordShaper};
use autopilot_scenario::{
    Applied, DelayRange, DeviceFacts, Effect, RequestFacts, Scenario, SyncRefusal, share_of,
};
use axum::body::{Body, Bytes};
use axum::http::HeaderValue;
use axum::response::Response;
use http_body::Frame;

use crate::error::GraphError;

/// The header that names the rule that shaped a response.
pub const HEADER: &str = "x-autopilot-graph-scenario";

/// The scenarios a server runs: those of `serve --scenario` (every tenant), and those put per
/// tenant at run time (read from the store, so that every instance runs them), each rule's
/// tenant resolved to its GUID; and how many requests each counted rule (`times`) has shaped.
#[derive(Debug, Default)]
pub struct Scenarios {
    loaded: Vec<Scenario>,
    /// Run-time scenarios by tenant GUID, put through the management API.
    tenants: RwLock<Arc<HashMap<String, Vec<Scenario>>>>,
    /// Whether any scenario is loaded at all (checked first on every request).
    any: AtomicBool,
    shaped: Mutex<HashMap<(String, usize, String), u32>>,
}

/// A rule that shapes a request: which, and its effect.
#[derive(Debug, Clone)]
pub struct Shaping {
    /// `scenario/rule`, for the header and the log.
    pub name: String,
    pub effect: Effect,
}

impl Scenarios {
    /// Checks what the scenario crate cannot see: a profile rule matches registered devices,
    /// which have no place in an import, so it may not match on `nth`.
    pub fn check(scenario: &Scenario) -> Result<(), String> {
        for r in &scenario.rules {
            if r.effect.kind() == autopilot_scenario::Kind::Profile && !r.matcher.nth.is_empty() {
                return Err(format!(
                    "line {}: rule '{}': a profile rule matches registered devices, which have no place in an import (nth)",
                    r.line, r.name
                ));
            }
        }
        Ok(())
    }

    /// Scenarios as loaded; rule tenants given by name become the GUIDs tokens carry.
    pub fn new(mut loaded: Vec<Scenario>) -> Self {
        for s in &mut loaded {
            for r in &mut s.rules {
                if let Some(t) = &r.matcher.tenant {
                    r.matcher.tenant = Some(crate::auth::tenant_guid(t).hyphenated().to_string());
                }
            }
        }
        let any = AtomicBool::new(!loaded.is_empty());
        Scenarios {
            loaded,
            tenants: RwLock::new(Arc::new(HashMap::new())),
            any,
            shaped: Mutex::new(HashMap::new()),
        }
    }

    pub fn is_empty(&self) -> bool {
        !self.any.load(Ordering::Relaxed)
    }

    /// Checks a scenario put for `tenant` (its GUID) at run time: what [`Scenarios::check`]
    /// checks, and that no rule names another tenant. Its rules then match that tenant only.
    pub fn for_tenant(tenant: &str, mut scenario: Scenario) -> Result<Scenario, String> {
        Self::check(&scenario)?;
        for r in &mut scenario.rules {
            if let Some(t) = &r.matcher.tenant
                && crate::auth::tenant_guid(t).hyphenated().to_string() != tenant
            {
                return Err(format!(
                    "line {}: rule '{}': it names the tenant '{t}', but the scenario is put for {tenant}",
                    r.line, r.name
                ));
            }
            r.matcher.tenant = Some(tenant.to_owned());
        }
        Ok(scenario)
    }

    /// Replaces the run-time scenarios with what the store holds now. A document that no
    /// longer reads (written by another version) is skipped with a warning.
    pub async fn reload(
        &self,
        store: &dyn autopilot_domain::Store,
    ) -> Result<(), autopilot_domain::StoreError> {
        let mut tenants: HashMap<String, Vec<Scenario>> = HashMap::new();
        for stored in store.all_scenarios().await? {
            let parsed = Scenario::parse(&stored.document)
                .map_err(|e| e.to_string())
                .and_then(|s| Self::for_tenant(&stored.tenant, s));
            match parsed {
                Ok(s) => tenants.entry(stored.tenant).or_default().push(s),
                Err(e) => tracing::warn!(
                    tenant = %stored.tenant,
                    scenario = %stored.name,
                    error = %e,
                    "a stored scenario does not read; skipped"
                ),
            }
        }
        let any = !self.loaded.is_empty() || !tenants.is_empty();
        *self.tenants.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(tenants);
        self.any.store(any, Ordering::Relaxed);
        Ok(())
    }

    /// The run-time scenarios of `tenant`, then those of the files, in order; the first `f`
    /// answers for.
    fn for_each<T>(&self, tenant: &str, f: impl FnMut(&Scenario) -> Option<T>) -> Option<T> {
        let tenants = self
            .tenants
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        tenants
            .get(tenant)
            .into_iter()
            .flatten()
            .chain(&self.loaded)
            .find_map(f)
    }

    /// The names and rule counts of the scenarios loaded, for the start-up log.
    pub fn summary(&self) -> Vec<(String, u32, usize)> {
        self.loaded
            .iter()
            .map(|s| (s.name.clone(), s.version, s.rules.len()))
            .collect()
    }

    /// The rule that shapes a request of `tenant` (its GUID), if any: the first matching
    /// transport or sync rule of the first scenario that has one; a rule with `times` shapes
    /// that many requests of each tenant, then stands aside.
    pub fn request(&self, tenant: &str, method: &str, path: &str) -> Option<Shaping> {
        let is_sync = path.rsplit('/').next().is_some_and(|last| {
            last.eq_ignore_ascii_case("sync") || last.eq_ignore_ascii_case("microsoft.graph.sync")
        });
        let facts = RequestFacts {
            tenant,
            tenant_name: tenant,
            method,
            path,
            is_sync,
        };
        self.for_each(tenant, |s| {
            for (ri, r) in s.rules.iter().enumerate() {
                let kind = r.effect.kind();
                let applies = match kind {
                    autopilot_scenario::Kind::Transport => r.matcher.request(&facts),
                    autopilot_scenario::Kind::Sync => is_sync && r.matcher.request(&facts),
                    _ => false,
                };
                if !applies {
                    continue;
                }
                let times = match r.effect {
                    Effect::Status { times, .. } | Effect::Drop { times, .. } => times,
                    _ => None,
                };
                if let Some(limit) = times {
                    let mut shaped = self.shaped.lock().unwrap_or_else(|e| e.into_inner());
                    let n = shaped
                        .entry((s.name.clone(), ri, tenant.to_owned()))
                        .or_insert(0);
                    if *n >= limit {
                        continue;
                    }
                    *n += 1;
                }
                let name = format!("{}/{}", s.name, r.name);
                hit(&name);
                return Some(Shaping {
                    name,
                    effect: r.effect.clone(),
                });
            }
            None
        })
    }

    /// The timing profile the scenarios give `tenant` (its GUID), if any: the first scenario
    /// of the tenant, then of the files, that names one.
    pub fn timing(&self, tenant: &str) -> Option<autopilot_scenario::TimingValues> {
        if self.is_empty() {
            return None;
        }
        self.for_each(tenant, |s| s.timing.map(autopilot_scenario::Timing::values))
    }

    /// What a profile rule does to a registered device's assignment in `tenant`, if any.
    pub fn profile_effect(
        &self,
        tenant: &str,
        d: &autopilot_domain::AutopilotDevice,
    ) -> Option<autopilot_scenario::ProfileEffect> {
        if self.is_empty() {
            return None;
        }
        let facts = DeviceFacts {
            tenant,
            tenant_name: tenant,
            serial: &d.serial_number,
            group_tag: &d.group_tag,
            product_key: &d.product_key,
            manufacturer: &d.manufacturer,
            model: &d.model,
            nth: 0,
        };
        self.for_each(tenant, |s| {
            s.profile_rule(&facts).and_then(|r| match r.effect {
                Effect::Profile(p) => {
                    hit(&format!("{}/{}", s.name, r.name));
                    Some(p)
                }
                _ => None,
            })
        })
    }

    /// Forgets the counts of a tenant's counted rules (its scenarios were put or reset).
    pub fn recount(&self, tenant: &str) {
        self.shaped
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(_, _, t), _| t != tenant);
    }
}

/// Counts a rule's use in the metrics (`scenario/rule`).
fn hit(rule: &str) {
    metrics::counter!("autopilot_graph_scenario_rule_hits_total", "rule" => rule.to_owned())
        .increment(1);
}

/// A duration within a range, drawn afresh.
pub fn draw(range: DelayRange) -> Duration {
    if range.max <= range.min {
        return range.min;
    }
    let mut bytes = [0u8; 8];
    let _ = getrandom::fill(&mut bytes);
    let span = (range.max - range.min).as_nanos();
    let pick = u128::from(u64::from_le_bytes(bytes)) % (span + 1);
    range.min + Duration::from_nanos(u64::try_from(pick).unwrap_or(u64::MAX))
}

/// The error a fault answers with, in Graph's shape.
pub fn fault(status: u16, retry_after: Option<u32>) -> GraphError {
    let retry = u64::from(retry_after.unwrap_or(10));
    match status {
        429 => GraphError::too_many_requests("Too many requests. Please retry later.", retry),
        503 => GraphError::ServiceUnavailable {
            message: "The service is temporarily unavailable. Please retry later.".into(),
            retry_after: retry,
        },
        409 => GraphError::Conflict("The request conflicts with the resource's state.".into()),
        404 => GraphError::NotFound("The requested resource was not found.".into()),
        403 => GraphError::Forbidden("The request was refused.".into()),
        400 => GraphError::bad_request("The request was refused."),
        _ => GraphError::Status {
            status,
            message: "The service could not complete the request.".into(),
        },
    }
}

/// The error a refused sync answers with, as Intune's.
pub fn sync_refusal(refusal: SyncRefusal) -> GraphError {
    match refusal {
        SyncRefusal::Conflict => GraphError::Conflict(
            "A sync with the Windows Autopilot deployment service is already in progress.".into(),
        ),
        SyncRefusal::Throttled { retry_after } => GraphError::too_many_requests(
            format!(
                "A sync was triggered less than 10 minutes ago. Please retry after {retry_after} seconds."
            ),
            u64::from(retry_after),
        ),
    }
}

/// A body that fails at once: hyper closes the connection and the client gets no answer.
struct Dropped;

impl http_body::Body for Dropped {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        Poll::Ready(Some(Err(std::io::Error::other(
            "the connection is dropped by a scenario",
        ))))
    }
}

/// A response whose connection is dropped before any of it arrives whole.
pub fn dropped() -> Response {
    Response::new(Body::new(Dropped))
}

/// Names the shaping rule on a response.
pub fn mark(response: &mut Response, shaping: &Shaping) {
    if let Ok(v) = HeaderValue::from_str(&shaping.name) {
        response.headers_mut().insert(HEADER, v);
    }
    response.extensions_mut().insert(Arc::new(shaping.clone()));
}

/// Whether a fault comes before the request is carried out.
pub fn before(effect: &Effect) -> bool {
    matches!(
        effect,
        Effect::Status {
            applied: Applied::Before,
            ..
        } | Effect::Drop {
            applied: Applied::Before,
            ..
        } | Effect::Sync(_)
    )
}

/// How often a held record (`unknown = true`) is looked at again, so that it goes on once its
/// rule is gone.
const HOLD_RECHECK: time::Duration = time::Duration::seconds(5);

fn span(d: Duration) -> time::Duration {
    time::Duration::try_from(d).unwrap_or(time::Duration::MAX)
}

impl RecordShaper for Scenarios {
    fn shape(
        &self,
        r: &RecordFacts<'_>,
        now: time::OffsetDateTime,
    ) -> Option<(String, RecordEffect)> {
        // Scenarios may be put at any time: the worker always asks, and this answers at once
        // when there are none.
        if self.is_empty() {
            return None;
        }
        let facts = DeviceFacts {
            tenant: r.tenant,
            tenant_name: r.tenant,
            serial: r.serial,
            group_tag: r.group_tag,
            product_key: r.product_key,
            manufacturer: r.manufacturer,
            model: r.model,
            nth: r.nth,
        };
        let (name, seed, effect) = self.for_each(r.tenant, |s| {
            s.device_rule(&facts).map(|rule| {
                (
                    format!("{}/{}", s.name, rule.name),
                    s.seed,
                    rule.effect.clone(),
                )
            })
        })?;
        // A record's place in a delay range follows from the seed and its serial, so looking
        // at it again gives the same time.
        let place = share_of(seed, r.serial);
        let effect = match &effect {
            Effect::Unknown => RecordEffect::DeferUntil(now + HOLD_RECHECK),
            Effect::Delay(range) => {
                let until = r.imported_at + span(range.at(place));
                if now >= until {
                    return None;
                }
                RecordEffect::DeferUntil(until)
            }
            Effect::Outcome { outcome, after } => {
                match after.map(|a| r.imported_at + span(a.at(place))) {
                    Some(until) if now < until => RecordEffect::DeferUntil(until),
                    _ => RecordEffect::Fail {
                        code: outcome.code,
                        name: outcome.name.clone(),
                    },
                }
            }
            _ => return None,
        };
        hit(&name);
        Some((name, effect))
    }
}
