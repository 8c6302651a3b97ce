//! Counting what each call needed: the dispatcher records every authorised (or refused) call
//! here, in memory; [`flush`] adds the counts to the store (every few seconds, and when the
//! server stops), where `autopilot-graph app permissions` reads them. A crash loses at most
//! the calls since the last flush.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use autopilot_domain::usage::{self, Usage};

use autopilot_domain::{Permission, Principal, Store};
use time::OffsetDateTime;

/// How often the counts go to the store.
pub const FLUSH_EVERY: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    tenant: String,
    app_id: String,
    day: i64,
    operation: String,
    needed: Vec<String>,
    carried: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
struct Counts {
    calls: u64,
    denied: u64,
    first: OffsetDateTime,
    last: OffsetDateTime,
}

/// The counts not yet in the store.
#[derive(Debug, Default)]
pub struct UsageRecorder {
    counts: Mutex<HashMap<Key, Counts>>,
}

impl UsageRecorder {
    /// Counts one call of `principal` to `operation` ([`usage::operation`]) that `needed` one
    /// of those permissions.
    pub fn record(
        &self,
        principal: &Principal,
        operation: String,
        needed: &[Permission],
        allowed: bool,
        now: OffsetDateTime,
    ) {
        let mut carried: Vec<String> = principal
            .scopes
            .iter()
            .chain(&principal.roles)
            .cloned()
            .collect();
        carried.sort();
        carried.dedup();
        let key = Key {
            tenant: principal.tenant.as_str().to_owned(),
            app_id: principal.app_id.clone(),
            day: usage::day_of(now),
            operation,
            needed: needed.iter().map(|p| p.name().to_owned()).collect(),
            carried,
        };
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let c = counts.entry(key).or_insert(Counts {
            calls: 0,
            denied: 0,
            first: now,
            last: now,
        });
        c.calls += 1;
        c.denied += u64::from(!allowed);
        c.first = c.first.min(now);
        c.last = c.last.max(now);
    }

    /// Takes the counts kept so far.
    fn take(&self) -> Vec<Usage> {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut *counts)
            .into_iter()
            .map(|(k, c)| Usage {
                tenant: k.tenant,
                app_id: k.app_id,
                day: k.day,
                operation: k.operation,
                needed: k.needed,
                carried: k.carried,
                calls: c.calls,
                denied: c.denied,
                first_at: c.first,
                last_at: c.last,
            })
            .collect()
    }

    /// Puts counts back after a failed flush, to go with the next one.
    fn restore(&self, usage: Vec<Usage>) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        for u in usage {
            let key = Key {
                tenant: u.tenant,
                app_id: u.app_id,
                day: u.day,
                operation: u.operation,
                needed: u.needed,
                carried: u.carried,
            };
            let c = counts.entry(key).or_insert(Counts {
                calls: 0,
                denied: 0,
                first: u.first_at,
                last: u.last_at,
            });
            c.calls += u.calls;
            c.denied += u.denied;
            c.first = c.first.min(u.first_at);
            c.last = c.last.max(u.last_at);
        }
    }
}

/// Adds the counts kept so far to the store.
pub async fn flush(recorder: &UsageRecorder, store: &dyn Store) {
    let usage = recorder.take();
    if usage.is_empty() {
        return;
    }
    if let Err(e) = store.add_usage(&usage).await {
        tracing::warn!(error = %e, "cannot store permission usage; kept for the next flush");
        recorder.restore(usage);
    }
}

/// The task that flushes every [`FLUSH_EVERY`].
#[derive(Debug)]
pub struct Flusher {
    task: tokio::task::JoinHandle<()>,
    stop: tokio_util::sync::CancellationToken,
    recorder: Arc<UsageRecorder>,
    store: Arc<dyn Store>,
}

impl Flusher {
    /// Stops the task between two flushes (a flush under way ends first), then flushes what
    /// is left.
    pub async fn stop(self) {
        self.stop.cancel();
        let _ = self.task.await;
        flush(&self.recorder, self.store.as_ref()).await;
    }
}

/// Flushes every [`FLUSH_EVERY`] until [`Flusher::stop`].
pub fn spawn_flusher(recorder: Arc<UsageRecorder>, store: Arc<dyn Store>) -> Flusher {
    let stop = tokio_util::sync::CancellationToken::new();
    let task = {
        let (recorder, store, stop) = (recorder.clone(), store.clone(), stop.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(FLUSH_EVERY);
            tick.tick().await;
            loop {
                tokio::select! {
                    () = stop.cancelled() => break,
                    _ = tick.tick() => flush(&recorder, store.as_ref()).await,
                }
            }
        })
    };
    Flusher {
        task,
        stop,
        recorder,
        store,
    }
}
