//! The Autopilot sync (`windowsAutopilotSettings/sync`), as pure rules over the stored times.
//!
//! A sync runs for the configured duration from its trigger; while it runs another trigger is
//! 409 Conflict; within the configured interval of the last trigger it is 429 with the seconds
//! left. `syncStatus` is `inProgress` until the run's end, then `completed` with
//! `lastSyncDateTime` = that end; a tenant that never synced shows `unknown`.

use time::{Duration, OffsetDateTime};

/// What the store keeps per tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SyncTimes {
    /// When the last manual sync was triggered.
    pub last_trigger: Option<OffsetDateTime>,
    /// When the last (or current) run ends.
    pub completes_at: Option<OffsetDateTime>,
}

/// `windowsAutopilotSyncStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncStatus {
    Unknown,
    InProgress,
    Completed,
    Failed,
}

impl SyncStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncStatus::Unknown => "unknown",
            SyncStatus::InProgress => "inProgress",
            SyncStatus::Completed => "completed",
            SyncStatus::Failed => "failed",
        }
    }
}

/// The settings as a GET shows them at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncView {
    pub status: SyncStatus,
    pub last_manual_trigger: Option<OffsetDateTime>,
    /// The end of the last completed run.
    pub last_sync: Option<OffsetDateTime>,
}

/// What the settings show at `now`.
pub fn view(
    times: SyncTimes,
    now: OffsetDateTime,
    previous_sync: Option<OffsetDateTime>,
) -> SyncView {
    match times.completes_at {
        None => SyncView {
            status: SyncStatus::Unknown,
            last_manual_trigger: times.last_trigger,
            last_sync: previous_sync,
        },
        Some(end) if now < end => SyncView {
            status: SyncStatus::InProgress,
            last_manual_trigger: times.last_trigger,
            last_sync: previous_sync,
        },
        Some(end) => SyncView {
            status: SyncStatus::Completed,
            last_manual_trigger: times.last_trigger,
            last_sync: Some(end),
        },
    }
}

/// The answer to a sync trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncDecision {
    /// 204: a run starts now and ends at the given time.
    Start { completes_at: OffsetDateTime },
    /// 409: a run is in progress.
    InProgress,
    /// 429: too soon after the last trigger; retry after this many seconds.
    TooSoon { retry_after_secs: u64 },
}

/// Decides a sync trigger at `now`.
pub fn trigger(
    times: SyncTimes,
    now: OffsetDateTime,
    interval: Duration,
    duration: Duration,
) -> SyncDecision {
    if times.completes_at.is_some_and(|end| now < end) {
        return SyncDecision::InProgress;
    }
    if let Some(last) = times.last_trigger
        && now < last + interval
    {
        let left = (last + interval - now).as_seconds_f64().ceil();
        return SyncDecision::TooSoon {
            retry_after_secs: if left >= 1.0 { left as u64 } else { 1 },
        };
    }
    SyncDecision::Start {
        completes_at: now + duration,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const T: OffsetDateTime = datetime!(2026-11-29 10:00 UTC);

    #[test]
    fn a_sync_runs_then_completes_and_waits_out_its_interval() {
        let interval = Duration::minutes(10);
        let duration = Duration::seconds(20);
        let mut times = SyncTimes::default();
        assert_eq!(view(times, T, None).status, SyncStatus::Unknown);
        let SyncDecision::Start { completes_at } = trigger(times, T, interval, duration) else {
            panic!("first trigger starts");
        };
        times = SyncTimes {
            last_trigger: Some(T),
            completes_at: Some(completes_at),
        };
        assert_eq!(
            view(times, T + Duration::seconds(5), None).status,
            SyncStatus::InProgress
        );
        assert_eq!(
            trigger(times, T + Duration::seconds(5), interval, duration),
            SyncDecision::InProgress
        );
        let done = view(times, T + Duration::seconds(20), None);
        assert_eq!(
            (done.status, done.last_sync),
            (SyncStatus::Completed, Some(completes_at))
        );
        assert_eq!(
            trigger(times, T + Duration::seconds(60), interval, duration),
            SyncDecision::TooSoon {
                retry_after_secs: 540
            }
        );
        assert!(matches!(
            trigger(times, T + interval, interval, duration),
            SyncDecision::Start { .. }
        ));
    }
}
