//! Throttling with Intune's published limits (20-second windows): per tenant 200 writes and 2000
//! requests of any kind; per application in a tenant 100 writes and 1000 requests. A request over
//! any limit gets 429 `TooManyRequests` with an integer `Retry-After` (the seconds until its
//! window ends). Windows are fixed 20-second slots of the injectable clock, counted in the
//! database when the store shares counters between instances (PostgreSQL), else in memory.

use std::collections::HashMap;
use std::sync::Mutex;

use time::OffsetDateTime;

/// The limits (requests per window); `None` turns throttling off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub window_secs: i64,
    pub tenant_writes: u32,
    pub tenant_all: u32,
    pub app_writes: u32,
    pub app_all: u32,
}

impl Limits {
    /// Intune's published limits (graph-surface.md 2.8).
    pub const INTUNE: Limits = Limits {
        window_secs: 20,
        tenant_writes: 200,
        tenant_all: 2000,
        app_writes: 100,
        app_all: 1000,
    };
}

/// A counter's key (tenant or tenant/app, and which limit) and its value (window, count).
type Counters = HashMap<(String, &'static str), (i64, u32)>;

/// The counters of one server instance.
#[derive(Debug, Default)]
pub struct Throttle {
    limits: Option<Limits>,
    counters: Mutex<Counters>,
}

impl Throttle {
    pub fn new(limits: Option<Limits>) -> Self {
        Throttle {
            limits,
            counters: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a request in the store's shared counters when it keeps them, else in memory;
    /// `Ok(Err(refusal))` when it is over a limit (and then it is not counted).
    pub async fn admit(
        &self,
        store: &dyn autopilot_domain::Store,
        tenant: &str,
        app: &str,
        write: bool,
        now: OffsetDateTime,
    ) -> Result<Result<(), Refusal>, autopilot_domain::StoreError> {
        let Some(limits) = self.limits else {
            return Ok(Ok(()));
        };
        let (window, retry_after) = window_of(limits, now);
        let keys: Vec<(String, u32)> = keys(limits, tenant, app, write)
            .into_iter()
            .map(|(key, kind, limit)| (format!("{kind}:{key}"), limit))
            .collect();
        match store.count_request(window, &keys).await? {
            Some(Ok(())) => Ok(Ok(())),
            Some(Err(key)) => {
                let limit = KINDS
                    .iter()
                    .copied()
                    .find(|kind| key.strip_prefix(kind).is_some_and(|r| r.starts_with(':')))
                    .unwrap_or("shared");
                Ok(Err(Refusal { retry_after, limit }))
            }
            None => Ok(self.check(tenant, app, write, now)),
        }
    }

    /// Counts a request in memory; `Err` when it is over a limit (and then it is not
    /// counted).
    pub fn check(
        &self,
        tenant: &str,
        app: &str,
        write: bool,
        now: OffsetDateTime,
    ) -> Result<(), Refusal> {
        let Some(limits) = self.limits else {
            return Ok(());
        };
        let (window, retry_after) = window_of(limits, now);
        let keys = keys(limits, tenant, app, write);
        let mut counters = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        // Old windows are forgotten as they pass.
        if counters.len() > 100_000 {
            counters.retain(|_, (w, _)| *w == window);
        }
        let over = keys.iter().find(|(key, kind, limit)| {
            counters
                .get(&(key.clone(), *kind))
                .is_some_and(|(w, n)| *w == window && *n >= *limit)
        });
        if let Some((_, limit, _)) = over {
            return Err(Refusal { retry_after, limit });
        }
        for (key, kind, _) in keys {
            let entry = counters.entry((key, kind)).or_insert((window, 0));
            if entry.0 != window {
                *entry = (window, 0);
            }
            entry.1 += 1;
        }
        Ok(())
    }
}

/// The window `now` falls in, and the seconds left in it.
fn window_of(limits: Limits, now: OffsetDateTime) -> (i64, u64) {
    let window = now.unix_timestamp().div_euclid(limits.window_secs.max(1));
    let retry = u64::try_from((window + 1) * limits.window_secs - now.unix_timestamp())
        .unwrap_or(1)
        .max(1);
    (window, retry)
}

/// Why a request was throttled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    /// The seconds until the window ends (`Retry-After`).
    pub retry_after: u64,
    /// The limit it is over: one of [`KINDS`] (metrics name it).
    pub limit: &'static str,
}

/// The limits, as counters and metrics name them.
pub const KINDS: [&str; 4] = ["tenant-all", "app-all", "tenant-writes", "app-writes"];

/// The counters a request counts against: (key, kind, limit).
fn keys(limits: Limits, tenant: &str, app: &str, write: bool) -> Vec<(String, &'static str, u32)> {
    let mut keys = vec![
        (tenant.to_owned(), "tenant-all", limits.tenant_all),
        (format!("{tenant}/{app}"), "app-all", limits.app_all),
    ];
    if write {
        keys.push((tenant.to_owned(), "tenant-writes", limits.tenant_writes));
        keys.push((format!("{tenant}/{app}"), "app-writes", limits.app_writes));
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn limits_per_app_and_per_tenant_in_windows() {
        let t = Throttle::new(Some(Limits {
            window_secs: 20,
            tenant_writes: 3,
            tenant_all: 10,
            app_writes: 2,
            app_all: 5,
        }));
        let now = datetime!(2026-11-29 10:00:05 UTC);
        assert!(t.check("t", "a", true, now).is_ok());
        assert!(t.check("t", "a", true, now).is_ok());
        assert_eq!(
            t.check("t", "a", true, now),
            Err(Refusal {
                retry_after: 15,
                limit: "app-writes"
            }),
            "app write limit; 15 s left"
        );
        assert!(
            t.check("t", "a", false, now).is_ok(),
            "reads are not blocked by the write limit"
        );
        assert!(t.check("t", "b", true, now).is_ok());
        assert!(t.check("t", "c", true, now).is_err(), "tenant write limit");
        assert!(t.check("other", "a", true, now).is_ok(), "tenants apart");
        assert!(
            t.check("t", "a", true, now + time::Duration::seconds(15))
                .is_ok(),
            "next window"
        );
        assert!(Throttle::new(None).check("t", "a", true, now).is_ok());
    }
}
