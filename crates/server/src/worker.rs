//! The registration worker: the in-process Device Directory Service. It decides due records in
//! rounds of [`ROUND`] (each round one store transaction), evaluates due dynamic groups (as
//! Entra's membership processing does), sleeps until the next record or group falls due, and
//! wakes early when an import or a group change arrives or the clock is moved ([`Wake`]). Nothing is
//! held in memory between rounds, so a restart loses nothing: records still `unknown` are
//! simply decided by the next worker.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
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

/// Whether the worker is alive, for `/readyz`: it beats at every turn of its loop (at least
/// every [`MAX_SLEEP`]) and marks itself ended when its task ends, by a stop, a panic or an
/// abort.
#[derive(Debug)]
pub struct Liveness {
    started: std::time::Instant,
    /// Milliseconds since `started` at the last beat.
    last_beat: AtomicU64,
    ended: AtomicBool,
}

/// A worker that has not beaten for this long is stuck (a round hangs on the database).
pub const STALE: Duration = Duration::from_secs(90);

impl Default for Liveness {
    fn default() -> Self {
        Liveness {
            started: std::time::Instant::now(),
            last_beat: AtomicU64::new(0),
            ended: AtomicBool::new(false),
        }
    }
}

impl Liveness {
    fn beat(&self) {
        let ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_beat.store(ms, Ordering::Relaxed);
    }

    /// `None` when alive; else why not.
    pub fn problem(&self) -> Option<String> {
        if self.ended.load(Ordering::Relaxed) {
            return Some("the registration worker has stopped".into());
        }
        let since = self.started.elapsed().saturating_sub(Duration::from_millis(
            self.last_beat.load(Ordering::Relaxed),
        ));
        (since > STALE).then(|| {
            format!(
                "the registration worker has not completed a turn for {} s",
                since.as_secs()
            )
        })
    }
}

/// Marks the worker ended when its task ends, however it ends.
struct Ended(Arc<Liveness>);

impl Drop for Ended {
    fn drop(&mut self) {
        self.0.ended.store(true, Ordering::Relaxed);
    }
}

/// A running worker; dropping the handle does not stop it, [`WorkerHandle::stop`] does.
#[derive(Debug)]
pub struct WorkerHandle {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    liveness: Arc<Liveness>,
}

impl WorkerHandle {
    /// Whether the worker is alive (for `/readyz`).
    pub fn liveness(&self) -> Arc<Liveness> {
        self.liveness.clone()
    }

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
    let liveness = Arc::new(Liveness::default());
    liveness.beat();
    let ended = Ended(liveness.clone());
    let task = tokio::spawn(async move {
        let _ended = ended;
        run(
            store,
            clock,
            wake,
            membership_delay,
            shaper,
            stopped,
            &_ended.0,
        )
        .await;
    });
    WorkerHandle {
        stop,
        task,
        liveness,
    }
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

/// The round in the metrics: its duration, and its outcomes by error code.
fn count_round(
    began: std::time::Instant,
    round: &Result<autopilot_domain::ProcessReport, autopilot_domain::StoreError>,
) {
    let result = if round.is_ok() { "ok" } else { "failed" };
    metrics::counter!("autopilot_graph_worker_rounds_total", "result" => result).increment(1);
    metrics::histogram!("autopilot_graph_worker_round_duration_seconds")
        .record(began.elapsed().as_secs_f64());
    let Ok(report) = round else { return };
    if report.completed > 0 {
        metrics::counter!(
            "autopilot_graph_registrations_total",
            "status" => "complete", "code" => "0", "name" => "None"
        )
        .increment(report.completed as u64);
    }
    for (code, name, n) in &report.failed {
        metrics::counter!(
            "autopilot_graph_registrations_total",
            "status" => "error", "code" => code.to_string(), "name" => name.clone()
        )
        .increment(*n as u64);
    }
}

async fn run(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    wake: Wake,
    membership_delay: time::Duration,
    shaper: Option<Arc<dyn RecordShaper>>,
    mut stopped: watch::Receiver<bool>,
    liveness: &Liveness,
) {
    // Imports through other instances (PostgreSQL) wake this worker too.
    let notify = wake.clone();
    if let Err(e) = store.watch_due(Arc::new(move || notify.wake())).await {
        tracing::warn!(error = %e, "cannot listen for other instances' imports; polling instead");
    }
    // After a failure, wait 1 s, then 2, 4, ... up to MAX_SLEEP; a good round resets it.
    let mut backoff = Duration::from_secs(1);
    loop {
        liveness.beat();
        if *stopped.borrow() {
            return;
        }
        let began = std::time::Instant::now();
        let round = store
            .process_due(clock.now(), ROUND, shaper.as_deref())
            .await;
        count_round(began, &round);
        let pause = match round {
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
