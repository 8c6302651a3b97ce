//! The registration worker: the in-process Device Directory Service. It decides due records in
//! rounds of [`ROUND`] (each round one store transaction), evaluates due dynamic groups (as
//! Entra's membership processing does), sleeps until the next record or group falls due, and
//! wakes early when an import or a group change arrives or the clock is moved ([`Wake`]). Nothing is
//! held in memory between rounds, so a restart loses nothing: records still `unknown` are
//! simply decided by the next worker.

use std::sync::Arc;
use std::time::Duration;

use autopilot_domain::registration::RecordShaper;
use autopilot_domain::{Clock, Store};
use tokio::sync::{Notify, watch};

/// Records decided per round.
pub const ROUND: u32 = 1000;

/// The longest the worker sleeps without looking (a safety net; imports wake it anyway).
const MAX_SLEEP: Duration = Duration::from_secs(30);

/// Wakes the worker: new work, or a moved clock.
#[derive(Debug, Clone, Default)]
pub struct Wake(Arc<Notify>);

impl Wake {
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the worker to look for due records now. A wake while it is busy is kept, not lost.
    pub fn wake(&self) {
        self.0.notify_one();
    }

    async fn woken(&self) {
        self.0.notified().await;
    }
}

/// A running worker; dropping the handle does not stop it, [`WorkerHandle::stop`] does.
#[derive(Debug)]
pub struct WorkerHandle {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl WorkerHandle {
    /// Stops after the current round and waits for it.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }

    /// Stops at once, abandoning a round in flight (its transaction rolls back). For tests of
    /// crash safety.
    pub fn abort(self) {
        self.task.abort();
    }
}

/// Dynamic groups evaluated per membership round.
pub const GROUPS_PER_ROUND: u32 = 20;

/// Starts the worker on the current tokio runtime. Besides registrations it brings dynamic
/// groups' members in line, `membership_delay` after what changed them.
pub fn spawn(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    wake: Wake,
    membership_delay: time::Duration,
) -> WorkerHandle {
    spawn_shaped(store, clock, wake, membership_delay, None)
}

/// [`spawn`], with the scenarios' device rules applied to every registration round.
pub fn spawn_shaped(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    wake: Wake,
    membership_delay: time::Duration,
    shaper: Option<Arc<dyn RecordShaper>>,
) -> WorkerHandle {
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(run(store, clock, wake, membership_delay, shaper, stopped));
    WorkerHandle { stop, task }
}

/// One membership round; how many groups it evaluated (a full round: more may be due).
async fn memberships(
    store: &dyn Store,
    clock: &dyn Clock,
    delay: time::Duration,
) -> Result<usize, autopilot_domain::StoreError> {
    let evaluated = store
        .process_memberships(clock.now(), delay, GROUPS_PER_ROUND)
        .await?;
    if evaluated > 0 {
        tracing::debug!(groups = evaluated, "membership round");
    }
    Ok(evaluated)
}

/// Logs a failed round; the pause before the next try, doubling the next one (up to
/// [`MAX_SLEEP`]).
fn failed(backoff: &mut Duration, what: &str, e: &autopilot_domain::StoreError) -> Duration {
    tracing::error!(
        error = %e,
        retry_in_ms = u64::try_from(backoff.as_millis()).unwrap_or(u64::MAX),
        "{what} failed; retrying"
    );
    let pause = *backoff;
    *backoff = (*backoff * 2).min(MAX_SLEEP);
    pause
}

/// How long to wait before looking again at work that is due but that this round could not
/// take (another instance holds it).
const HELD_ELSEWHERE: Duration = Duration::from_millis(250);

/// When the worker has work next: the next due record or the next group change's due time.
async fn next_work(
    store: &dyn Store,
    delay: time::Duration,
) -> Result<Option<time::OffsetDateTime>, autopilot_domain::StoreError> {
    let record = store.next_due().await?;
    let group = store.next_membership_change().await?.map(|t| t + delay);
    Ok(match (record, group) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    })
}

async fn run(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    wake: Wake,
    membership_delay: time::Duration,
    shaper: Option<Arc<dyn RecordShaper>>,
    mut stopped: watch::Receiver<bool>,
) {
    // Imports through other instances (PostgreSQL) wake this worker too.
    let notify = wake.clone();
    if let Err(e) = store.watch_due(Arc::new(move || notify.wake())).await {
        tracing::warn!(error = %e, "cannot listen for other instances' imports; polling instead");
    }
    // After a failure, wait 1 s, then 2, 4, ... up to MAX_SLEEP; a good round resets it.
    let mut backoff = Duration::from_secs(1);
    loop {
        if *stopped.borrow() {
            return;
        }
        let pause = match store
            .process_due(clock.now(), ROUND, shaper.as_deref())
            .await
        {
            Ok(report) if report.processed == usize::try_from(ROUND).unwrap_or(usize::MAX) => {
                backoff = Duration::from_secs(1);
                tracing::debug!(processed = report.processed, "registration round");
                // A full round: more may be due at once.
                tokio::task::yield_now().await;
                continue;
            }
            Ok(report) => {
                backoff = Duration::from_secs(1);
                if report.processed > 0 {
                    tracing::debug!(
                        processed = report.processed,
                        completed = report.completed,
                        "registration round"
                    );
                }
                let evaluated =
                    match memberships(store.as_ref(), clock.as_ref(), membership_delay).await {
                        Ok(n) if n == usize::try_from(GROUPS_PER_ROUND).unwrap_or(usize::MAX) => {
                            tokio::task::yield_now().await;
                            continue;
                        }
                        Ok(n) => n,
                        Err(e) => {
                            let pause = failed(&mut backoff, "membership round", &e);
                            tokio::select! {
                                () = wake.woken() => {}
                                () = tokio::time::sleep(pause) => {}
                                _ = stopped.changed() => {}
                            }
                            continue;
                        }
                    };
                match next_work(store.as_ref(), membership_delay).await {
                    Ok(Some(due)) => {
                        let wait = due - clock.now();
                        if wait > time::Duration::ZERO {
                            Duration::try_from(wait).unwrap_or(MAX_SLEEP).min(MAX_SLEEP)
                        } else if report.processed > 0 || evaluated > 0 {
                            continue;
                        } else {
                            // Due, yet nothing was taken: another instance holds it.
                            HELD_ELSEWHERE
                        }
                    }
                    Ok(None) => MAX_SLEEP,
                    Err(e) => {
                        tracing::error!(error = %e, "registration worker cannot read due times");
                        backoff
                    }
                }
            }
            Err(e) => failed(&mut backoff, "registration round", &e),
        };
        tokio::select! {
            () = wake.woken() => {}
            () = tokio::time::sleep(pause) => {}
            _ = stopped.changed() => return,
        }
    }
}
